#!/usr/bin/env bash
# Makes sure a MongoDB-compatible server answers on 127.0.0.1:${FERRETDB_PORT:-27017}.
# When none does, it builds FerretDB v1.24.0 (a MongoDB wire-protocol server) from the Go module
# proxy, once, into ~/.cache/flight-booking/, and starts it on its PostgreSQL backend (database
# `ferretdb` of the PostgreSQL on 127.0.0.1:5432, created when missing) when that server answers and
# psql is there, and on its SQLite backend otherwise. FERRETDB_BACKEND=sqlite|postgresql chooses.
# The PostgreSQL backend filters in SQL; the SQLite one reads every document of a collection for
# each query, which makes the flight search hundreds of times slower (docs/benchmarks.md).
#
# Why not `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.0`: a binary built that way
# panics at start because the module's build/version/version.txt is empty outside FerretDB's own
# build; we build the same module version with that file filled in.
set -euo pipefail
VERSION=v1.24.0
PORT="${FERRETDB_PORT:-27017}"
CACHE="${FLIGHT_CACHE:-$HOME/.cache/flight-booking}"
BIN="$CACHE/ferretdb-$VERSION"
DATA="${FERRETDB_DATA:-$CACHE/ferretdb-data}"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if answers; then
  echo "ferretdb: a server already answers on 127.0.0.1:$PORT"
  exit 0
fi

if [ ! -x "$BIN" ]; then
  export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
  command -v go >/dev/null || { echo "ferretdb: Go is needed to build FerretDB and was not found" >&2; exit 1; }
  echo "ferretdb: building FerretDB $VERSION (once) ..."
  src="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || { echo "ferretdb: could not download the module" >&2; exit 1; }
  work="$(mktemp -d)"
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  echo "$VERSION" > "$work/build/version/version.txt"
  mkdir -p "$CACHE"
  (cd "$work" && go build -o "$BIN.partial" ./cmd/ferretdb)
  mv "$BIN.partial" "$BIN"
  rm -rf "$work"
fi

BACKEND="${FERRETDB_BACKEND:-auto}"
PG_DATABASE="${FERRETDB_PG_DATABASE:-ferretdb}"
if [ "$BACKEND" = auto ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && command -v psql >/dev/null; then BACKEND=postgresql; else BACKEND=sqlite; fi
fi
mkdir -p "$DATA"
if [ "$BACKEND" = postgresql ]; then
  pg() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
  [ "$(pg -c "select 1 from pg_database where datname = '$PG_DATABASE'")" = 1 ] || pg -c "create database \"$PG_DATABASE\""
  handler=(--handler=postgresql --postgresql-url="postgres://postgres@127.0.0.1:5432/$PG_DATABASE")
else
  handler=(--handler=sqlite --sqlite-url="file:$DATA/")
fi
nohup "$BIN" "${handler[@]}" --listen-addr="127.0.0.1:$PORT" \
  --state-dir="$DATA" --telemetry=disable --debug-addr=- --log-level=warn >"$DATA/ferretdb.log" 2>&1 &
for _ in $(seq 1 100); do
  if answers; then
    echo "ferretdb: FerretDB $VERSION started on 127.0.0.1:$PORT ($BACKEND backend)"
    exit 0
  fi
  sleep 0.2
done
echo "ferretdb: did not start; its log:" >&2
tail -20 "$DATA/ferretdb.log" >&2
exit 1
