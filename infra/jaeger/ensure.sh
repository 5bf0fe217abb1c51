#!/usr/bin/env bash
# Makes sure Jaeger answers on 127.0.0.1:${JAEGER_UI_PORT:-16686} (its query API and UI), taking
# OTLP/HTTP on 127.0.0.1:${JAEGER_OTLP_PORT:-4318}: export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318
# to the services (docs/tracing.md). When nothing answers, it builds Jaeger v1.75.0 (the v2
# all-in-one binary, an OpenTelemetry Collector build) from the Go module proxy, once, into
# ~/.cache/flight-booking/, and starts it in the background with traces in memory (config.yaml
# beside this file). The build takes about 9 minutes on 2 cores the first time; the binary is kept.
#
# This folder is a Go module of its own whose only content is the pinned tool (go.mod's `tool`
# line and go.sum), so the build takes exactly the versions checked in here. The module carries no
# UI (a binary built from it serves a placeholder page): the UI's built files are checked in here
# (jaeger-ui-v1.75.0.tar.xz, made by build-ui.sh) and unpacked beside the binary.
set -euo pipefail
VERSION=v1.75.0
HERE="$(cd "$(dirname "$0")" && pwd)"
UI_PORT="${JAEGER_UI_PORT:-16686}"
OTLP_PORT="${JAEGER_OTLP_PORT:-4318}"
CACHE="${FLIGHT_CACHE:-$HOME/.cache/flight-booking}"
BIN="$CACHE/jaeger-$VERSION"
UI="$CACHE/jaeger-ui-$VERSION"
LOG="$CACHE/jaeger.log"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if answers "$UI_PORT"; then
  echo "jaeger: a server already answers on 127.0.0.1:$UI_PORT (UI and query API: http://127.0.0.1:$UI_PORT)"
  exit 0
fi

if [ ! -x "$BIN" ]; then
  export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
  command -v go >/dev/null || { echo "jaeger: Go is needed to build Jaeger and was not found" >&2; exit 1; }
  echo "jaeger: building Jaeger $VERSION (once, about 9 minutes on 2 cores) ..."
  mkdir -p "$CACHE"
  # -s -w: no symbol table or DWARF, a third smaller; the version is what the UI and --version show.
  (cd "$HERE" && go build -o "$BIN.partial" \
    -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$VERSION" \
    github.com/jaegertracing/jaeger/cmd/jaeger)
  mv "$BIN.partial" "$BIN"
fi

if [ ! -f "$UI/index.html" ]; then
  rm -rf "$UI.partial" && mkdir -p "$UI.partial"
  tar -xJf "$HERE/jaeger-ui-$VERSION.tar.xz" -C "$UI.partial"
  rm -rf "$UI" && mv "$UI.partial" "$UI"
fi

if answers "$OTLP_PORT"; then
  echo "jaeger: 127.0.0.1:$OTLP_PORT is taken by something else; set JAEGER_OTLP_PORT" >&2
  exit 1
fi
JAEGER_UI_PORT="$UI_PORT" JAEGER_OTLP_PORT="$OTLP_PORT" JAEGER_UI_ASSETS="$UI" \
  nohup "$BIN" --config "$HERE/config.yaml" >"$LOG" 2>&1 &
# stop.sh ends the process whose id is kept here.
echo $! >"$CACHE/jaeger.pid"
for _ in $(seq 1 150); do
  if answers "$UI_PORT" && answers "$OTLP_PORT"; then
    echo "jaeger: Jaeger $VERSION started: UI and query API http://127.0.0.1:$UI_PORT," \
      "OTLP/HTTP http://127.0.0.1:$OTLP_PORT (traces in memory; log $LOG)"
    exit 0
  fi
  sleep 0.2
done
echo "jaeger: did not start; its log:" >&2
tail -20 "$LOG" >&2
exit 1
