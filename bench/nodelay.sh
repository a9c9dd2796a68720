#!/usr/bin/env bash
# TCP_NODELAY before/after: one keep-alive connection, then sixteen,
# fetching an 11 KB static file, with the server's BAZAAR_TCP_NODELAY off
# (Nagle's algorithm on, as before the fix) and on (the default).
#
# Without TCP_NODELAY a response written in more than one segment waits for
# the client's delayed ACK of the first before the rest is sent, so one
# keep-alive connection is stuck at a few dozen requests per second however
# fast the server is. See bench/README.md.
#
# Usage: bench/nodelay.sh [--no-build] [extra http-bench args]
# Env:   DURATION (10)  WARMUP (1)  ROUNDS (3)  PORT (3310)
#        SERVER_BIN (target/release/server)  BENCH_BIN (target/release/http-bench)
#
# Off and on alternate ROUNDS times; the summary at the end gives each
# case's median requests/s and p99 with their spread, and the on/off ratio.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-1}"
PORT="${PORT:-3310}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="${BENCH_BIN:-target/release/http-bench}"
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
source "$REPO_ROOT/bench/lib.sh"
preflight

TMP_DIR="$(mktemp -d -t bazaar-nodelay.XXXXXX)"
SERVER_PID=""
cleanup() {
    local status=$?
    stop_server
    rm -rf "$TMP_DIR"
    exit "$status"
}
stop_server() {
    stop_process "$SERVER_PID"
    SERVER_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The site root holds only the file under test: an 11 KB stylesheet-sized
# text file, the size the slow-connection report measured.
mkdir -p "$TMP_DIR/site"
head -c 11264 /dev/zero | tr '\0' 'x' >"$TMP_DIR/site/static-11k.txt"

run() {
    local nodelay=$1
    echo "==> BAZAAR_TCP_NODELAY=$nodelay: starting $SERVER_BIN on $BASE_URL"
    LEPTOS_SITE_ROOT="$TMP_DIR/site" \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_OUTPUT_NAME=bazaar \
    LEPTOS_SITE_ADDR="127.0.0.1:${PORT}" \
    LEPTOS_ENV=PROD \
    DATABASE_URL="sqlite://${TMP_DIR}/nodelay-$nodelay.db?mode=rwc" \
    BAZAAR_SEED=none \
    BAZAAR_TCP_NODELAY="$nodelay" \
    RUST_LOG="${RUST_LOG:-warn}" \
        "$SERVER_BIN" >"$TMP_DIR/server-$nodelay.log" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/static-11k.txt" "$SERVER_PID" "$TMP_DIR/server-$nodelay.log" "$READY_TIMEOUT_SECS"
    for concurrency in 1 16; do
        echo "--- TCP_NODELAY $nodelay, $concurrency connection(s)"
        "$BENCH_BIN" --concurrency "$concurrency" --duration "$DURATION" --warmup "$WARMUP" \
            --url "$BASE_URL/static-11k.txt" --json ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} |
            tee /dev/stderr | sed "s/^{/{\"nodelay\":$nodelay,/" >>"$TMP_DIR/results.jsonl"
    done
    stop_server
}

echo "# Bazaar TCP_NODELAY benchmark, $(date -Iseconds); $(uname -srm), $(nproc) CPU(s)"
echo "# server: $SERVER_BIN; file: 11264 bytes; ${DURATION} s per run"
for round in $(seq "$ROUNDS"); do
    echo "=== round $round of $ROUNDS"
    run false
    run true
done

python3 - "$TMP_DIR/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
def cases(nodelay, conns):
    return [r for r in rows if r["nodelay"] == nodelay and r["concurrency"] == conns]
def median_spread(values):
    return statistics.median(values), min(values), max(values)
print("\n| TCP_NODELAY | connections | req/s median (min–max) | full p99 ms median (min–max) |")
print("| --- | ---: | ---: | ---: |")
medians = {}
for conns in (1, 16):
    for nodelay in (False, True):
        runs = cases(nodelay, conns)
        rps, rps_lo, rps_hi = median_spread([r["requests_per_sec"] for r in runs])
        p99, p99_lo, p99_hi = median_spread([r["full_p99_ms"] for r in runs])
        medians[(nodelay, conns)] = (rps, p99)
        name = "on (now)" if nodelay else "off (before)"
        print(f"| {name} | {conns} | {rps:,.0f} ({rps_lo:,.0f}–{rps_hi:,.0f}) | {p99:.1f} ({p99_lo:.1f}–{p99_hi:.1f}) |")
for conns in (1, 16):
    (off_rps, off_p99), (on_rps, on_p99) = medians[(False, conns)], medians[(True, conns)]
    print(f"{conns} connection(s): on/off = {on_rps / off_rps:.2f}x requests/s, p99 {off_p99:.1f} -> {on_p99:.1f} ms")
PY
