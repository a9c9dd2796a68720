#!/usr/bin/env bash
# Starts the shop on SQLite with demo data at http://127.0.0.1:3000,
# installing and building whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/setup.sh --wasm-opt
export PATH="$PWD/target/tools/node_modules/.bin:$PATH"

printf '\n==> Building Bazaar (release; the first build takes about 5 minutes)\n'
bash deploy/build.sh --release

export LEPTOS_OUTPUT_NAME=bazaar
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_ENV=PROD
export DATABASE_URL="${DATABASE_URL:-sqlite://data/bazaar.db?mode=rwc}"

printf '\n==> Starting Bazaar on %s (migrating and, on first start, seeding demo data)\n' "$DATABASE_URL"
exec target/release/server
