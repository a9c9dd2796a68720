#!/usr/bin/env bash
# Signs and sends sample Shopify order webhooks to a running Bazaar, so you
# can watch the orders appear live on /admin. Each is Shopify's published
# order JSON (server/tests/api/fixtures/shopify_order.json) made into a new
# order with one to three of the shop's own catalog variants (read through
# its public API) and, for every fourth, a line the shop does not sell. A
# couple of seconds later every third order is fulfilled (orders/fulfilled,
# with a tracking number) and every fifth cancelled (orders/cancelled).
#
# Start the shop with a webhook secret, e.g.
#   BAZAAR_SHOPIFY_WEBHOOK_SECRET=my-secret bash deploy/start.sh
# sign in on http://127.0.0.1:3000/admin as the demo admin, then:
#   bench/shopify-send.sh --secret my-secret             # 10 orders to http://127.0.0.1:3000
#   bench/shopify-send.sh --secret my-secret -n 50 --rate 10 --url http://127.0.0.1:3300
#   SHOPIFY_WEBHOOK_SECRET=my-secret bench/shopify-send.sh --no-updates
#
# Options: --url ORIGIN (loopback only), --secret SECRET, -n N (10),
# --rate PER_SEC (2), --products N (8, catalog products to buy from),
# --no-updates. Exit: 0 when every webhook was answered 200; 1 when one was
# not (401: the secret differs from the shop's; 503: the shop has no secret);
# 2 bad arguments; 3 the shop could not be reached or has no catalog.
# SHOPIFY_BENCH_BIN overrides the binary (default: target/release/shopify-bench,
# built on first use).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

BIN="${SHOPIFY_BENCH_BIN:-target/release/shopify-bench}"
if [[ ! -x "$BIN" ]]; then
    echo "==> building $BIN (cargo build --release -p bench --bin shopify-bench; once)" >&2
    env -u RUSTFLAGS cargo build --release -q -p bench --bin shopify-bench
fi
exec "$BIN" send "$@"
