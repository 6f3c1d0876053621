#!/usr/bin/env bash
# The whole pipeline on this machine, end to end (`make demo`):
#   1. local Kafka + ClickHouse up (installs them the first time),
#   2. topics created, ClickHouse migrated,
#   3. `auditstream consume` started in the background,
#   4. a burst of every event type emitted through the producer library (`emit-demo`),
#   5. wait until the consumer has inserted all of it,
#   6. a session replay and a tenant's activity log printed from ClickHouse,
#   7. a one-line summary from the consumer's /metrics, then the consumer stops (SIGTERM).
# The services stay up afterwards (`make down` stops them). Logs: <state>/demo/.
set -euo pipefail
LOG_PREFIX=demo
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

DEMO_DIR="$STATE_DIR/demo"
mkdir -p "$DEMO_DIR"
METRICS_ADDR="127.0.0.1:${AUDITSTREAM_DEMO_METRICS_PORT:-19464}"
BIN="$DEMO_DIR/auditstream"
export AUDITSTREAM_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
export AUDITSTREAM_CLICKHOUSE_ADDR="127.0.0.1:$CH_TCP_PORT"
export AUDITSTREAM_CLICKHOUSE_DATABASE="${AUDITSTREAM_DEMO_DATABASE:-auditstream}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "starting local Kafka and ClickHouse (deploy/local/up.sh)"
"$LOCAL_DIR/up.sh"

step "building auditstream"
go build -o "$BIN" ./cmd/auditstream

step "creating topics and migrating ClickHouse database $AUDITSTREAM_CLICKHOUSE_DATABASE"
"$BIN" topics
"$BIN" migrate up

step "starting the consumer (logs: $DEMO_DIR/consumer.log, metrics: http://$METRICS_ADDR/metrics)"
"$BIN" consume -http-addr "$METRICS_ADDR" -group auditstream-demo -batch-max-age 500ms \
	>"$DEMO_DIR/consumer.log" 2>&1 &
consumer_pid=$!
stop_consumer() {
	if kill -0 "$consumer_pid" 2>/dev/null; then
		kill -TERM "$consumer_pid"
		wait "$consumer_pid" || true
	fi
}
trap stop_consumer EXIT
for _ in $(seq 1 100); do
	curl -fsS "http://$METRICS_ADDR/readyz" >/dev/null 2>&1 && break
	kill -0 "$consumer_pid" 2>/dev/null || { tail -n 20 "$DEMO_DIR/consumer.log"; die "the consumer exited"; }
	sleep 0.1
done
curl -fsS "http://$METRICS_ADDR/readyz" >/dev/null || die "the consumer did not become ready; see $DEMO_DIR/consumer.log"

# metric NAME sums every series of one metric family from the consumer's /metrics.
metric() {
	curl -fsS "http://$METRICS_ADDR/metrics" |
		awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%d", s }'
}
inserted_before=$(metric auditstream_consumer_records_inserted_total)

step "emitting a burst of every event type through the producer library"
"$BIN" emit-demo | tee "$DEMO_DIR/emit.txt"
emitted=$(awk '$1 == "total" { print $2 }' "$DEMO_DIR/emit.txt")
tenant=$(awk '/replay a session:/ { for (i = 1; i < NF; i++) if ($i == "-tenant") print $(i + 1) }' "$DEMO_DIR/emit.txt")
session=$(awk '/replay a session:/ { print $NF }' "$DEMO_DIR/emit.txt")
[[ -n "$emitted" && -n "$tenant" && -n "$session" ]] || die "could not read emit-demo's summary"

step "waiting for the consumer to insert all $emitted events"
deadline=$((SECONDS + 60))
while :; do
	inserted=$(($(metric auditstream_consumer_records_inserted_total) - inserted_before))
	# Older records may be in the topics too: also wait until no partition lags behind.
	((inserted >= emitted)) && (($(metric auditstream_consumer_lag_records) == 0)) && break
	((SECONDS < deadline)) || die "only $inserted of $emitted events inserted after 60 s; see $DEMO_DIR/consumer.log"
	sleep 0.2
done
echo "inserted $inserted records (the $emitted emitted now, and any older ones still in the topics)"

step "session replay: auditstream replay -tenant $tenant -session $session"
"$BIN" replay -tenant "$tenant" -session "$session"

step "activity log: auditstream activity -tenant $tenant -limit 20"
"$BIN" activity -tenant "$tenant" -limit 20

step "consumer metrics"
printf 'consumed %s, inserted %s, dead-lettered %s, flushes %s, insert failures %s (http://%s/metrics)\n' \
	"$(metric auditstream_consumer_records_consumed_total)" "$(metric auditstream_consumer_records_inserted_total)" \
	"$(metric auditstream_consumer_records_dead_lettered_total)" "$(metric auditstream_consumer_flushes_total)" \
	"$(metric auditstream_consumer_insert_failures_total)" "$METRICS_ADDR"

step "stopping the consumer (SIGTERM: flush, commit, leave the group)"
stop_consumer
trap - EXIT
echo "done. Kafka and ClickHouse are still running: 'make down' stops them."
