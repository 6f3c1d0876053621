# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file
# Common settings and helpers for deploy/local/{up,down,status}.sh. Sourced, not executed.
#
# Everything a run writes (configs, data, logs, PID files) lives under one state dir; the Kafka
# jars live in a cache dir outside the repo so fresh clones reuse them. Every knob is an
# environment variable with a default:
#
#   AUDITSTREAM_STATE_DIR            <repo>/.state
#   AUDITSTREAM_CACHE_DIR            $HOME/.cache/auditstream   (Kafka jars: <cache>/kafka-<version>)
#   AUDITSTREAM_KAFKA_VERSION        4.4.0 (Maven Central org.apache.kafka:kafka_2.13)
#   AUDITSTREAM_KAFKA_PORT           19092 (PLAINTEXT listener, 127.0.0.1)
#   AUDITSTREAM_KAFKA_CONTROLLER_PORT 19093 (KRaft controller listener, 127.0.0.1)
#   AUDITSTREAM_KAFKA_HEAP           "-Xms256m -Xmx1g"
#   AUDITSTREAM_CLICKHOUSE_TCP_PORT  19000 (native protocol, 127.0.0.1)
#   AUDITSTREAM_CLICKHOUSE_HTTP_PORT 18123 (HTTP, 127.0.0.1)
#   AUDITSTREAM_START_TIMEOUT        90 (seconds to wait for a service to become ready)

set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"

STATE_DIR="${AUDITSTREAM_STATE_DIR:-$REPO_ROOT/.state}"
mkdir -p "$STATE_DIR"
STATE_DIR="$(cd "$STATE_DIR" && pwd)" # absolute: it is written into server configs

CACHE_DIR="${AUDITSTREAM_CACHE_DIR:-$HOME/.cache/auditstream}"

KAFKA_VERSION="${AUDITSTREAM_KAFKA_VERSION:-4.4.0}"
KAFKA_SCALA_VERSION="2.13"
# kafka_2.13 declares no SLF4J binding (the binary distribution adds one); without it every
# broker log line goes to a no-op logger. Its version follows the log4j-core Kafka depends on.
KAFKA_LOG4J_VERSION="${AUDITSTREAM_KAFKA_LOG4J_VERSION:-2.25.5}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_PORT="${AUDITSTREAM_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${AUDITSTREAM_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HEAP="${AUDITSTREAM_KAFKA_HEAP:--Xms256m -Xmx1g}"
KAFKA_STATE="$STATE_DIR/kafka"

CH_TCP_PORT="${AUDITSTREAM_CLICKHOUSE_TCP_PORT:-19000}"
CH_HTTP_PORT="${AUDITSTREAM_CLICKHOUSE_HTTP_PORT:-18123}"
CH_STATE="$STATE_DIR/clickhouse"

START_TIMEOUT="${AUDITSTREAM_START_TIMEOUT:-90}"

SERVICES=(kafka clickhouse)

log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${LOG_PREFIX:-local}" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# now_ms prints the wall clock in milliseconds.
now_ms() { date +%s%3N; }

# elapsed START_MS prints seconds since START_MS with one decimal.
elapsed() { awk -v s="$1" -v e="$(now_ms)" 'BEGIN { printf "%.1f", (e - s) / 1000 }'; }

# port_open PORT succeeds when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_owner PORT describes the process listening on PORT, for error messages.
port_owner() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltnp "sport = :$1" 2>/dev/null | awk '{print $4, $6}' | head -n 3
	else
		echo "(install iproute2 for ss to see which process)"
	fi
}

# pid_of NAME prints the PID of our running NAME service, or fails. A PID file is only trusted
# when the process is alive and its command line names our state dir, so a recycled PID or a
# service started from another checkout is never reported (or killed) as ours.
pid_of() {
	local pidfile="$STATE_DIR/$1/$1.pid" pid
	[[ -f "$pidfile" ]] || return 1
	pid="$(<"$pidfile")"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE_DIR/$1/" || return 1
	echo "$pid"
}

# rss_mib PID prints the resident set size of PID in MiB.
rss_mib() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# listening_ports PID prints the TCP addresses PID listens on.
listening_ports() {
	command -v ss >/dev/null 2>&1 || {
		echo "?"
		return
	}
	ss -Hltnp 2>/dev/null | awk -v p="pid=$1," 'index($0, p) { print $4 }' | sort -u | paste -sd' ' -
}

# as_root runs a command as root (directly, or with sudo when available).
as_root() {
	if [[ "$(id -u)" == 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (run as root, install sudo, or install it yourself)"
	fi
}

APT_UPDATED=""
# apt_install PKG... installs Debian packages (runs apt-get update once per script run).
apt_install() {
	command -v apt-get >/dev/null 2>&1 ||
		die "apt-get not found: install $* yourself (Debian/Ubuntu packages are what these scripts use)"
	if [[ -z "$APT_UPDATED" ]]; then
		log "apt-get update"
		as_root apt-get update -qq >"$STATE_DIR/apt.log" 2>&1 || {
			tail -n 20 "$STATE_DIR/apt.log" >&2
			die "apt-get update failed (log: $STATE_DIR/apt.log)"
		}
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
		>>"$STATE_DIR/apt.log" 2>&1 || {
		tail -n 20 "$STATE_DIR/apt.log" >&2
		die "apt-get install $* failed (log: $STATE_DIR/apt.log)"
	}
}

# java_bin prints the java executable to use (JAVA_HOME first).
java_bin() {
	if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
		echo "$JAVA_HOME/bin/java"
	else
		command -v java
	fi
}

# clickhouse_server_cmd prints the command that starts a ClickHouse server: Debian's
# clickhouse-server (18.16) or the single "clickhouse" binary of newer releases.
clickhouse_server_cmd() {
	local p
	for p in clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
		if command -v "$p" >/dev/null 2>&1; then
			command -v "$p"
			return 0
		fi
	done
	if command -v clickhouse >/dev/null 2>&1; then
		echo "$(command -v clickhouse) server"
		return 0
	fi
	return 1
}

# clickhouse_client runs a query against the local server on the native port.
clickhouse_client() {
	if command -v clickhouse-client >/dev/null 2>&1; then
		clickhouse-client --host 127.0.0.1 --port "$CH_TCP_PORT" "$@"
	elif command -v clickhouse >/dev/null 2>&1; then
		clickhouse client --host 127.0.0.1 --port "$CH_TCP_PORT" "$@"
	else
		return 127
	fi
}
