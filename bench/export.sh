#!/usr/bin/env bash
# The orders CSV export at 100,000 orders: how long `/admin/orders.csv`
# takes and how much memory the server needs for it, on SQLite and on
# PostgreSQL. The export is streamed a page of orders at a time, so the
# server's peak memory should grow by far less than the file it sends.
#
# For each backend: a fresh database with the demo data plus ORDERS seeded
# orders (`server seed-orders N`), the server on 127.0.0.1:$PORT, signed
# in as the demo admin; one small export as a warm-up; then the server's
# peak resident memory is reset (`echo 5 > /proc/PID/clear_refs`) and the
# whole export is downloaded RUNS times. Prints, per run, the rows and bytes
# received, the time (curl's total) and the server's peak RSS during the
# runs above its RSS before them: the baseline is the file's own size,
# which is what the server would hold if it built the file in memory.
#
# Usage: bench/export.sh [--no-build]
# Env:   ORDERS (100000)  RUNS (3)  PORT (3304)  SERVER_BIN (target/release/server)
#        BACKENDS ("sqlite postgres")  POSTGRES_URL (postgres://postgres@127.0.0.1:5432)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

ORDERS="${ORDERS:-100000}"
RUNS="${RUNS:-3}"
PORT="${PORT:-3304}"
BACKENDS="${BACKENDS:-sqlite postgres}"
POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="$SERVER_BIN"
# shellcheck source=bench/lib.sh
source bench/lib.sh

ADMIN='{"email":"admin@bazaar.test","password":"bazaar-demo-overseer"}'

if [[ "${1:-}" != "--no-build" ]]; then
    echo "==> cargo build --release -p server"
    # shellcheck source=deploy/leptos-env.sh
    source deploy/leptos-env.sh
    env -u RUSTFLAGS cargo build --release -p server
fi
preflight

TMP_DIR="$(mktemp -d -t bazaar-export.XXXXXX)"
SERVER_PID=""
PG_DATABASE=""
trap 'stop_process "$SERVER_PID"; drop_postgres; rm -rf "$TMP_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_server() { # database_url log
    env NO_COLOR=1 RUST_LOG=warn BAZAAR_API_RATE_PER_SEC=0 BAZAAR_AUTH_RATE_PER_MIN=0 LEPTOS_ENV=PROD \
        LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site DATABASE_URL="$1" \
        "$SERVER_BIN" >"$2" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$2" 180
}

# The server's memory figure `$1` (VmRSS or VmHWM) in KiB.
memory_kib() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$SERVER_PID/status"; }

echo "==> commit $(describe_commit), $(nproc) cores, $(uname -sr), $SERVER_BIN"
for backend in $BACKENDS; do
    echo "==> $backend"
    fresh_database "$backend" export
    url="$DATABASE"
    log="$TMP_DIR/server-$backend.log"
    seed_database "$log" "$ORDERS"
    start_server "$url" "$log"
    sign_in "$TMP_DIR/admin.jar" "$ADMIN"
    curl -s -f -o /dev/null -b "$TMP_DIR/admin.jar" "$BASE_URL/admin/orders.csv?q=nobody-at-all"
    before="$(memory_kib VmRSS)"
    echo 5 >"/proc/$SERVER_PID/clear_refs"
    for run in $(seq "$RUNS"); do
        out="$(curl -s -f -o "$TMP_DIR/orders.csv" -w '%{http_code} %{time_total}' -b "$TMP_DIR/admin.jar" "$BASE_URL/admin/orders.csv")"
        rows=$(($(wc -l <"$TMP_DIR/orders.csv") - 1))
        bytes="$(stat -c %s "$TMP_DIR/orders.csv")"
        peak="$(memory_kib VmHWM)"
        awk -v b="$backend" -v r="$run" -v rows="$rows" -v bytes="$bytes" -v t="${out##* }" -v before="$before" -v peak="$peak" 'BEGIN {
            grown = (peak - before) / 1024; file = bytes / 1048576
            printf "%-9s run %d: %d rows, %.1f MiB in %.2f s (%.0f rows/s); server RSS %.1f MiB before, peak +%.1f MiB = %.3f x the file\n",
                b, r, rows, file, t, rows / t, before / 1024, grown, grown / file }'
    done
    stop_process "$SERVER_PID"
    SERVER_PID=""
    drop_postgres
done
