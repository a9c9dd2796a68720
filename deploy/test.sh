#!/usr/bin/env bash
# Runs every test: unit, integration (SQLite and PostgreSQL) and the
# Playwright journeys in Chromium against the built app: all on SQLite,
# the database-dependent ones again on PostgreSQL. Needs PostgreSQL at
# 127.0.0.1:5432; fails if it is not there.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/setup.sh --browser
source deploy/leptos-env.sh
export BAZAAR_TEST_POSTGRES_URL="${BAZAAR_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

printf '\n==> Unit tests\n'
cargo test -p app --features ssr
cargo test -p migrations

printf '\n==> Integration tests (real server on a free port; SQLite and PostgreSQL)\n'
cargo test -p server

printf '\n==> Building the app for the browser tests\n'
bash deploy/build.sh

bash deploy/e2e.sh sqlite
# On PostgreSQL only the journeys whose behaviour depends on the database
# (stock and its movements, orders, sessions, addresses, the admin desk and
# its live events); the rest is the same code twice.
bash deploy/e2e.sh postgres checkout sessions wishlist admin jobs chat products
printf '\nAll tests passed.\n'
