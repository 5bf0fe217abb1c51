#!/usr/bin/env bash
# Remakes jaeger-ui-v1.75.0.tar.xz beside this script: the Jaeger UI's built files, which the Go
# module does not carry (a binary built from it serves a placeholder page instead; config.yaml points
# the query service at these files, unpacked by ensure.sh). Needs a checkout of the jaeger-ui
# repository at tag v1.75.0 (commit d83cb35c682151485818b0d5bbaead44dddade6a, the UI released with
# Jaeger v1.75.0) and Node 20 or newer with npm; takes about 8 minutes on 2 cores.
#
#   bash infra/jaeger/build-ui.sh /path/to/jaeger-ui
set -euo pipefail
SRC="${1:?usage: build-ui.sh /path/to/jaeger-ui checked out at v1.75.0}"
OUT="$(cd "$(dirname "$0")" && pwd)/jaeger-ui-v1.75.0.tar.xz"
cd "$SRC"
# Its package.json asks for Node 24 and runs husky in `prepare`; neither matters for a build.
HUSKY=0 npm ci --engine-strict=false --no-audit --no-fund
(cd packages/jaeger-ui && NODE_ENV=production REACT_APP_VSN_STATE='{}' npx vite build)
# Apache License 2.0: the licence goes with the files.
cp LICENSE packages/jaeger-ui/build/LICENSE
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2025-11-18 00:00Z' \
  -C packages/jaeger-ui/build -cf - . | xz -9 >"$OUT"
echo "jaeger: $OUT"
