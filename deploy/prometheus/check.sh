#!/usr/bin/env bash
# Checks the alert rules and runs their unit tests with promtool:
#
#	deploy/prometheus/check.sh
#
# promtool is installed once into $AUDITSTREAM_CACHE_DIR/promtool (default
# ~/.cache/auditstream/promtool), outside the repository and its go.mod. The first build
# takes about 8 minutes on 2 cores. PROMTOOL=/path/to/promtool uses an existing binary.
set -euo pipefail

PROMTOOL_VERSION=v0.316.0 # Prometheus 3.16.0; keep in step with the image in deploy/docker/compose.yaml
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${AUDITSTREAM_CACHE_DIR:-$HOME/.cache/auditstream}/promtool"
promtool="${PROMTOOL:-$cache/promtool}"

if [[ ! -x "$promtool" ]]; then
	echo "installing promtool $PROMTOOL_VERSION into $cache (first time: several minutes)" >&2
	mkdir -p "$cache"
	# Outside any module, so the repository's go.mod and GOFLAGS do not apply.
	(cd "$cache" && GOFLAGS='' GOBIN="$cache" go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION")
fi

cd "$here"
"$promtool" check rules --lint=all --lint-fatal alerts.yml
"$promtool" test rules alerts_test.yml
