#!/usr/bin/env bash
# Sales analytics at 100,000 orders: how long each query of a report takes
# and how long the whole endpoint answers, on SQLite and on PostgreSQL.
#
# For each backend: a fresh database with the demo data plus ORDERS seeded
# orders (`server seed-orders N`: a year of history, 2,000 customers), the
# release server on 127.0.0.1:$PORT logging every analytics query's time
# (`RUST_LOG=app::analytics=debug`, see app/src/analytics/ssr/queries.rs),
# then for each period in PERIODS (days, ending today) and each endpoint
# (`/api/admin/analytics` as the demo admin, `/api/seller/analytics` as the
# demo seller of Northwind Goods): one unmeasured warm-up call, then RUNS
# calls. Prints, per query and for the whole call (curl's total time), the
# median and the spread (fastest–slowest) in milliseconds.
#
# SQLite is measured as the shop runs it (no ANALYZE: the shop never runs
# it); PostgreSQL after `VACUUM ANALYZE`, as autovacuum leaves a table that
# has settled. DROP_INDEXES=1 drops the indexes of the analytics migration
# after seeding, to compare with the schema before it.
#
# Usage: bench/analytics.sh [--no-build]
# Env:   ORDERS (100000)  RUNS (7)  PERIODS ("7 30 90 366")  PORT (3303)
#        SERVER_BIN (target/release/server)
#        BACKENDS ("sqlite postgres")  DROP_INDEXES (0)
#        POSTGRES_URL (postgres://postgres@127.0.0.1:5432, a server where
#        the bench may create and drop a database)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

ORDERS="${ORDERS:-100000}"
RUNS="${RUNS:-7}"
PERIODS="${PERIODS:-7 30 90 366}"
PORT="${PORT:-3303}"
BACKENDS="${BACKENDS:-sqlite postgres}"
DROP_INDEXES="${DROP_INDEXES:-0}"
POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="$SERVER_BIN"
# shellcheck source=bench/lib.sh
source bench/lib.sh

# The demo accounts (server/src/seed/accounts.rs).
ADMIN='{"email":"admin@bazaar.test","password":"bazaar-demo-overseer"}'
SELLER='{"email":"seller1@bazaar.test","password":"bazaar-demo-northwind"}'
QUERIES="days products_and_categories customers other_currencies"

if [[ "${1:-}" != "--no-build" ]]; then
    echo "==> cargo build --release -p server"
    # shellcheck source=deploy/leptos-env.sh
    source deploy/leptos-env.sh
    env -u RUSTFLAGS cargo build --release -p server
fi
preflight

TMP_DIR="$(mktemp -d -t bazaar-analytics.XXXXXX)"
SERVER_PID=""
PG_DATABASE=""
trap 'stop_process "$SERVER_PID"; drop_postgres; rm -rf "$TMP_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_server() { # database_url log [extra env…]
    local url=$1 log=$2
    shift 2
    env NO_COLOR=1 BAZAAR_API_RATE_PER_SEC=0 BAZAAR_AUTH_RATE_PER_MIN=0 LEPTOS_ENV=PROD \
        LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site DATABASE_URL="$url" "$@" \
        "$SERVER_BIN" >"$log" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$log" 180
}

# Runs SQL on the database `$1` (a DATABASE_URL).
run_sql() { # database_url sql
    case "$1" in
        sqlite://*)
            local path=${1#sqlite://}
            sqlite3 "${path%%\?*}" "$2"
            ;;
        *) psql -q "$1" -c "$2" >/dev/null ;;
    esac
}

# Calls `$2` with the cookies `$1` for the last `$3` days; prints the
# total time in ms. Fails unless the answer is 200.
call() { # jar path days
    local out
    out="$(curl -s -o "$TMP_DIR/answer.json" -w '%{http_code} %{time_total}' -b "$1" \
        -H 'content-type: application/json' -d "{\"days\": $3}" "$BASE_URL$2")"
    [[ "${out%% *}" == 200 ]] || { echo "$2 answered ${out%% *}: $(head -c 300 "$TMP_DIR/answer.json")" >&2; exit 1; }
    awk -v s="${out##* }" 'BEGIN { printf "%.1f", s * 1000 }'
}

# The analytics query times (ms) logged after line `$2` of log `$1`, as
# "name ms" lines.
logged_queries() { # log after_line
    tail -n "+$(($2 + 1))" "$1" | sed 's/\x1b\[[0-9;]*m//g' | grep 'analytics query' |
        sed -E 's/.*query="?([a-z_]+)"? elapsed_us=([0-9]+).*/\1 \2/' |
        awk '{ printf "%s %.1f\n", $1, $2 / 1000 }'
}

# Median and fastest–slowest of the numbers on stdin.
summarize() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f (%.1f–%.1f)", m, v[1], v[NR] }'
}

echo "==> commit $(describe_commit), $(nproc) cores, $(uname -sr)"
echo "==> load average before: $(cut -d' ' -f1-3 /proc/loadavg); other compilers running: $(pgrep -c -x rustc || true)"
results="$TMP_DIR/results"
: >"$results"
for backend in $BACKENDS; do
    echo "==> $backend"
    fresh_database "$backend" analytics
    url="$DATABASE"
    log="$TMP_DIR/server-$backend.log"
    seed_database "$log" "$ORDERS"
    if [[ "$DROP_INDEXES" == 1 ]]; then
        echo "==> $backend: dropping idx_orders_sales and idx_order_items_sales"
        run_sql "$url" "DROP INDEX idx_orders_sales; DROP INDEX idx_order_items_sales;"
    fi
    [[ "$backend" == postgres ]] && run_sql "$url" "VACUUM ANALYZE"
    start_server "$url" "$log" RUST_LOG="warn,app::analytics=debug"
    sign_in "$TMP_DIR/admin.jar" "$ADMIN"
    sign_in "$TMP_DIR/seller.jar" "$SELLER"
    for days in $PERIODS; do
        for who in admin seller; do
            path="/api/$who/analytics"
            call "$TMP_DIR/$who.jar" "$path" "$days" >/dev/null
            for _ in $(seq "$RUNS"); do
                before="$(wc -l <"$log")"
                total="$(call "$TMP_DIR/$who.jar" "$path" "$days")"
                # The log line of the last query may trail the answer by a moment.
                sleep 0.05
                logged_queries "$log" "$before" | while read -r name ms; do
                    echo "$backend $who $days $name $ms" >>"$results"
                done
                echo "$backend $who $days endpoint $total" >>"$results"
            done
        done
    done
    stop_process "$SERVER_PID"
    SERVER_PID=""
    drop_postgres
done
echo "==> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Milliseconds, median (fastest–slowest) of $RUNS runs; $ORDERS orders; DROP_INDEXES=$DROP_INDEXES"
for backend in $BACKENDS; do
    for who in admin seller; do
        echo
        echo "## $backend, /api/$who/analytics"
        printf '%-25s' "query \\ days"
        for days in $PERIODS; do printf '%-22s' "$days"; done
        echo
        for name in $QUERIES endpoint; do
            printf '%-25s' "$name"
            for days in $PERIODS; do
                printf '%-22s' "$(awk -v b="$backend" -v w="$who" -v d="$days" -v n="$name" \
                    '$1 == b && $2 == w && $3 == d && $4 == n { print $5 }' "$results" | summarize)"
            done
            echo
        done
    done
done
