#!/usr/bin/env bash
# The admin order table at 1,000 and at 100,000 orders, in headless
# Chromium (bench/admin-table.mjs): time to first rows, row elements in the
# DOM, frames per second while scrolling top to bottom, and the time for
# rows to appear after jumping to the middle.
#
# Builds the release app (deploy/build.sh --release) unless --no-build,
# then for each size: a fresh SQLite database with the demo data plus that
# many seeded orders (`server seed-orders N`), the server on 127.0.0.1:$PORT,
# the measurement, the server stopped.
#
# Usage: bench/admin-table.sh [--no-build]
# Env:   SIZES ("1000 100000")  PORT (3302)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"

SIZES="${SIZES:-1000 100000}"
PORT="${PORT:-3302}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="target/release/server"
BENCH_BIN="$SERVER_BIN"
# shellcheck source=bench/lib.sh
source bench/lib.sh

if [[ "${1:-}" != "--no-build" ]]; then
    bash deploy/setup.sh --browser --wasm-opt
    bash deploy/build.sh --release
fi
preflight

work="$(mktemp -d)"
server_pid=""
trap 'stop_process "$server_pid"; rm -rf "$work"' EXIT

start_server() { # database_url log
    BAZAAR_API_RATE_PER_SEC=0 BAZAAR_AUTH_RATE_PER_MIN=0 LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
        LEPTOS_SITE_ROOT=target/site DATABASE_URL="$1" RUST_LOG=warn "$SERVER_BIN" >"$2" 2>&1 &
    server_pid=$!
    wait_until_ok "$BASE_URL/" "$server_pid" "$2" 120
}

echo "==> commit $(describe_commit), $(nproc) cores"
for size in $SIZES; do
    db="sqlite://$work/orders-$size.db?mode=rwc"
    start_server "$db" "$work/server-$size.log"
    stop_process "$server_pid"
    server_pid=""
    echo "==> seeding $size orders"
    DATABASE_URL="$db" "$SERVER_BIN" seed-orders "$size" 2>/dev/null | tail -n 1
    start_server "$db" "$work/server-$size.log"
    node bench/admin-table.mjs "$BASE_URL" "$size orders"
    stop_process "$server_pid"
    server_pid=""
done
