#!/usr/bin/env bash
# bench/smoke.sh - keeps the load generator from rotting: builds it, starts a throwaway
# refdesk on 127.0.0.1, and runs a 2-second tiny relay and a few idle sockets.  Checks
# correctness only (everything acked and delivered, no errors), never speed.
# Last line: "N passed, N failed"; exit status non-zero on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RD=${REFDESK_BIN:-$ROOT/build/refdesk}
LG=$ROOT/bench/loadgen
PASSED=0
FAILED=0
WORK=$(mktemp -d /tmp/refdesk-smoke.XXXXXX)
SERVER=""

check() {  # name, command...
	local name=$1
	shift
	if "$@" > "$WORK/last.out" 2>&1; then
		PASSED=$((PASSED + 1))
		echo "ok   - $name"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL - $name"
		sed 's/^/       /' "$WORK/last.out" | tail -15
	fi
}
finish() {
	if [ -n "$SERVER" ]; then
		kill -TERM "$SERVER" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$SERVER" 2>/dev/null
	fi
	rm -rf "$WORK"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}
trap finish EXIT

check "loadgen builds" make -s -C "$ROOT/bench" loadgen
if [ ! -x "$RD" ]; then
	check "refdesk builds" make -s -C "$ROOT" build/refdesk
fi
[ -x "$LG" ] && [ -x "$RD" ] || exit 1

fixtures() {
	local k
	"$RD" admin --data "$WORK/data" account add Smoke &&
	for k in 0 1; do
		"$RD" admin --data "$WORK/data" queue add --account Smoke bench$k &&
		echo smoke-password | "$RD" admin --data "$WORK/data" operator add --account Smoke op$k &&
		"$RD" admin --data "$WORK/data" member add bench$k op$k || return 1
	done
}
check "fixtures with refdesk admin" fixtures

PORT=$(( 40000 + RANDOM % 20000 ))
"$RD" serve --listen 127.0.0.1:$PORT --data "$WORK/data" --web "$ROOT/web" \
	--max-conns-per-ip 10000 --conn-rate 10000 --conn-burst 10000 \
	--msg-rate 100000 --msg-burst 100000 --log-level warn > "$WORK/server.log" 2>&1 &
SERVER=$!
started() {
	for _ in $(seq 1 100); do
		(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
		kill -0 "$SERVER" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/server.log"
	return 1
}
check "refdesk starts" started || exit 1

signin() {
	"$LG" signin --port $PORT --user op0 --password smoke-password > "$WORK/cookies" &&
	"$LG" signin --port $PORT --user op1 --password smoke-password >> "$WORK/cookies" &&
	grep -c '^refdesk_session=' "$WORK/cookies" | grep -qx 2
}
check "operators sign in" signin

# Latency is not judged here (--limit-ms 10000): a busy test machine must not fail it.
relay() {
	"$LG" relay --proto refdesk --port $PORT --cookies "$WORK/cookies" --pairs 4 --ops 2 \
		--rates 200 --step-secs 2 --warmup 0.2 --limit-ms 10000 --server-pid "$SERVER" --label smoke &&
	grep -q "^RESULT relay .* pass=1" <("$LG" relay --proto refdesk --port $PORT \
		--cookies "$WORK/cookies" --pairs 2 --ops 2 --rates 100 --step-secs 0.5 --warmup 0 \
		--limit-ms 10000 --label smoke2)
}
check "2-second relay: every message acked and delivered" relay

idle() {
	"$LG" idle --proto refdesk --port $PORT --conns 100 --server-pid "$SERVER" --label smoke |
		tee /dev/stderr | grep -q "ready=100 ok=1"
}
check "100 idle guest sockets" idle

check "refdesk still running" kill -0 "$SERVER"

# bench/run stopped by a signal (or killed outright) while its load generator runs: nothing
# it started may be left running.  It runs in a session of its own, so every process it
# started can be found (a server that outlived a run was found orphaned once); INT is
# restored to its default, as for a run in a terminal.
bench_run_stopped() {  # signal [bench/run options]
	local sig=$1 sid left=""
	shift
	REFDESK_BIN=$RD setsid env --default-signal=INT "$ROOT/bench/run" --smoke --no-prosody \
		--no-callgrind --out "$WORK/run-$sig" "$@" > "$WORK/run-$sig.log" 2>&1 &
	sid=$!
	for _ in $(seq 1 300); do
		ps -o args= -s "$sid" 2>/dev/null | grep -q '^[^ ]*loadgen relay' && break
		sleep 0.1
	done
	ps -o pid=,args= -s "$sid" | grep -q 'refdesk serve' || { echo "no refdesk under bench/run"; cat "$WORK/run-$sig.log"; return 1; }
	kill "-$sig" "$sid"
	# 4 s: refdesk stops within a second of SIGTERM here; a step of the run may last minutes
	for _ in $(seq 1 40); do
		left=$(ps -o pid=,args= -s "$sid" 2>/dev/null | grep -v '<defunct>' || true)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "still running 4 s after SIG$sig:"; echo "$left"
	ps -o pid=,args= -s "$sid" | awk '{print $1}' | xargs -r kill -9 2>/dev/null
	return 1
}
for sig in INT TERM KILL; do
	check "bench/run stopped by SIG$sig leaves no process behind" bench_run_stopped $sig
done
# The cluster part: PostgreSQL, nats-server and the nodes too.
check "bench/run's cluster part stopped by SIGTERM leaves no process behind" bench_run_stopped TERM --only cluster
