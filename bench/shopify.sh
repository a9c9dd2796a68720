#!/usr/bin/env bash
# Shopify webhook ingestion and processing: signed webhooks accepted per
# second and their accept latency while the job workers process them,
# orders processed per second end to end, and the time from each accept to
# its ORDER_SYNCED on an admin's /ws socket.
#
# Builds the release server and bench binaries, starts the server on a free
# loopback port with a fresh, demo-seeded SQLite database in a temp dir
# (webhook secret set; the API, auth and webhook rate limits lifted, as the
# load comes from 127.0.0.1), runs `shopify-bench bench` for each
# WEBHOOKS count, and writes the output to
# bench/results/shopify-<date>-<time>.txt next to the server's log.
#
# Usage: bench/shopify.sh [--no-build] [extra shopify-bench bench args]
# Env:   WEBHOOKS ("5000")  CONCURRENCY (32)  PORT (a free one)
#        DATABASE (sqlite; or a fresh, empty postgres:// URL)
#        SERVER_BIN (target/release/server)  BENCH_BIN (target/release/shopify-bench)
#        RUST_LOG (warn) is passed to the server.
# Exit:  0 when every webhook was accepted and seen synced; otherwise the
#        shopify-bench status (1 some refused, failed or not synced;
#        2 bad arguments; 3 could not run); 1 when the build or start fails.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

WEBHOOKS="${WEBHOOKS:-5000}"
CONCURRENCY="${CONCURRENCY:-32}"
DATABASE="${DATABASE:-sqlite}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="${BENCH_BIN:-target/release/shopify-bench}"
READY_TIMEOUT_SECS=120
SECRET="bench-shopify-secret-$RANDOM$RANDOM"

build=1
if [[ "${1:-}" == "--no-build" ]]; then
    build=0
    shift
fi
if ((build)); then
    echo "==> cargo build --release -p server -p bench"
    env -u RUSTFLAGS cargo build --release -p server -p bench
fi
EXTRA_ARGS=("$@")

if [[ -z "${PORT:-}" ]]; then
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
BASE_URL="http://127.0.0.1:${PORT}"
source "$REPO_ROOT/bench/lib.sh"
preflight

RESULTS_DIR="bench/results"
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
RESULT_FILE="$RESULTS_DIR/shopify-$STAMP.txt"
TMP_DIR="$(mktemp -d -t bazaar-shopify.XXXXXX)"
SERVER_PID=""
BENCH_PID=""
install_cleanup

exec 3> >(tee "$RESULT_FILE")
TEE_PID=$!
{
    echo "# Bazaar Shopify webhook benchmark, $(date -Iseconds)"
    echo "# commit: $(describe_commit)"
    echo "# host: $(uname -srm), $(nproc) CPU(s)"
    echo "# server: $SERVER_BIN on ${DATABASE%%:*}; webhooks: $WEBHOOKS; concurrency $CONCURRENCY"
} >&3

status=0
for count in $WEBHOOKS; do
    log="$RESULTS_DIR/shopify-$STAMP-$count.server.log"
    if [[ "$DATABASE" == sqlite ]]; then
        database_url="sqlite://${TMP_DIR}/shopify-$count.db?mode=rwc"
    else
        database_url="$DATABASE"
    fi
    echo "==> starting $SERVER_BIN on $BASE_URL (log in $log)" >&3
    LEPTOS_SITE_ROOT=target/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_OUTPUT_NAME=bazaar \
    LEPTOS_SITE_ADDR="127.0.0.1:${PORT}" \
    LEPTOS_ENV=PROD \
    DATABASE_URL="$database_url" \
    BAZAAR_ENV=demo \
    BAZAAR_SEED=demo \
    BAZAAR_MAILER=file \
    BAZAAR_OUTBOX_DIR="${TMP_DIR}/outbox-$count" \
    BAZAAR_API_RATE_PER_SEC=0 \
    BAZAAR_AUTH_RATE_PER_MIN=0 \
    BAZAAR_SHOPIFY_RATE_PER_SEC=0 \
    BAZAAR_SHOPIFY_WEBHOOK_SECRET="$SECRET" \
    RUST_LOG="${RUST_LOG:-warn}" \
        "$SERVER_BIN" >"$log" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$log" "$READY_TIMEOUT_SECS" >&3 2>&1
    SHOPIFY_WEBHOOK_SECRET="$SECRET" "$BENCH_BIN" bench \
        --url "$BASE_URL" \
        --webhooks "$count" \
        --concurrency "$CONCURRENCY" \
        --products 100 \
        --json \
        ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} >"$TMP_DIR/run-$count.txt" 2>&1 &
    BENCH_PID=$!
    run_status=0
    wait "$BENCH_PID" || run_status=$?
    BENCH_PID=""
    cat "$TMP_DIR/run-$count.txt" >&3
    if ((run_status != 0)); then
        echo "==> shopify-bench with $count webhooks exited with status $run_status" >&3
        if ((status == 0)); then status=$run_status; fi
    fi
    stop_process "$SERVER_PID"
    SERVER_PID=""
    if [[ "$DATABASE" != sqlite ]]; then
        break
    fi
done
exec 3>&-
wait "$TEE_PID" 2>/dev/null || true
echo "==> results written to $RESULT_FILE"
exit "$status"
