#!/usr/bin/env bash
# What a visitor sees (issue 11, target 6): Lighthouse's performance and
# accessibility scores on the desktop preset for `/`, a category page and
# a product page, against the target of 95 each, with Largest Contentful
# Paint and Total Blocking Time.
#
# 1. Builds the release app (deploy/build.sh --release) with its site and
#    hash file in target/lighthouse/ and copies the server beside them;
#    with --no-build copies the release build already there (the server,
#    SITE_ROOT and HASH_FILE) instead. Other builds in target/ during the
#    run then change nothing that is measured.
# 2. Installs the `lighthouse` npm package into target/tools/lighthouse
#    when it is missing (the npm registry is the only network needed).
# 3. Starts that server on a fresh SQLite database with the demo data,
#    takes the first product linked from /c/clothing, and runs
#    bench/lighthouse.mjs: RUNS rounds over the three pages, Chromium
#    (CHROME_PATH) started afresh for every run. Reports of every run are
#    left in target/lighthouse/reports/.
#
# Nothing leaves the machine: Chromium runs with its background networking
# off and resolves no name but the loopback (bench/lighthouse.mjs), and the
# script warns about any request a page makes to another host.
#
# Usage: bench/lighthouse.sh [--no-build]
# Env:   RUNS (3)  PORT (3308)  CHROME_PATH (/usr/bin/chromium)
#        with --no-build: SITE_ROOT (target/site)  HASH_FILE (target/release/hash.txt)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# wasm-opt from npm (deploy/setup.sh --wasm-opt); Debian's breaks hydration.
export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"

RUNS="${RUNS:-3}"
PORT="${PORT:-3308}"
BASE_URL="http://127.0.0.1:${PORT}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
# Lighthouse 13 needs Node 22; the machines have Node 20.
LIGHTHOUSE_VERSION=12.8.2
export LIGHTHOUSE_DIR="$REPO_ROOT/target/tools/lighthouse"
COPY_DIR="$REPO_ROOT/target/lighthouse"
SERVER_BIN="$COPY_DIR/server"
BENCH_BIN="$CHROME_PATH"

rm -rf "$COPY_DIR"
mkdir -p "$COPY_DIR"
case "${1:-}" in
    --no-build)
        site_root="${SITE_ROOT:-target/site}"
        hash_file="${HASH_FILE:-target/release/hash.txt}"
        [[ -f "$hash_file" ]] || { echo "no $hash_file: build with deploy/build.sh --release" >&2; exit 1; }
        echo "==> copying the release build ($site_root, $hash_file) into $COPY_DIR"
        cp "$hash_file" "$COPY_DIR/hash.txt"
        cp -r "$site_root" "$COPY_DIR/site"
        ;;
    "")
        # The hash file's name is relative to target/release.
        env -u RUSTFLAGS LEPTOS_SITE_ROOT="$COPY_DIR/site" LEPTOS_HASH_FILE_NAME=../lighthouse/hash.txt \
            bash deploy/build.sh --release
        ;;
    *) echo "usage: bench/lighthouse.sh [--no-build]" >&2; exit 2 ;;
esac
cp target/release/server "$COPY_DIR/"
# A build finishing in target/ while this one was copied would leave
# names that are not in the site.
for name in $(awk '{ print $2 }' "$COPY_DIR/hash.txt"); do
    compgen -G "$COPY_DIR/site/pkg/*.$name.*" >/dev/null || { echo "$COPY_DIR/hash.txt names $name, not in the site: run again" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
source bench/lib.sh
preflight

if [[ "$(node -p "try { require('$LIGHTHOUSE_DIR/node_modules/lighthouse/package.json').version } catch { '' }")" != "$LIGHTHOUSE_VERSION" ]]; then
    echo "==> installing lighthouse@$LIGHTHOUSE_VERSION into $LIGHTHOUSE_DIR"
    mkdir -p "$LIGHTHOUSE_DIR"
    npm install --prefix "$LIGHTHOUSE_DIR" --no-audit --no-fund "lighthouse@$LIGHTHOUSE_VERSION"
fi

TMP_DIR="$(mktemp -d -t bazaar-lighthouse.XXXXXX)"
SERVER_PID=""
BENCH_PID=""
install_cleanup

SERVER_LOG="$COPY_DIR/server.log"
echo "==> starting $SERVER_BIN on $BASE_URL (demo data, db in $TMP_DIR)"
env NO_COLOR=1 RUST_LOG=warn LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
    LEPTOS_SITE_ROOT="$COPY_DIR/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=bazaar \
    DATABASE_URL="sqlite://$TMP_DIR/lighthouse.db?mode=rwc" BAZAAR_SEED=demo BAZAAR_IMAGE_DIR="$TMP_DIR/images" \
    "$SERVER_BIN" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
wait_until_ok "$BASE_URL/" "$SERVER_PID" "$SERVER_LOG" 180

product="$(curl -s "$BASE_URL/c/clothing" | grep -o 'href="/p/[^"]*"' | head -n 1 | sed 's/^href="//; s/"$//')"
[[ -n "$product" ]] || { echo "no product link on /c/clothing" >&2; exit 1; }

echo "==> commit $(describe_commit), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $("$CHROME_PATH" --version 2>/dev/null); lighthouse $LIGHTHOUSE_VERSION, desktop preset, $RUNS runs per page"
node bench/lighthouse.mjs "$BASE_URL" "$RUNS" "$COPY_DIR/reports" / /c/clothing "$product" &
BENCH_PID=$!
wait "$BENCH_PID"
BENCH_PID=""
echo "==> reports in $COPY_DIR/reports"
