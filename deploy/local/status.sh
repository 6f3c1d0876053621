#!/usr/bin/env bash
# status.sh — print, for each local service: running or not, version, PID, listening ports, RSS,
# uptime and data size. Exits 0 when every service runs, 3 otherwise.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version_of() {
	case "$1" in
	kafka) cat "$KAFKA_STATE/version" 2>/dev/null || echo "$KAFKA_VERSION" ;;
	clickhouse) clickhouse_client --query 'SELECT version()' 2>/dev/null || cat "$CH_STATE/version" 2>/dev/null || echo "?" ;;
	esac
}

rc=0
printf '%-11s %-8s %-10s %-8s %-34s %8s %10s %8s\n' SERVICE STATE VERSION PID LISTEN RSS UPTIME DATA
for s in "${SERVICES[@]}"; do
	data="$(du -sh "$STATE_DIR/$s/data" 2>/dev/null | cut -f1)"
	if pid="$(pid_of "$s")"; then
		printf '%-11s %-8s %-10s %-8s %-34s %7sM %10s %8s\n' "$s" running "$(version_of "$s")" "$pid" \
			"$(listening_ports "$pid")" "$(rss_mib "$pid")" "$(ps -o etime= -p "$pid" | tr -d ' ')" "${data:--}"
	else
		printf '%-11s %-8s %-10s %-8s %-34s %8s %10s %8s\n' "$s" stopped - - - - - "${data:--}"
		rc=3
	fi
done
echo "state dir: $STATE_DIR"
echo "kafka jars: $KAFKA_HOME$([[ -f "$KAFKA_HOME/.complete" ]] || echo ' (not downloaded yet)')"
exit "$rc"
