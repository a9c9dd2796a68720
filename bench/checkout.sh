#!/usr/bin/env bash
# Benchmarks Bazaar's checkout under concurrent load and checks that the
# contended variant is never oversold.
#
# Builds the release app (cargo leptos) and the bench binaries, starts the
# server on 127.0.0.1:$PORT with a fresh, seeded SQLite database in a temp
# dir (or the database in $DATABASE_URL), waits until / answers 200, runs
# checkout-bench, and writes the output to
# bench/results/checkout-<date>-<time>.txt. The server is stopped on exit.
#
# Usage: bench/checkout.sh [--no-build] [extra checkout-bench args, e.g. --json]
# Env:   BUYERS (200)  CONCURRENCY (32)  CONTENDED_STOCK (20)  PORT (3301)
#        DATABASE_URL  use this database instead of a fresh SQLite file, e.g.
#                      postgres://bazaar:secret@127.0.0.1/bazaar_bench (create
#                      an empty database first; it is migrated and seeded on
#                      start, and NOT deleted afterwards)
#        RUST_LOG is passed through to the server unchanged.
# Exit:  checkout-bench's status: 0 pass, 1 a check failed (oversold,
#        unbalanced stock, bad replay), 2 bad arguments, 3 could not run;
#        1 also when the build or the server start fails.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# wasm-opt from npm (deploy/setup.sh --wasm-opt); Debian's breaks hydration.
export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"

BUYERS="${BUYERS:-200}"
CONCURRENCY="${CONCURRENCY:-32}"
CONTENDED_STOCK="${CONTENDED_STOCK:-20}"
PORT="${PORT:-3301}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="target/release/server"
BENCH_BIN="target/release/checkout-bench"
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
RESULT_FILE="$RESULTS_DIR/checkout-$STAMP.txt"
SERVER_LOG="$RESULTS_DIR/checkout-$STAMP.server.log"
TMP_DIR="$(mktemp -d -t bazaar-bench.XXXXXX)"
SERVER_PID=""
BENCH_PID=""

if [[ -n "${DATABASE_URL:-}" ]]; then
    DB_URL="$DATABASE_URL"
    # Never write a password into the results.
    DB_LABEL="DATABASE_URL ($(sed -E 's#(://)[^@/]*@#\1***@#' <<<"$DATABASE_URL"))"
else
    DB_URL="sqlite://${TMP_DIR}/bench.db?mode=rwc"
    DB_LABEL="fresh SQLite file in $TMP_DIR"
fi

install_cleanup

echo "==> starting $SERVER_BIN on $BASE_URL (database: $DB_LABEL; log in $SERVER_LOG)"
LEPTOS_SITE_ROOT=target/site \
LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=bazaar \
LEPTOS_SITE_ADDR="127.0.0.1:${PORT}" \
LEPTOS_ENV=PROD \
DATABASE_URL="$DB_URL" \
BAZAAR_SEED=demo \
BAZAAR_MAILER=file \
BAZAAR_OUTBOX_DIR="${TMP_DIR}/outbox" \
    "$SERVER_BIN" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

wait_until_ok "$BASE_URL/" "$SERVER_PID" "$SERVER_LOG" "$READY_TIMEOUT_SECS"
echo "==> server ready after ${SECONDS} s"

# Everything from here on goes to the terminal and the results file.
exec 3> >(tee "$RESULT_FILE")
TEE_PID=$!
{
    echo "# Bazaar checkout benchmark, $(date -Iseconds)"
    echo "# commit: $(describe_commit)"
    echo "# host: $(uname -srm), $(nproc) CPU(s); $(rustc --version 2>/dev/null || echo 'rustc ?')"
    echo "# database: $DB_LABEL"
    echo
} >&3
# Run in the background and `wait`, so a TERM/INT to this script is handled
# at once (the trap then stops both checkout-bench and the server).
"$BENCH_BIN" \
    --base-url "$BASE_URL" \
    --buyers "$BUYERS" \
    --concurrency "$CONCURRENCY" \
    --contended-stock "$CONTENDED_STOCK" \
    "$@" >&3 2>&1 &
BENCH_PID=$!
bench_status=0
wait "$BENCH_PID" || bench_status=$?
BENCH_PID=""
exec 3>&-
wait "$TEE_PID" 2>/dev/null || true

if ((bench_status != 0)); then
    echo "==> checkout-bench exited with status $bench_status; output in $RESULT_FILE" >&2
    exit "$bench_status"
fi
echo "==> results written to $RESULT_FILE"
