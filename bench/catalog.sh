#!/usr/bin/env bash
# Benchmarks Bazaar's catalog pages against the same bytes served from
# memory by the same server (issue 11 target 1).
#
# Builds the release app (cargo leptos) and the load generator, starts the
# server on 127.0.0.1:$PORT with a fresh, seeded SQLite database in a temp
# dir and saves the HTML of each page as an anonymous visitor gets it. Then
# it starts the server again on the same database with those copies
# (`BAZAAR_BENCH_COPIES`: answered at /bench-copies/NAME.html by a plain
# handler inside the same router, behind the same middleware, never kept by
# the page cache) and runs http-bench ROUNDS times, each round measuring a
# page's copy and then the page, page after page. It prints per page the
# median requests/s of page and copy with their spread, the median of the
# rounds' ratios and the page's p99; then it loads each page at half its
# median requests/s, paced (`http-bench --rate`), for the p99 at that load,
# and writes everything to bench/results/catalog-<date>-<time>.txt. The
# server is stopped on exit.
#
# Usage: bench/catalog.sh [--no-build] [extra http-bench args]
# Env:   CONCURRENCY (16)  DURATION (10)  WARMUP (2)  ROUNDS (3)  PORT (3300)
#        BAZAAR_PAGE_CACHE_MB (0 measures every page rendered) and RUST_LOG
#        are passed through to the server unchanged.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# wasm-opt from npm (deploy/setup.sh --wasm-opt); Debian's breaks hydration.
export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"

CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
ROUNDS="${ROUNDS:-3}"
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

# The pages measured: a name for the copy, and the path.
PAGES=(
    "home /"
    "clothing /c/clothing"
    "search /search?q=lamp&sort=price_asc"
)

start_server() { # log [env...]
    local log=$1
    shift
    env LEPTOS_SITE_ROOT=target/site \
        LEPTOS_SITE_PKG_DIR=pkg \
        LEPTOS_OUTPUT_NAME=bazaar \
        LEPTOS_SITE_ADDR="127.0.0.1:${PORT}" \
        LEPTOS_ENV=PROD \
        DATABASE_URL="sqlite://${TMP_DIR}/bench.db?mode=rwc" \
        BAZAAR_SEED=demo \
        "$@" "$SERVER_BIN" >>"$log" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$log" "$READY_TIMEOUT_SECS"
}

echo "==> starting $SERVER_BIN on $BASE_URL to save the pages (db in $TMP_DIR, log in $SERVER_LOG)"
start_server "$SERVER_LOG"
COPIES="$TMP_DIR/copies"
mkdir -p "$COPIES"
for page in "${PAGES[@]}"; do
    read -r name path <<<"$page"
    curl -sf -o "$COPIES/$name.html" "$BASE_URL$path"
    echo "    $path: $(wc -c <"$COPIES/$name.html") bytes"
done
stop_process "$SERVER_PID"
SERVER_PID=""

echo "==> starting it again with the copies at $BASE_URL/bench-copies/"
start_server "$SERVER_LOG" BAZAAR_BENCH_COPIES="$COPIES"
echo "==> server ready after ${SECONDS} s"

# Everything from here on goes to the terminal and the results file.
exec 3> >(tee "$RESULT_FILE")
TEE_PID=$!
{
    echo "# Bazaar catalog benchmark, $(date -Iseconds)"
    echo "# commit: $(describe_commit)"
    echo "# host: $(uname -srm), $(nproc) CPU(s); $(rustc --version 2>/dev/null || echo 'rustc ?')"
    echo "# page cache: BAZAAR_PAGE_CACHE_MB=${BAZAAR_PAGE_CACHE_MB:-64 (default)}; $ROUNDS rounds of ${DURATION} s per target, $CONCURRENCY connections"
    echo
} >&3
urls=()
for page in "${PAGES[@]}"; do
    read -r name path <<<"$page"
    urls+=(--url "$BASE_URL/bench-copies/$name.html" --url "$BASE_URL$path")
done
for round in $(seq "$ROUNDS"); do
    echo "## round $round of $ROUNDS" >&3
    # In the background and `wait`ed, so a TERM/INT to this script is
    # handled at once (the trap then stops http-bench and the server).
    "$BENCH_BIN" --json \
        --concurrency "$CONCURRENCY" \
        --duration "$DURATION" \
        --warmup "$WARMUP" \
        "${urls[@]}" "$@" >"$TMP_DIR/round-$round.txt" 2>&1 &
    BENCH_PID=$!
    bench_status=0
    wait "$BENCH_PID" || bench_status=$?
    BENCH_PID=""
    grep -v '^{' "$TMP_DIR/round-$round.txt" >&3 || true
    if ((bench_status != 0)); then
        echo "==> http-bench exited with status $bench_status" >&3
        exit "$bench_status"
    fi
done
echo >&3
cat "$TMP_DIR"/round-*.txt | grep '^{' | python3 "$REPO_ROOT/bench/catalog-summary.py" rounds "$TMP_DIR/half-rates.txt" >&3

# Each page again at half its median maximum, paced, for its p99.
echo >&3
while read -r url rate; do
    "$BENCH_BIN" --json --rate "$rate" \
        --concurrency "$CONCURRENCY" \
        --duration "$DURATION" \
        --warmup "$WARMUP" \
        --url "$url" >>"$TMP_DIR/half.txt" 2>&1 &
    BENCH_PID=$!
    wait "$BENCH_PID"
    BENCH_PID=""
done <"$TMP_DIR/half-rates.txt"
grep '^{' "$TMP_DIR/half.txt" | python3 "$REPO_ROOT/bench/catalog-summary.py" half >&3
exec 3>&-
wait "$TEE_PID" 2>/dev/null || true
echo "==> results written to $RESULT_FILE"
