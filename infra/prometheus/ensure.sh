#!/usr/bin/env bash
# Builds promtool (Prometheus' rule checker) once from the Go module proxy into
# ~/.cache/flight-booking/ and prints its path; infra/prometheus/check.sh uses it.
#   bash infra/prometheus/ensure.sh              build when missing, print the path
#   bash infra/prometheus/ensure.sh --installed  print the path if built, exit 2 otherwise
# Built without Prometheus' service-discovery plugins (tag remove_all_sd: cloud SDKs the rule checks
# never use), which the build would otherwise download and compile. From an empty Go cache it still
# takes minutes (docs/operations.md); afterwards this returns at once.
set -euo pipefail
VERSION=v0.316.0
CACHE="${FLIGHT_CACHE:-$HOME/.cache/flight-booking}"
BIN="$CACHE/promtool-$VERSION"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
if [ "${1:-}" = --installed ]; then
  exit 2
fi

export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "promtool: Go is needed to build promtool and was not found" >&2; exit 1; }
echo "promtool: building promtool $VERSION (once) ..." >&2
mkdir -p "$CACHE"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
GOBIN="$work" go install -tags remove_all_sd "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2
mv "$work/promtool" "$BIN"
echo "$BIN"
