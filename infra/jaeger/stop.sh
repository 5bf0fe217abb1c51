#!/usr/bin/env bash
# Stops the Jaeger that infra/jaeger/ensure.sh started (by the process id it kept); its traces,
# held in memory, go with it.
set -euo pipefail
CACHE="${FLIGHT_CACHE:-$HOME/.cache/flight-booking}"
PIDFILE="$CACHE/jaeger.pid"
[ -f "$PIDFILE" ] || { echo "jaeger: not started by ensure.sh (no $PIDFILE)"; exit 0; }
pid="$(cat "$PIDFILE")"
# Only the process ensure.sh started: a recycled id of another program is left alone.
if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "jaeger-v.* --config"; then
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  echo "jaeger: stopped (process $pid)"
else
  echo "jaeger: process $pid is no longer Jaeger; nothing to stop"
fi
rm -f "$PIDFILE"
