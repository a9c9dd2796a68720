#!/usr/bin/env bash
# Live-event fan-out: how long an order change takes to reach N admin
# WebSockets on /ws, whether every socket gets every change exactly once,
# and how much server memory a socket costs.
#
# Builds the release server and bench binaries, then for each socket count
# in SOCKETS: starts the server on a free loopback port with a fresh,
# demo-seeded SQLite database in a temp dir (per-client connection and rate
# limits lifted, as every socket comes from 127.0.0.1), places one order
# through the API (a new customer checks out one unit with the test card),
# runs live-fanout against it and stops it. A fresh server per count keeps
# each RSS reading free of the memory an earlier run left behind. Writes
# the output to bench/results/live-<date>-<time>.txt with the servers' logs
# next to it, and ends with a summary table.
#
# Usage: bench/live.sh [--no-build] [extra live-fanout args]
# Env:   SOCKETS ("100 1000")  CHANGES (200)  RATE (20)  PORT (a free one)
#        SERVER_BIN (target/release/server)  BENCH_BIN (target/release/live-fanout)
#        RUST_LOG (warn) is passed to the server.
# Exit:  0 when every run delivered every event exactly once; otherwise the
#        first failing live-fanout status (1 events missing, duplicated or
#        out of order; 2 bad arguments; 3 could not run); 1 also when the
#        build, the server start or placing the order fails.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

SOCKETS="${SOCKETS:-100 1000}"
CHANGES="${CHANGES:-200}"
RATE="${RATE:-20}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="${BENCH_BIN:-target/release/live-fanout}"
READY_TIMEOUT_SECS=120

build=1
if [[ "${1:-}" == "--no-build" ]]; then
    build=0
    shift
fi
if ((build)); then
    echo "==> cargo build --release -p server -p bench"
    cargo build --release -p server -p bench
fi
EXTRA_ARGS=("$@")

if [[ -z "${PORT:-}" ]]; then
    # A free port: bound, read, released for the server to take.
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
BASE_URL="http://127.0.0.1:${PORT}"
source "$REPO_ROOT/bench/lib.sh"
preflight

# Both ends of every socket live on this machine, the client's in
# live-fanout and the server's in the server (which inherits this limit):
# each needs one descriptor per socket plus its own.
most=0
for n in $SOCKETS; do
    if ((n > most)); then most=$n; fi
done
need=$((most + 512))
if [[ "$(ulimit -n)" != unlimited ]] && (($(ulimit -n) < need)); then
    hard="$(ulimit -Hn)"
    if [[ "$hard" != unlimited ]] && ((hard < need)); then
        echo "need $need open files per process for $most sockets, but the hard limit is $hard" >&2
        exit 1
    fi
    ulimit -n "$need"
fi
MAX_CONNECTIONS=$((most + 256))

RESULTS_DIR="bench/results"
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
RESULT_FILE="$RESULTS_DIR/live-$STAMP.txt"
TMP_DIR="$(mktemp -d -t bazaar-live.XXXXXX)"
SERVER_PID=""
BENCH_PID=""

install_cleanup

start_server() {
    local run=$1 log=$2
    echo "==> starting $SERVER_BIN on $BASE_URL (fresh SQLite file in $TMP_DIR; log in $log)"
    LEPTOS_SITE_ROOT=target/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_OUTPUT_NAME=bazaar \
    LEPTOS_SITE_ADDR="127.0.0.1:${PORT}" \
    LEPTOS_ENV=PROD \
    DATABASE_URL="sqlite://${TMP_DIR}/live-$run.db?mode=rwc" \
    BAZAAR_ENV=demo \
    BAZAAR_SEED=demo \
    BAZAAR_MAILER=file \
    BAZAAR_OUTBOX_DIR="${TMP_DIR}/outbox-$run" \
    BAZAAR_API_RATE_PER_SEC=0 \
    BAZAAR_AUTH_RATE_PER_MIN=0 \
    BAZAAR_MAX_CONNECTIONS="$MAX_CONNECTIONS" \
    BAZAAR_MAX_CONNECTIONS_PER_IP="$MAX_CONNECTIONS" \
    RUST_LOG="${RUST_LOG:-warn}" \
        "$SERVER_BIN" >"$log" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$log" "$READY_TIMEOUT_SECS"
}

# Places one order the way a customer does (register, one in-stock unit in
# the cart, check out with the always-approved test card) and prints its id.
place_order() {
    python3 - "$BASE_URL" <<'PY'
import http.cookiejar, json, sys, time, urllib.request

base = sys.argv[1]
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
)

def call(endpoint, body):
    request = urllib.request.Request(
        f"{base}/api/{endpoint}", data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    try:
        with opener.open(request, timeout=30) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as err:
        sys.exit(f"POST /api/{endpoint}: HTTP {err.code}: {err.read()[:300].decode(errors='replace')}")

stamp = time.time_ns()
call("auth/register", {"email": f"live-{stamp}@bench.bazaar.test",
                       "password": "live-bench-password", "name": "Live Bench"})
page = call("catalog/search", {"query": {"in_stock": True, "sort": "price_asc", "page": 1}})
sku = next((v["sku"] for card in page["products"]
            for v in call("catalog/product", {"slug": card["slug"]})["variants"] if v["stock"] > 0), None)
if sku is None:
    sys.exit("no in-stock variant on the first search page")
call("cart/add", {"sku": sku, "quantity": 1})
order = call("checkout", {"idempotency_key": f"live-bench-{stamp}", "card_number": "4242424242424242",
                          "full_name": "Live Bench", "line1": "1 Benchmark Way", "city": "Springfield",
                          "postal_code": "12345", "country": "US"})
print(order)
PY
}

# Everything from here on goes to the terminal and the results file.
exec 3> >(tee "$RESULT_FILE")
TEE_PID=$!
{
    echo "# Bazaar live fan-out benchmark, $(date -Iseconds)"
    echo "# commit: $(describe_commit)"
    echo "# host: $(uname -srm), $(nproc) CPU(s); open files $(ulimit -n)"
    echo "# server: $SERVER_BIN; sockets: $SOCKETS; $CHANGES changes at $RATE/s"
} >&3

status=0
for sockets in $SOCKETS; do
    log="$RESULTS_DIR/live-$STAMP-$sockets.server.log"
    start_server "$sockets" "$log" >&3 2>&1
    order="$(place_order)"
    echo "==> order $order placed; live-fanout with $sockets sockets" >&3
    # Run in the background and `wait`, so a TERM/INT to this script is
    # handled at once (the trap then stops live-fanout and the server).
    "$BENCH_BIN" \
        --url "$BASE_URL" \
        --sockets "$sockets" \
        --changes "$CHANGES" \
        --rate "$RATE" \
        --pid "$SERVER_PID" \
        --json \
        ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} >"$TMP_DIR/run-$sockets.txt" 2>&1 &
    BENCH_PID=$!
    run_status=0
    wait "$BENCH_PID" || run_status=$?
    BENCH_PID=""
    cat "$TMP_DIR/run-$sockets.txt" >&3
    grep '^{' "$TMP_DIR/run-$sockets.txt" >>"$TMP_DIR/results.jsonl" || true
    if ((run_status != 0)); then
        echo "==> live-fanout with $sockets sockets exited with status $run_status" >&3
        if ((status == 0)); then status=$run_status; fi
    fi
    stop_process "$SERVER_PID"
    SERVER_PID=""
done

if [[ -s "$TMP_DIR/results.jsonl" ]]; then
    python3 - "$TMP_DIR/results.jsonl" >&3 <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("\n| sockets | send→deliver p50 / p99 ms | answer→deliver p50 / p99 ms | all sockets p99 ms | KiB per socket | delivered / expected | dup | result |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for r in rows:
    t, m = r["tally"], r["memory"]
    kib = f"{m['per_socket_kib']:.1f}" if m else "–"
    ok = t["missing"] == t["duplicated"] == t["out_of_order"] == t["unexpected"] == t["sockets_ended_early"] == 0
    print(f"| {r['sockets']:,} | {t['send_to_deliver']['p50_ms']:.1f} / {t['send_to_deliver']['p99_ms']:.1f} "
          f"| {t['answer_to_deliver']['p50_ms']:.1f} / {t['answer_to_deliver']['p99_ms']:.1f} "
          f"| {t['send_to_last_socket']['p99_ms']:.1f} | {kib} | {t['delivered']:,} / {t['expected']:,} "
          f"| {t['duplicated']} | {'PASS' if ok else 'FAIL'} |")
PY
fi
exec 3>&-
wait "$TEE_PID" 2>/dev/null || true
echo "==> results written to $RESULT_FILE"
exit "$status"
