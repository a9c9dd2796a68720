#!/usr/bin/env bash
# Checkout throughput against raw database transactions measured in the
# same run, the oversell check, and the SQL statements one checkout runs
# (issue 11, target 4).
#
# For each backend in BACKENDS, ROUNDS times, alternating:
#   baseline  sqlite: checkout-baseline (raw guarded-checkout transactions,
#             BEGIN IMMEDIATE; UPDATE … WHERE stock >= 1; INSERT order;
#             INSERT item; COMMIT) on a fresh file with the shop's pragmas,
#             CONCURRENCY tasks, DURATION s;
#             postgres: pgbench running the same statements (-M prepared,
#             PG_CLIENTS clients, DURATION s) on a fresh database;
#   shop      for each provider latency in LATENCIES (ms): the release server
#             on a fresh seeded database with BAZAAR_PAYMENTS_LATENCY_MS set,
#             then checkout-bench: CONCURRENCY buyers add 1 unit and check
#             out, again and again, for DURATION s; half of them first go
#             for one contended variant (CONTENDED_STOCK units) until it is
#             sold out to them, and its stock is checked afterwards.
# Then, on SQLite, one checkout placed through the API with every statement
# logged (RUST_LOG=sqlx::query=debug): the statements inside the checkout
# request, grouped, and those other tasks ran right after it.
# Prints the medians with the spread (fastest–slowest) and the ratios
# shop/baseline and shop(latency)/shop(first latency), per round.
#
# Output goes to the terminal and bench/results/checkout-<date>-<time>.txt.
#
# Usage: bench/checkout.sh [--no-build]
# Env:   BACKENDS (sqlite | postgres | both) [sqlite]
#        ROUNDS (3)  DURATION (10, seconds)  CONCURRENCY (128)
#        LATENCIES ("0 200", ms)  CONTENDED_STOCK (20)  PG_CLIENTS (20, the
#        shop's PostgreSQL pool size)  PORT (3301)
#        POSTGRES_URL (postgres://postgres@127.0.0.1:5432, a server where the
#        bench may create and drop databases)
#        SERVER_BIN (target/release/server)
# Exit:  0 when every phase passed its checks (0 oversold, stock balanced,
#        orders and replays right), 1 otherwise or when something failed
#        to run.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

BACKENDS="${BACKENDS:-sqlite}"
[[ "$BACKENDS" == both ]] && BACKENDS="sqlite postgres"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CONCURRENCY="${CONCURRENCY:-128}"
LATENCIES="${LATENCIES:-0 200}"
CONTENDED_STOCK="${CONTENDED_STOCK:-20}"
PG_CLIENTS="${PG_CLIENTS:-20}"
PORT="${PORT:-3301}"
POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="target/release/checkout-bench"
BASELINE_BIN="target/release/checkout-baseline"
# The test card the simulated provider always approves (docs/payments.md).
CARD=4242424242424242
# shellcheck source=bench/lib.sh
source bench/lib.sh

if [[ "${1:-}" != "--no-build" ]]; then
    echo "==> cargo build --release -p server -p bench"
    # shellcheck source=deploy/leptos-env.sh
    source deploy/leptos-env.sh
    # Without RUSTFLAGS, as cargo-leptos builds release (leptos-env.sh sets
    # them for debug builds): the release artifacts are then shared with
    # deploy/build.sh and the other benches instead of rebuilt.
    env -u RUSTFLAGS cargo build --release -p server -p bench
fi
preflight
[[ -x "$BASELINE_BIN" ]] || { echo "missing $BASELINE_BIN (run without --no-build)" >&2; exit 1; }
for backend in $BACKENDS; do
    case "$backend" in
        sqlite) ;;
        postgres) command -v pgbench >/dev/null || { echo "pgbench not found (it comes with PostgreSQL)" >&2; exit 1; } ;;
        *) echo "BACKENDS: sqlite, postgres or both, not $backend" >&2; exit 1 ;;
    esac
done

mkdir -p bench/results
RESULT_FILE="bench/results/checkout-$(date +%Y%m%d-%H%M%S).txt"
TMP_DIR="$(mktemp -d -t bazaar-checkout.XXXXXX)"
SERVER_PID=""
PG_DATABASE=""
trap 'stop_process "$SERVER_PID"; drop_postgres; rm -rf "$TMP_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
exec > >(tee "$RESULT_FILE") 2>&1

start_server() { # database_url log [extra env…]
    local url=$1 log=$2
    shift 2
    # Rate limits and the per-address connection cap lifted: every buyer
    # comes from 127.0.0.1.
    env NO_COLOR=1 BAZAAR_API_RATE_PER_SEC=0 BAZAAR_AUTH_RATE_PER_MIN=0 BAZAAR_MAX_CONNECTIONS_PER_IP=0 \
        LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site \
        BAZAAR_SEED=demo BAZAAR_MAILER=file BAZAAR_OUTBOX_DIR="$TMP_DIR/outbox" DATABASE_URL="$url" "$@" \
        "$SERVER_BIN" >"$log" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$log" 180
}

# The guarded checkout for pgbench: the statements checkout-baseline runs,
# on a variant picked at random (plenty of stock: pgbench cannot branch on
# a row count, so no contended variant here).
PG_SCHEMA="
CREATE TABLE variants (id integer PRIMARY KEY, price_cents bigint NOT NULL, stock integer NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, user_id integer NOT NULL, idempotency_key text NOT NULL,
    status text NOT NULL, total_cents bigint NOT NULL, created_at timestamptz NOT NULL,
    UNIQUE (user_id, idempotency_key));
CREATE TABLE order_items (id serial PRIMARY KEY, order_id integer NOT NULL REFERENCES orders (id),
    variant_id integer NOT NULL REFERENCES variants (id), unit_price_cents bigint NOT NULL, quantity integer NOT NULL);
CREATE INDEX order_items_order ON order_items (order_id);
INSERT INTO variants SELECT g, 1999, 1000000000 FROM generate_series(1, 1000) g;
ANALYZE;"
cat >"$TMP_DIR/checkout.pgbench" <<'EOF'
\set variant random(1, 1000)
BEGIN;
UPDATE variants SET stock = stock - 1 WHERE id = :variant AND stock >= 1;
INSERT INTO orders (user_id, idempotency_key, status, total_cents, created_at) VALUES (:client_id, gen_random_uuid()::text, 'CONFIRMED', 1999, now()) RETURNING id AS order_id \gset
INSERT INTO order_items (order_id, variant_id, unit_price_cents, quantity) VALUES (:order_id, :variant, 1999, 1);
COMMIT;
EOF

# Appends "backend kind round value" to the figures.
FIGURES="$TMP_DIR/figures"
: >"$FIGURES"
failed=0
record() { echo "$*" >>"$FIGURES"; }

baseline() { # backend round
    local out
    echo "==> round $2, $1: baseline"
    if [[ "$1" == sqlite ]]; then
        out="$("$BASELINE_BIN" --database "$TMP_DIR/baseline-$2.db" --concurrency "$CONCURRENCY" \
            --duration "$DURATION" --contended-stock "$CONTENDED_STOCK" --json)" || failed=1
        grep -v '^{' <<<"$out" || true
        record "$1" baseline "$2" "$(grep '^{' <<<"$out" | jq .transactions_per_sec)"
        record "$1" oversold "$2" "$(grep '^{' <<<"$out" | jq .oversold_units)"
        rm -f "$TMP_DIR/baseline-$2.db"*
    else
        fresh_database postgres checkoutbase
        psql -q "$DATABASE" -c "$PG_SCHEMA" >/dev/null
        out="$(pgbench -n -M prepared -c "$PG_CLIENTS" -j 2 -T "$DURATION" -f "$TMP_DIR/checkout.pgbench" "$DATABASE" 2>&1)" || failed=1
        grep -E '^(number of (clients|transactions actually processed|failed)|latency average|tps)' <<<"$out" || echo "$out"
        record "$1" baseline "$2" "$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' <<<"$out" | head -n 1)"
        drop_postgres
    fi
}

shop() { # backend round latency
    local out log="$TMP_DIR/server-$1-$2-$3.log"
    echo "==> round $2, $1: shop, provider latency $3 ms"
    fresh_database "$1" "checkout_$2_$3"
    start_server "$DATABASE" "$log" BAZAAR_PAYMENTS_LATENCY_MS="$3"
    out="$("$BENCH_BIN" --base-url "$BASE_URL" --concurrency "$CONCURRENCY" --duration "$DURATION" \
        --contended-stock "$CONTENDED_STOCK" --json 2>"$TMP_DIR/bench.err")" || { failed=1; tail -n 5 "$TMP_DIR/bench.err"; }
    grep -E '^(checkout-bench|shelf|order attempts|orders placed|sold-out|other errors|elapsed|orders/s|latency|  |oversold|stock|orders read|replays|warning|result)' <<<"$out" || true
    record "$1" "shop$3" "$2" "$(grep '^{' <<<"$out" | jq .orders_per_sec)"
    record "$1" oversold "$2" "$(grep '^{' <<<"$out" | jq .oversold_units)"
    stop_process "$SERVER_PID"
    SERVER_PID=""
    drop_postgres
    [[ "$1" == sqlite ]] && rm -f "$TMP_DIR/checkout_$2_$3.db"*
    return 0
}

# One checkout through the API with every statement logged; prints the
# statements inside the checkout request grouped, and what else ran in
# the second after it.
count_statements() {
    local log="$TMP_DIR/statements.log" jar="$TMP_DIR/statements.jar" slug sku mark id
    echo "==> statements per checkout (SQLite, RUST_LOG=sqlx::query=debug)"
    fresh_database sqlite statements
    # The request span (tower_http at INFO) marks the checkout's own
    # statements; the job poll is slowed so only jobs the checkout queued
    # run meanwhile.
    start_server "$DATABASE" "$log" RUST_LOG="warn,sqlx::query=debug,tower_http=info" BAZAAR_JOBS_POLL_MS=600000
    api() { curl -sf -b "$jar" -c "$jar" -H 'content-type: application/json' -d "$2" "$BASE_URL/api/$1"; }
    api auth/register '{"email":"statements@bench.bazaar.test","password":"Quince-Tallow-7319","name":"Statement Counter"}' >/dev/null
    slug="$(api catalog/search '{"query":{"in_stock":true,"sort":"price_asc","page":1}}' | jq -r '.products[0].slug')"
    sku="$(api catalog/product "{\"slug\":\"$slug\"}" | jq -r '[.variants[] | select(.stock > 0)][0].sku')"
    api cart/add "{\"sku\":\"$sku\",\"quantity\":1}" >/dev/null
    sleep 1
    mark="$(wc -l <"$log")"
    id="$(api checkout "{\"idempotency_key\":\"statements-1\",\"card_number\":\"$CARD\",\"full_name\":\"Statement Counter\",\"line1\":\"1 Benchmark Way\",\"city\":\"Springfield\",\"postal_code\":\"12345\",\"country\":\"US\"}")"
    sleep 1
    stop_process "$SERVER_PID"
    SERVER_PID=""
    tail -n "+$((mark + 1))" "$log" | grep 'sqlx::query' >"$TMP_DIR/statements" || true
    local inside
    inside="$(grep -c 'uri=/api/checkout ' "$TMP_DIR/statements" || true)"
    echo "order $id: $inside statements logged inside the checkout request (sqlx logs every statement"
    echo "but BEGIN and COMMIT; add 2 per transaction), by kind and table:"
    grep 'uri=/api/checkout ' "$TMP_DIR/statements" | statement_kinds
    echo "logged outside the request in the next second: $(grep -vc 'uri=/api/checkout ' "$TMP_DIR/statements" || true)"
    grep -v 'uri=/api/checkout ' "$TMP_DIR/statements" | statement_kinds
    record sqlite statements 0 "$inside"
}

# "count  VERB table" per kind of statement in sqlx::query log lines, in
# order of first appearance. The log line holds the statement's text with
# its newlines and quotes escaped (`db.statement`), or only `summary` when
# the statement is four words or fewer.
statement_kinds() {
    awk '{
        sql = $0
        if ((p = index(sql, "db.statement=\"\\n\\n")) > 0) sql = substr(sql, p + 18)
        else if ((p = index(sql, "summary=\"")) > 0) sql = substr(sql, p + 9)
        gsub(/\\n/, " ", sql); gsub(/\\"/, "", sql); sub(/^[ \t]+/, "", sql)
        n = split(sql, w, /[ \t(,]+/)
        verb = toupper(w[1]); table = "?"
        for (i = 1; i < n; i++) {
            u = toupper(w[i])
            # The first table read from, past any subquery.
            if ((verb == "SELECT" || verb == "DELETE") && u == "FROM" && toupper(w[i + 1]) != "SELECT") { table = w[i + 1]; break }
            if (verb == "INSERT" && u == "INTO") { table = w[i + 1]; break }
            if (verb == "UPDATE") { table = w[2]; break }
        }
        if (toupper(sql) ~ / RETURNING /) verb = verb " … RETURNING"
        key = verb " " table
        if (!(key in count)) order[++k] = key
        count[key]++
    } END { for (i = 1; i <= k; i++) printf "  %3d  %s\n", count[order[i]], order[i] }'
}

# Median and fastest–slowest of the numbers on stdin.
summarize() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f (%.1f–%.1f, n=%d)", m, v[1], v[NR], NR }'
}

# Per round, figure `$3` ÷ figure `$2` of backend `$1`: median and spread.
ratio() { # backend denominator numerator
    awk -v b="$1" -v d="$2" -v n="$3" '$1 == b && $2 == d { den[$3] = $4 } $1 == b && $2 == n { num[$3] = $4 }
        END { for (r in num) if (den[r] > 0) printf "%.3f\n", num[r] / den[r] }' "$FIGURES" |
        sort -g | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "-"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.3f× (%.3f–%.3f)", m, v[1], v[NR] }'
}

figures() { # backend kind
    awk -v b="$1" -v k="$2" '$1 == b && $2 == k { print $4 }' "$FIGURES"
}

echo "# Bazaar checkout benchmark, $(date -Iseconds)"
echo "# commit $(describe_commit); $(nproc) cores, $(uname -sr); $(rustc --version 2>/dev/null || echo 'rustc ?')"
echo "# backends: $BACKENDS; $ROUNDS rounds of $DURATION s phases; concurrency $CONCURRENCY; provider latencies (ms): $LATENCIES"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg); other compilers running: $(pgrep -c -x rustc || true)"
count_statements
for round in $(seq "$ROUNDS"); do
    for backend in $BACKENDS; do
        baseline "$backend" "$round"
        for latency in $LATENCIES; do
            shop "$backend" "$round" "$latency"
        done
    done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== summary: median (fastest–slowest, rounds) =="
first="${LATENCIES%% *}"
for backend in $BACKENDS; do
    unit="transactions/s"
    [[ "$backend" == postgres ]] && unit="transactions/s (pgbench, $PG_CLIENTS clients)"
    echo "$backend baseline:            $(figures "$backend" baseline | summarize) $unit"
    for latency in $LATENCIES; do
        echo "$backend shop, provider $latency ms: $(figures "$backend" "shop$latency" | summarize) orders/s;" \
            "÷ baseline $(ratio "$backend" baseline "shop$latency")"
        [[ "$latency" != "$first" ]] &&
            echo "    shop $latency ms ÷ shop $first ms, per round: $(ratio "$backend" "shop$first" "shop$latency") (target ≥ 0.8×)"
    done
    echo "$backend oversold units, all phases: $(figures "$backend" oversold | awk '{ s += $1 } END { print s + 0 }')"
done
echo "statements logged inside one checkout request (SQLite): $(figures sqlite statements) (+ BEGIN/COMMIT)"
echo "==> results written to $RESULT_FILE"
exit "$failed"
