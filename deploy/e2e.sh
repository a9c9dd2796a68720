#!/usr/bin/env bash
# Runs the Playwright suite against the debug build on a fresh database:
# `e2e.sh sqlite` or `e2e.sh postgres`, optionally followed by spec-file
# filters (e.g. `e2e.sh postgres checkout`) to run only those journeys.
# Expects `deploy/build.sh` done.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/leptos-env.sh

backend="${1:?usage: e2e.sh sqlite|postgres [spec filter…]}"
shift
port="${E2E_PORT:-3100}"
case "$backend" in
  sqlite)
    dir="$(mktemp -d)"
    database_url="sqlite://$dir/e2e.db?mode=rwc"
    cleanup_db() { rm -rf "$dir"; }
    ;;
  postgres)
    admin_url="${BAZAAR_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
    name="bazaar_e2e_$$"
    psql "$admin_url" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $name"
    database_url="${admin_url%/*}/$name"
    cleanup_db() { psql "$admin_url" -q -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true; }
    ;;
  *) echo "e2e.sh: unknown backend $backend" >&2; exit 2 ;;
esac

log="target/e2e-$backend.log"
printf '\n==> Browser tests on %s (server log: %s)\n' "$backend" "$log"
# Every journey signs up its own customer from the same address, more
# often than the default 5 sign-ups a minute; the limit itself has its own
# integration tests.
# jobs.spec.ts signs Shopify webhooks with this secret, and waits for a
# job that always fails to go dead: a short retry backoff keeps that quick.
export BAZAAR_SHOPIFY_WEBHOOK_SECRET="${BAZAAR_SHOPIFY_WEBHOOK_SECRET:-e2e-shopify-secret}"
# checkout.spec.ts waits for the recovery job to settle a lost payment
# answer: a short payment timeout and settle delay keep that quick.
BAZAAR_PAYMENT_TIMEOUT_SECS=5 BAZAAR_CHECKOUT_SETTLE_SECS=6 \
BAZAAR_JOBS_BACKOFF_MS=1000 BAZAAR_AUTH_RATE_PER_MIN=120 LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_ENV=DEV DATABASE_URL="$database_url" target/debug/server > "$log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; cleanup_db' EXIT

cd end2end
BAZAAR_BASE_URL="http://127.0.0.1:$port" npx playwright test "$@"
