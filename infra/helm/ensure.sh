#!/usr/bin/env bash
# Makes sure the Helm chart's tools are built, once, into ~/.cache/flight-booking/, and prints where:
#   helm: Helm v4.3.2, by `go install helm.sh/helm/v4/cmd/helm@v4.3.2` with GOBIN there.
#   helm-validate: the offline validator of infra/helm/validate (the API server's own validation,
#     from k8s.io/kubernetes), rebuilt when its sources change, with the MongoDB Community
#     Operator's CRD (from its Go module) in crds/ beside it.
# Both come from the Go module proxy only. `ensure.sh --locate` builds nothing: it prints the same
# lines when both are there and current, and fails saying what is missing otherwise.
# infra/helm/chart.test.ts runs `--locate`; CI runs this script before the tests.
set -euo pipefail
HELM_VERSION=v4.3.2
MONGODB_OPERATOR=github.com/mongodb/mongodb-kubernetes-operator@v0.9.0
MONGODB_CRD=config/crd/bases/mongodbcommunity.mongodb.com_mongodbcommunity.yaml
CACHE="${FLIGHT_CACHE:-$HOME/.cache/flight-booking}"
HERE="$(cd "$(dirname "$0")" && pwd)"
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"

HELM_DIR="$CACHE/helm-$HELM_VERSION"
HELM="$HELM_DIR/helm"
# The validator's build is named by its sources (and the operator CRD it takes), so a change rebuilds it.
KEY="$(cd "$HERE/validate" && { echo "$MONGODB_OPERATOR"; LC_ALL=C; cat go.mod go.sum ./*.go crds/*.yaml; } | sha256sum | cut -c1-16)"
VALIDATE_DIR="$CACHE/helm-validate-$KEY"
VALIDATE="$VALIDATE_DIR/helm-validate"

report() {
  echo "helm: $HELM"
  echo "helm-validate: $VALIDATE"
}

if [ "${1:-}" = "--locate" ]; then
  missing=()
  [ -x "$HELM" ] || missing+=("helm $HELM_VERSION ($HELM)")
  [ -x "$VALIDATE" ] || missing+=("helm-validate for the current sources ($VALIDATE)")
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "helm: not built: ${missing[*]}; run bash infra/helm/ensure.sh" >&2
    exit 1
  fi
  report
  exit 0
fi

command -v go >/dev/null || { echo "helm: Go is needed to build Helm and the validator and was not found" >&2; exit 1; }
mkdir -p "$CACHE"

if [ ! -x "$HELM" ]; then
  echo "helm: building Helm $HELM_VERSION (once) ..." >&2
  rm -rf "$HELM_DIR.partial"
  mkdir -p "$HELM_DIR.partial"
  GOBIN="$HELM_DIR.partial" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  rm -rf "$HELM_DIR"
  mv "$HELM_DIR.partial" "$HELM_DIR"
fi

if [ ! -x "$VALIDATE" ]; then
  echo "helm: building helm-validate $KEY (once per change of infra/helm/validate) ..." >&2
  rm -rf "$VALIDATE_DIR.partial"
  mkdir -p "$VALIDATE_DIR.partial/crds"
  (cd "$HERE/validate" && go build -o "$VALIDATE_DIR.partial/helm-validate" .)
  # Outside any module, so that nothing is written to go.mod or go.sum.
  src="$(cd "$CACHE" && go mod download -json "$MONGODB_OPERATOR" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -f "$src/$MONGODB_CRD" ] || { echo "helm: could not download $MONGODB_OPERATOR" >&2; exit 1; }
  cp "$src/$MONGODB_CRD" "$VALIDATE_DIR.partial/crds/"
  chmod u+w "$VALIDATE_DIR.partial/crds/"*
  rm -rf "$VALIDATE_DIR"
  mv "$VALIDATE_DIR.partial" "$VALIDATE_DIR"
  # Builds for sources that are gone.
  for old in "$CACHE"/helm-validate-*; do
    [ "$old" = "$VALIDATE_DIR" ] || rm -rf "$old"
  done
fi

report
