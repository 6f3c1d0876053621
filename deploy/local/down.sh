#!/usr/bin/env bash
# down.sh [kafka|clickhouse]... — stop the local services started by up.sh (SIGTERM, then SIGKILL
# after a grace period). Data stays under the state dir; pass --purge to delete it as well.
# Idempotent: stopping a stopped service is not an error.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GRACE="${AUDITSTREAM_STOP_TIMEOUT:-30}"

stop_service() {
	LOG_PREFIX="$1"
	local pid start
	if ! pid="$(pid_of "$1")"; then
		rm -f "$STATE_DIR/$1/$1.pid"
		log "not running"
		return
	fi
	start="$(now_ms)"
	log "stopping pid $pid"
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + GRACE))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		log "still running after ${GRACE}s: sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	fi
	rm -f "$STATE_DIR/$1/$1.pid"
	log "stopped in $(elapsed "$start") s"
}

purge=""
targets=()
for a in "$@"; do
	case "$a" in
	--purge) purge=1 ;;
	kafka | clickhouse) targets+=("$a") ;;
	*) die "unknown argument '$a' (want: [--purge] [${SERVICES[*]}])" ;;
	esac
done
((${#targets[@]})) || targets=("${SERVICES[@]}")
# Stop in reverse start order: ClickHouse first, then Kafka.
for ((i = ${#targets[@]} - 1; i >= 0; i--)); do stop_service "${targets[i]}"; done
if [[ -n "$purge" ]]; then
	for s in "${targets[@]}"; do
		LOG_PREFIX="$s"
		log "deleting $STATE_DIR/$s"
		rm -rf "${STATE_DIR:?}/$s"
	done
fi
