#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint, built once from the
# Go module proxy into ~/.cache/flight-booking/. shellcheck and pyflakes check the run: scripts when
# they are installed, and are left out otherwise. Exits with actionlint's status.
#   bash infra/ci/actionlint.sh              build when missing, then lint
#   bash infra/ci/actionlint.sh --build      build when missing and print the binary's path
#   bash infra/ci/actionlint.sh --installed  print the binary's path if built, exit 2 otherwise
set -euo pipefail
VERSION=v1.7.12
CACHE="${FLIGHT_CACHE:-$HOME/.cache/flight-booking}"
BIN="$CACHE/actionlint-$VERSION"
cd "$(dirname "$0")/../.."

if [ ! -x "$BIN" ] && [ "${1:-}" = --installed ]; then
  exit 2
fi
if [ ! -x "$BIN" ]; then
  export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || { echo "actionlint: Go is needed to build actionlint and was not found" >&2; exit 1; }
  echo "actionlint: building actionlint $VERSION (once) ..." >&2
  mkdir -p "$CACHE"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  GOBIN="$work" go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" >&2
  mv "$work/actionlint" "$BIN"
fi
if [ "${1:-}" = --build ] || [ "${1:-}" = --installed ]; then
  echo "$BIN"
  exit 0
fi

options=()
command -v shellcheck >/dev/null || options+=(-shellcheck=)
command -v pyflakes >/dev/null || options+=(-pyflakes=)
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ "${#workflows[@]}" -eq 0 ]; then
  echo "actionlint: no workflow in .github/workflows" >&2
  exit 1
fi
"$BIN" "${options[@]}" "${workflows[@]}"
echo "actionlint: ${#workflows[@]} workflow(s) pass"
