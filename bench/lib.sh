# Sourced by the bench scripts: what every one of them does around its
# measurement. Expects SERVER_BIN, BENCH_BIN and BASE_URL to be set.

# Checks that the binaries exist and that nothing else answers on the port
# about to be measured.
preflight() {
    for bin in "$SERVER_BIN" "$BENCH_BIN"; do
        if [[ ! -x "$bin" ]]; then
            echo "missing $bin (run without --no-build, or set SERVER_BIN / BENCH_BIN)" >&2
            exit 1
        fi
    done
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/" || true)" != "000" ]]; then
        echo "something already answers on $BASE_URL; stop it or set PORT=..." >&2
        exit 1
    fi
}

# Waits until `$1` answers 200, or fails showing the end of the log `$3`
# if the server (pid `$2`) exits or `$4` seconds pass.
wait_until_ok() {
    local url=$1 pid=$2 log=$3 timeout=$4
    echo "==> waiting for $url to answer 200 (max ${timeout} s)"
    local deadline=$((SECONDS + timeout))
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" == "200" ]]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "server exited before becoming ready; last log lines:" >&2
            tail -n 30 "$log" >&2
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            echo "server not ready after ${timeout} s; last log lines:" >&2
            tail -n 30 "$log" >&2
            exit 1
        fi
        sleep 0.2
    done
}

# Stops the process `$1` if it runs: up to 5 s for a graceful exit, then
# forced.
stop_process() {
    local pid=$1
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}

# Short commit id, "(dirty)" if tracked files differ from it, "none" outside git.
describe_commit() {
    local commit
    commit="$(git rev-parse --short HEAD 2>/dev/null)" || { echo none; return; }
    git diff --quiet HEAD 2>/dev/null || commit+=" (dirty)"
    echo "$commit"
}

# On exit or interrupt: stops the measuring tool (BENCH_PID) and the server
# (SERVER_PID), removes TMP_DIR and keeps the exit status. Set the three
# (empty until they exist) before calling `install_cleanup`.
cleanup() {
    local status=$?
    if [[ -n "${BENCH_PID:-}" ]]; then
        kill "$BENCH_PID" 2>/dev/null || true
        wait "$BENCH_PID" 2>/dev/null || true
    fi
    stop_process "${SERVER_PID:-}"
    [[ -n "${TMP_DIR:-}" ]] && rm -rf "$TMP_DIR"
    exit "$status"
}

install_cleanup() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# The benches over a large seeded database (analytics and export with
# orders, search with products) run each backend on a database of its own.
# They define `start_server url log`, and set POSTGRES_URL, PG_DATABASE=""
# and TMP_DIR.

# Sets DATABASE to a fresh database for backend `$1`: a file in TMP_DIR for
# sqlite, or the database `bazaar_bench_$2_<pid>` on POSTGRES_URL
# (PG_DATABASE, removed by `drop_postgres`).
fresh_database() { # backend name
    case "$1" in
        sqlite) DATABASE="sqlite://$TMP_DIR/$2.db?mode=rwc" ;;
        postgres)
            PG_DATABASE="bazaar_bench_$2_$$"
            psql -q "$POSTGRES_URL/postgres" -c "CREATE DATABASE $PG_DATABASE" >/dev/null
            DATABASE="$POSTGRES_URL/$PG_DATABASE"
            ;;
        *) echo "unknown backend $1 (sqlite or postgres)" >&2; exit 1 ;;
    esac
}

# Drops the PostgreSQL database `fresh_database` made, if any.
drop_postgres() {
    if [[ -n "${PG_DATABASE:-}" ]]; then
        psql -q "$POSTGRES_URL/postgres" -c "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
        PG_DATABASE=""
    fi
}

# Fills DATABASE with the demo data: the server seeds it on its first
# start (logging to `$1`) and is stopped again.
seed_demo() { # log
    echo "==> demo data"
    start_server "$DATABASE" "$1"
    stop_process "$SERVER_PID"
    SERVER_PID=""
}

# Fills DATABASE with the demo data and `$2` made-up orders
# (`server seed-orders`).
seed_database() { # log orders
    seed_demo "$1"
    echo "==> seeding $2 orders"
    DATABASE_URL="$DATABASE" NO_COLOR=1 RUST_LOG=warn "$SERVER_BIN" seed-orders "$2" 2>/dev/null | tail -n 1
}

# Signs in at BASE_URL with the credentials JSON `$2`, keeping the
# session in the cookie jar `$1`.
sign_in() { # jar json
    local status
    status="$(curl -s -o /dev/null -w '%{http_code}' -c "$1" -H 'content-type: application/json' \
        -d "$2" "$BASE_URL/api/auth/sign-in")"
    [[ "$status" == 200 ]] || { echo "sign-in failed ($status)" >&2; exit 1; }
}
