#!/usr/bin/env bash
# Static assets in a release build: what serving the storefront's WASM
# costs the server per request with the build's precompressed copies
# against compressing it per request (the baseline, measured in the same
# run with the same binary), and what a repeat visitor downloads.
#
# 1. The release site (`deploy/build.sh --release`: content-hashed names,
#    `.br` and `.gz` copies) is served by the release server; the WASM is
#    downloaded REQUESTS times with `Accept-Encoding: br, gzip`, and the
#    server's CPU time (user + system, /proc/PID/stat) is divided by the
#    requests. Then the same with a copy of the site without the `.br`
#    and `.gz` files, which the server gzips on every request as it did
#    before the build precompressed them.
# 2. bench/assets.mjs in headless Chromium: `/`, then `/c/clothing`, then
#    `/` again, counting the `/pkg/` assets that went over the network.
#
# Usage: bench/assets.sh [--no-build]
# Env:   REQUESTS (200)  PORT (3305)  SERVER_BIN (target/release/server)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

REQUESTS="${REQUESTS:-200}"
PORT="${PORT:-3305}"
BASE_URL="http://127.0.0.1:${PORT}"
SERVER_BIN="${SERVER_BIN:-target/release/server}"
BENCH_BIN="$SERVER_BIN"
# shellcheck source=bench/lib.sh
source bench/lib.sh

if [[ "${1:-}" != "--no-build" ]]; then
    export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"
    env -u RUSTFLAGS bash deploy/build.sh --release
fi
preflight
[[ -f "$(dirname "$SERVER_BIN")/hash.txt" ]] || { echo "no hash.txt beside $SERVER_BIN: build with deploy/build.sh --release" >&2; exit 1; }
wasm="$(cd target/site && ls pkg/bazaar.*.wasm | head -n 1)"
[[ -f "target/site/$wasm.br" ]] || { echo "target/site/$wasm has no .br copy: build with deploy/build.sh --release" >&2; exit 1; }

TMP_DIR="$(mktemp -d -t bazaar-assets.XXXXXX)"
SERVER_PID=""
BENCH_PID=""
install_cleanup

start_server() { # site_root log
    env NO_COLOR=1 RUST_LOG=warn BAZAAR_API_RATE_PER_SEC=0 LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
        LEPTOS_SITE_ROOT="$1" DATABASE_URL="sqlite://$TMP_DIR/assets.db?mode=rwc" "$SERVER_BIN" >"$2" 2>&1 &
    SERVER_PID=$!
    wait_until_ok "$BASE_URL/" "$SERVER_PID" "$2" 180
}

# The server's CPU time so far, in clock ticks (utime + stime).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

# Serves `site_root`, downloads the WASM REQUESTS times and prints the
# encoding, the bytes sent and the server's CPU ms per request (also
# written to $TMP_DIR/ms).
measure() { # site_root label
    start_server "$1" "$TMP_DIR/server.log"
    curl -s -o /dev/null -H 'accept-encoding: br, gzip' "$BASE_URL/$wasm"
    local before after encoding bytes
    encoding="$(curl -s -D - -o "$TMP_DIR/wasm" -H 'accept-encoding: br, gzip' "$BASE_URL/$wasm" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')"
    bytes="$(stat -c %s "$TMP_DIR/wasm")"
    before="$(cpu_ticks)"
    for _ in $(seq "$REQUESTS"); do
        curl -s -o /dev/null -H 'accept-encoding: br, gzip' "$BASE_URL/$wasm"
    done
    after="$(cpu_ticks)"
    stop_process "$SERVER_PID"
    SERVER_PID=""
    awk -v l="$2" -v e="${encoding:-none}" -v b="$bytes" -v t=$((after - before)) -v n="$REQUESTS" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        ms = t * 1000 / hz / n
        printf "%-34s %-6s %9.1f KiB on the wire, %8.3f ms of server CPU per request\n", l, e, b / 1024, ms }'
    awk -v t=$((after - before)) -v n="$REQUESTS" -v hz="$(getconf CLK_TCK)" 'BEGIN { print t * 1000 / hz / n }' >"$TMP_DIR/ms"
}

echo "==> commit $(describe_commit), $(nproc) cores, $(uname -sr); $wasm, $REQUESTS requests each"
cp -r target/site "$TMP_DIR/site-uncompressed"
find "$TMP_DIR/site-uncompressed" \( -name '*.br' -o -name '*.gz' \) -delete
measure "$TMP_DIR/site-uncompressed" "baseline: compressed per request"
baseline_ms="$(cat "$TMP_DIR/ms")"
measure target/site "precompressed at build time"
precompressed_ms="$(cat "$TMP_DIR/ms")"
awk -v a="$precompressed_ms" -v b="$baseline_ms" 'BEGIN {
    if (a > 0) printf "CPU per WASM request: %.3f x the baseline (%.0f times less)\n", a / b, b / a
    else printf "CPU per WASM request: below the clock tick resolution over the run (baseline %.3f ms)\n", b }'

echo
echo "==> a visitor in Chromium (bench/assets.mjs)"
start_server target/site "$TMP_DIR/server.log"
node bench/assets.mjs "$BASE_URL"
