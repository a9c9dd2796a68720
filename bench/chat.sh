#!/usr/bin/env bash
# Live chat at scale: SOCKETS guest sockets each subscribed to its own
# conversation plus SUPPORT admin sockets on the queue, against the shop and
# against ws-baseline (a bare axum + tokio broadcast WebSocket server) in the
# same run: memory per idle socket, send→deliver latency at a steady rate,
# exactly-once in-order delivery, and messages/s with the shop ÷ baseline
# ratio.
#
# Builds the release server and bench binaries, starts the server on a free
# loopback port with a fresh, demo-seeded SQLite database in a temp dir (the
# per-client connection, rate and chat limits lifted, as every socket comes
# from 127.0.0.1) and ws-baseline on another, runs chat-bench with both
# process ids, and stops both. Writes the output to
# bench/results/chat-<date>-<time>.txt with the servers' logs next to it.
#
# Usage: bench/chat.sh [--no-build] [extra chat-bench args]
# Env:   SOCKETS (10000)  SUPPORT (5)  RATE (200)  DURATION (10)
#        SENDERS (32)  THROUGHPUT_SECS (10)  ROUNDS (3)
#        PORT, BASELINE_PORT (free ones)
#        SERVER_BIN (target/release/server)  BASELINE_BIN (target/release/ws-baseline)
#        BENCH_BIN (target/release/chat-bench)
#        RUST_LOG (warn) is passed to the server.
# Exit:  chat-bench's status (0 every delivery exact; 1 deliveries missing,
#        duplicated or out of order, a socket closed or a steady reply
#        failed; 2 bad arguments; 3 could not run); 1 also when the build or
#        a server start fails.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

SOCKETS="${SOCKETS:-10000}"
SUPPORT="${SUPPORT:-5}"
RATE="${RATE:-200}"
DURATION="${DURATION:-10}"
SENDERS="${SENDERS:-32}"
THROUGHPUT_SECS="${THROUGHPUT_SECS:-10}"
ROUNDS="${ROUNDS:-3}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BASELINE_BIN="${BASELINE_BIN:-target/release/ws-baseline}"
BENCH_BIN="${BENCH_BIN:-target/release/chat-bench}"
READY_TIMEOUT_SECS=120

build=1
if [[ "${1:-}" == "--no-build" ]]; then
    build=0
    shift
fi
if ((build)); then
    echo "==> cargo build --release -p server -p bench"
    cargo build --release -p server -p bench
fi
EXTRA_ARGS=("$@")

# Two free ports: bound together (so they differ), read, released.
if [[ -z "${PORT:-}" || -z "${BASELINE_PORT:-}" ]]; then
    read -r free_a free_b < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
    PORT="${PORT:-$free_a}"
    BASELINE_PORT="${BASELINE_PORT:-$free_b}"
fi
BASE_URL="http://127.0.0.1:${PORT}"
BASELINE_URL="http://127.0.0.1:${BASELINE_PORT}"
source "$REPO_ROOT/bench/lib.sh"
preflight
if [[ ! -x "$BASELINE_BIN" ]]; then
    echo "missing $BASELINE_BIN (run without --no-build, or set BASELINE_BIN)" >&2
    exit 1
fi
if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASELINE_URL/" || true)" != "000" ]]; then
    echo "something already answers on $BASELINE_URL; stop it or set BASELINE_PORT=..." >&2
    exit 1
fi

# Each server holds one descriptor per socket of its own; chat-bench holds
# the client end of both servers' sockets if the limit allows, and
# otherwise opens one server's at a time (it says which in its output).
per_server=$((SOCKETS + SUPPORT))
need=$((per_server + 512))
want=$((2 * per_server + 1024))
if [[ "$(ulimit -n)" != unlimited ]] && (($(ulimit -n) < want)); then
    hard="$(ulimit -Hn)"
    if [[ "$hard" == unlimited ]] || ((hard >= want)); then
        ulimit -n "$want"
    elif ((hard >= need)); then
        ulimit -n "$hard"
    else
        echo "need $need open files per process for $per_server sockets, but the hard limit is $hard" >&2
        exit 1
    fi
fi
MAX_CONNECTIONS=$((per_server + 512))

RESULTS_DIR="bench/results"
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
RESULT_FILE="$RESULTS_DIR/chat-$STAMP.txt"
SERVER_LOG="$RESULTS_DIR/chat-$STAMP.server.log"
BASELINE_LOG="$RESULTS_DIR/chat-$STAMP.baseline.log"
TMP_DIR="$(mktemp -d -t bazaar-chat.XXXXXX)"
SERVER_PID=""
BASELINE_PID=""
BENCH_PID=""

install_cleanup
# lib.sh's cleanup stops chat-bench and the server; the baseline first.
# `set +e`, so that handing the status on to it does not end the trap.
chat_cleanup() {
    local status=$?
    set +e
    stop_process "${BASELINE_PID:-}"
    (exit "$status")
    cleanup
}
trap chat_cleanup EXIT

# Everything from here on goes to the terminal and the results file.
exec 3> >(tee "$RESULT_FILE")
TEE_PID=$!
{
    echo "# Bazaar chat benchmark, $(date -Iseconds)"
    echo "# commit: $(describe_commit)"
    echo "# host: $(uname -srm), $(nproc) CPU(s); open files $(ulimit -n)"
    echo "# server: $SERVER_BIN; baseline: $BASELINE_BIN"
    echo "# $SOCKETS customer + $SUPPORT support sockets; steady $RATE/s for $DURATION s;" \
        "throughput $SENDERS senders × $THROUGHPUT_SECS s × $ROUNDS rounds"
} >&3

echo "==> starting $SERVER_BIN on $BASE_URL (fresh SQLite file in $TMP_DIR; log in $SERVER_LOG)" >&3
LEPTOS_SITE_ROOT=target/site \
LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=bazaar \
LEPTOS_SITE_ADDR="127.0.0.1:${PORT}" \
LEPTOS_ENV=PROD \
DATABASE_URL="sqlite://${TMP_DIR}/chat.db?mode=rwc" \
BAZAAR_ENV=demo \
BAZAAR_SEED=demo \
BAZAAR_MAILER=file \
BAZAAR_OUTBOX_DIR="${TMP_DIR}/outbox" \
BAZAAR_API_RATE_PER_SEC=0 \
BAZAAR_AUTH_RATE_PER_MIN=0 \
BAZAAR_MAX_CONNECTIONS="$MAX_CONNECTIONS" \
BAZAAR_MAX_CONNECTIONS_PER_IP="$MAX_CONNECTIONS" \
BAZAAR_CHAT_MESSAGES_PER_WINDOW=0 \
BAZAAR_CHAT_GUEST_CONVERSATIONS_PER_HOUR=0 \
RUST_LOG="${RUST_LOG:-warn}" \
    "$SERVER_BIN" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
wait_until_ok "$BASE_URL/" "$SERVER_PID" "$SERVER_LOG" "$READY_TIMEOUT_SECS" >&3 2>&1

echo "==> starting $BASELINE_BIN on $BASELINE_URL (log in $BASELINE_LOG)" >&3
"$BASELINE_BIN" --port "$BASELINE_PORT" >"$BASELINE_LOG" 2>&1 &
BASELINE_PID=$!
wait_until_ok "$BASELINE_URL/" "$BASELINE_PID" "$BASELINE_LOG" "$READY_TIMEOUT_SECS" >&3 2>&1

echo "==> chat-bench (shop pid $SERVER_PID, baseline pid $BASELINE_PID)" >&3
# Run in the background and `wait`, so a TERM/INT to this script is
# handled at once (the trap then stops chat-bench and both servers).
"$BENCH_BIN" \
    --url "$BASE_URL" \
    --baseline-url "$BASELINE_URL" \
    --sockets "$SOCKETS" \
    --support-sockets "$SUPPORT" \
    --rate "$RATE" \
    --duration "$DURATION" \
    --senders "$SENDERS" \
    --throughput-secs "$THROUGHPUT_SECS" \
    --rounds "$ROUNDS" \
    --pid "$SERVER_PID" \
    --baseline-pid "$BASELINE_PID" \
    --json \
    ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} >&3 2>&1 &
BENCH_PID=$!
status=0
wait "$BENCH_PID" || status=$?
BENCH_PID=""
if ((status != 0)); then
    echo "==> chat-bench exited with status $status" >&3
fi
stop_process "$BASELINE_PID"
BASELINE_PID=""
stop_process "$SERVER_PID"
SERVER_PID=""

exec 3>&-
wait "$TEE_PID" 2>/dev/null || true
echo "==> results written to $RESULT_FILE"
exit "$status"
