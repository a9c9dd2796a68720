#!/usr/bin/env bash
# Benchmarks Bazaar's catalog pages against a bare axum handler.
#
# Builds the release app (cargo leptos) and the load generator, starts the
# server on 127.0.0.1:$PORT with a fresh, seeded SQLite database in a temp
# dir, waits until / answers 200, runs http-bench, and writes the output to
# bench/results/catalog-<date>-<time>.txt. The server is stopped on exit.
#
# Usage: bench/catalog.sh [--no-build] [extra http-bench args, e.g. --json]
# Env:   CONCURRENCY (16)  DURATION (10)  WARMUP (2)  PORT (3300)
#        RUST_LOG is passed through to the server unchanged.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# wasm-opt from npm (deploy/setup.sh --wasm-opt); Debian's breaks hydration.
export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"

CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
PORT="${PORT:-3300}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="target/release/server"
BENCH_BIN="target/release/http-bench"
READY_TIMEOUT_SECS=120

build=1
if [[ "${1:-}" == "--no-build" ]]; then
    build=0
    shift
fi

if ((build)); then
    if ! cargo leptos --version >/dev/null 2>&1; then
        echo "run deploy/start.sh once first to install the toolchain" >&2
        exit 1
    fi
    echo "==> cargo leptos build --release"
    bash deploy/build.sh --release
    echo "==> cargo build --release -p bench"
    cargo build --release -p bench
fi
source "$REPO_ROOT/bench/lib.sh"
preflight

RESULTS_DIR="bench/results"
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
RESULT_FILE="$RESULTS_DIR/catalog-$STAMP.txt"
SERVER_LOG="$RESULTS_DIR/catalog-$STAMP.server.log"
TMP_DIR="$(mktemp -d -t bazaar-bench.XXXXXX)"
SERVER_PID=""
BENCH_PID=""

install_cleanup

echo "==> starting $SERVER_BIN on $BASE_URL (db in $TMP_DIR, log in $SERVER_LOG)"
LEPTOS_SITE_ROOT=target/site \
LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=bazaar \
LEPTOS_SITE_ADDR="127.0.0.1:${PORT}" \
LEPTOS_ENV=PROD \
DATABASE_URL="sqlite://${TMP_DIR}/bench.db?mode=rwc" \
BAZAAR_SEED=demo \
    "$SERVER_BIN" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

wait_until_ok "$BASE_URL/" "$SERVER_PID" "$SERVER_LOG" "$READY_TIMEOUT_SECS"
echo "==> server ready after ${SECONDS} s"

# Everything from here on goes to the terminal and the results file.
exec 3> >(tee "$RESULT_FILE")
TEE_PID=$!
{
    echo "# Bazaar catalog benchmark, $(date -Iseconds)"
    echo "# commit: $(describe_commit)"
    echo "# host: $(uname -srm), $(nproc) CPU(s); $(rustc --version 2>/dev/null || echo 'rustc ?')"
    echo
} >&3
# Run in the background and `wait`, so a TERM/INT to this script is handled
# at once (the trap then stops both http-bench and the server).
"$BENCH_BIN" --baseline \
    --concurrency "$CONCURRENCY" \
    --duration "$DURATION" \
    --warmup "$WARMUP" \
    --url "$BASE_URL/" \
    --url "$BASE_URL/c/clothing" \
    --url "$BASE_URL/search?q=lamp&sort=price_asc" \
    "$@" >&3 2>&1 &
BENCH_PID=$!
bench_status=0
wait "$BENCH_PID" || bench_status=$?
BENCH_PID=""
exec 3>&-
wait "$TEE_PID" 2>/dev/null || true

if ((bench_status != 0)); then
    echo "==> http-bench exited with status $bench_status; output in $RESULT_FILE" >&2
    exit "$bench_status"
fi
echo "==> results written to $RESULT_FILE"
