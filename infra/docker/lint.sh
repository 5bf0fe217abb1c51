#!/usr/bin/env bash
# Lints every Dockerfile of the repository with BuildKit's own checks, the ones `docker build
# --check` runs (experimental ones too where a Dockerfile asks, as ours do), and fails on any
# warning. No Docker engine is needed: the checks are BuildKit's Go packages in a small program
# (infra/docker/lint/), built from the Go module proxy once into ~/.cache/flight-booking/ (a few
# minutes from an empty Go cache; a changed program is built again). A parameterised Dockerfile is
# linted once for each service (SERVICE=identity, ..., notification).
#
#   infra/docker/lint.sh [--context DIR] [Dockerfile...]
#
# No Dockerfile named: every one git knows of or would add. --context DIR (the directory `docker
# build` would be given, e.g. `.` after `bun run build:executables`) also checks that every file a
# COPY takes from it is there and not left out by the ignore file.
set -euo pipefail
context=()
if [ "${1:-}" = --context ]; then
  [ -d "${2:-}" ] || { echo "dockerfile-lint: --context needs a directory" >&2; exit 2; }
  context=(--context "$(realpath "$2")")
  shift 2
fi
given=()
for file in "$@"; do given+=("$(realpath "$file")"); done
cd "$(dirname "$0")/../.."
CACHE="${FLIGHT_CACHE:-$HOME/.cache/flight-booking}"
SRC=infra/docker/lint
KEY="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go | sha256sum | cut -c1-12)"
BIN="$CACHE/dockerfile-lint-$KEY"
SERVICES=(identity gateway web booking flight payment notification)

if [ ! -x "$BIN" ]; then
  export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || { echo "dockerfile-lint: Go is needed to build the linter and was not found" >&2; exit 1; }
  echo "dockerfile-lint: building BuildKit's Dockerfile checks (once) ..." >&2
  mkdir -p "$CACHE"
  (cd "$SRC" && go build -trimpath -o "$BIN.partial" .)
  find "$CACHE" -maxdepth 1 -name 'dockerfile-lint-*' ! -name '*.partial' -delete # an older program's
  mv "$BIN.partial" "$BIN"
fi

if [ "${#given[@]}" -gt 0 ]; then
  dockerfiles=("${given[@]}")
else
  mapfile -t dockerfiles < <(git ls-files --cached --others --exclude-standard -- '*Dockerfile')
fi
if [ "${#dockerfiles[@]}" -eq 0 ]; then
  echo "dockerfile-lint: no Dockerfile found" >&2
  exit 1
fi

failed=0
for service in "${SERVICES[@]}"; do
  "$BIN" --build-arg "SERVICE=$service" "${context[@]}" "${dockerfiles[@]}" || { echo "dockerfile-lint: the warnings above are with SERVICE=$service" >&2; failed=1; }
done
if [ "$failed" -ne 0 ]; then exit 1; fi
checked="no warnings"
if [ "${#context[@]}" -gt 0 ]; then checked="no warnings, every COPY source in ${context[1]}"; fi
echo "dockerfile-lint: $checked: ${dockerfiles[*]} (SERVICE=${SERVICES[*]})"
