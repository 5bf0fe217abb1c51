#!/usr/bin/env bash
# Checks the Prometheus rules with promtool: `check rules` (syntax, expressions, duplicate rules)
# on rules.yml and `test rules` on the unit tests of rules.test.yml, which feed series to every rule
# and say which samples and alerts must come out. promtool is the one infra/prometheus/ensure.sh
# built (or $PROMTOOL); without it this exits 2 and says to run ensure.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
promtool="${PROMTOOL:-}"
if [ -z "$promtool" ]; then
  if ! promtool="$(bash "$here/ensure.sh" --installed)"; then
    echo "check: promtool is not built: run bash infra/prometheus/ensure.sh" >&2
    exit 2
  fi
fi
cd "$here"
"$promtool" check rules --lint=all --lint-fatal rules.yml
"$promtool" test rules rules.test.yml
