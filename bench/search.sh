#!/usr/bin/env bash
# Search over 100,000 products (issue 11, target 1: search p99 ≤ 20 ms on
# SQLite and PostgreSQL).
#
# For each backend: a fresh database with the demo data plus PRODUCTS
# made-up products (`server seed-products N`: names, descriptions and tags
# from the demo's word lists, 1–3 variants each), the release server on
# 127.0.0.1:$PORT, then `http-bench` on each search page below, one after
# another, CONCURRENCY connections for DURATION s after WARMUP s. Prints
# each query's match count (from POST /api/catalog/search), then per
# backend and query the full-response p50 and p99 (the page is streamed:
# its results arrive after the search query, so TTFB would not include
# it), the requests/s and whether p99 ≤ TARGET_MS.
#
# The server runs with BAZAAR_PAGE_CACHE_MB=0: otherwise every repeat of
# a URL after the first is a kept page sent from memory (no session
# cookie), and the search query would run once per URL. SQLite is measured
# as the shop runs it (no ANALYZE); PostgreSQL after `VACUUM ANALYZE`, as
# autovacuum leaves a table that has settled after a bulk load.
#
# The JSON endpoint itself is not load-tested: http-bench sends only GETs.
# The page runs the same search (and a count) through the same server
# function, so its figures bound the endpoint's from above.
#
# Usage: bench/search.sh [--no-build]
# Env:   PRODUCTS (100000)  CONCURRENCY (8)  DURATION (10)  WARMUP (2)
#        TARGET_MS (20)  PORT (3305)  BACKENDS ("sqlite postgres")
#        SERVER_BIN (target/release/server)  BENCH_BIN (target/release/http-bench)
#        POSTGRES_URL (postgres://postgres@127.0.0.1:5432, a server where
#        the bench may create and drop a database)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

PRODUCTS="${PRODUCTS:-100000}"
CONCURRENCY="${CONCURRENCY:-8}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
TARGET_MS="${TARGET_MS:-20}"
PORT="${PORT:-3305}"
BACKENDS="${BACKENDS:-sqlite postgres}"
POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="${BENCH_BIN:-target/release/http-bench}"
# shellcheck source=bench/lib.sh
source bench/lib.sh

# name | page query string | the same query as the JSON endpoint takes it
QUERIES=(
    "one word|q=lamp|{\"text\":\"lamp\"}"
    "two words|q=brass+lamp|{\"text\":\"brass lamp\"}"
    "prefix, as typed|q=head|{\"text\":\"head\"}"
    "category + word|q=merino&category=clothing|{\"text\":\"merino\",\"category\":\"clothing\"}"
    "word + price|q=tent&min_price=100&max_price=300|{\"text\":\"tent\",\"min_price_cents\":10000,\"max_price_cents\":30000}"
    "price only|min_price=20&max_price=40|{\"min_price_cents\":2000,\"max_price_cents\":4000}"
    "word, by price|q=cotton&sort=price_asc|{\"text\":\"cotton\",\"sort\":\"price_asc\"}"
)

if [[ "${1:-}" != "--no-build" ]]; then
    echo "==> cargo build --release -p server -p bench"
    # shellcheck source=deploy/leptos-env.sh
    source deploy/leptos-env.sh
    env -u RUSTFLAGS cargo build --release -p server -p bench
fi
preflight

TMP_DIR="$(mktemp -d -t bazaar-search.XXXXXX)"
SERVER_PID=""
PG_DATABASE=""
trap 'stop_process "$SERVER_PID"; drop_postgres; rm -rf "$TMP_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_server() { # database_url log
    env NO_COLOR=1 RUST_LOG=warn BAZAAR_API_RATE_PER_SEC=0 BAZAAR_AUTH_RATE_PER_MIN=0 BAZAAR_PAGE_CACHE_MB=0 \
        LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site DATABASE_URL="$1" \
        "$SERVER_BIN" >"$2" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$2" 180
}

# How many products the JSON query `$1` matches.
matches() { # json
    local answer
    answer="$(curl -s -f -H 'content-type: application/json' -d "{\"query\": $1}" "$BASE_URL/api/catalog/search")" ||
        { echo "search $1 failed" >&2; exit 1; }
    jq -r '.total' <<<"$answer"
}

echo "==> commit $(describe_commit), $(nproc) cores, $(uname -sr)"
echo "==> load average before: $(cut -d' ' -f1-3 /proc/loadavg); other compilers running: $(pgrep -c -x rustc || true)"
results="$TMP_DIR/results"
: >"$results"
for backend in $BACKENDS; do
    echo "==> $backend"
    fresh_database "$backend" search
    log="$TMP_DIR/server-$backend.log"
    seed_demo "$log"
    echo "==> seeding $PRODUCTS products"
    DATABASE_URL="$DATABASE" NO_COLOR=1 RUST_LOG=warn "$SERVER_BIN" seed-products "$PRODUCTS" | tail -n 1
    [[ "$backend" == postgres ]] && psql -q "$DATABASE" -c "VACUUM ANALYZE" >/dev/null
    start_server "$DATABASE" "$log"
    urls=()
    for query in "${QUERIES[@]}"; do
        IFS='|' read -r name params json <<<"$query"
        echo "    $name (/search?$params): $(matches "$json") products match"
        urls+=(--url "$BASE_URL/search?$params")
    done
    "$BENCH_BIN" --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --json "${urls[@]}" |
        tee "$TMP_DIR/bench-$backend.txt" | grep -v '^{'
    grep '^{' "$TMP_DIR/bench-$backend.txt" | jq -r --arg b "$backend" \
        '[$b, .full_p50_ms, .full_p99_ms, .requests_per_sec, .non_2xx + .errors] | @tsv' >>"$results"
    stop_process "$SERVER_PID"
    SERVER_PID=""
    drop_postgres
done
echo "==> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "$PRODUCTS seeded products (+ 500 demo), page cache off, $CONCURRENCY connections, ${DURATION} s per query;"
echo "full response time in ms"
echo
echo "| Backend | Query | p50 ms | p99 ms | req/s | p99 ≤ $TARGET_MS ms? |"
echo "| --- | --- | ---: | ---: | ---: | --- |"
row=0
while IFS=$'\t' read -r backend p50 p99 rps failed; do
    query="${QUERIES[$((row % ${#QUERIES[@]}))]}"
    IFS='|' read -r name params _ <<<"$query"
    row=$((row + 1))
    met="$(awk -v p="$p99" -v t="$TARGET_MS" 'BEGIN { print (p <= t) ? "yes" : "no" }')"
    ((failed == 0)) || met="$met ($failed failed)"
    printf '| %s | %s (`%s`) | %.1f | %.1f | %.0f | %s |\n' "$backend" "$name" "$params" "$p50" "$p99" "$rps" "$met"
done <"$results"
