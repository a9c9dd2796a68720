#!/usr/bin/env bash
# Fails when the storefront's first load is over its budget (issue 11,
# target 3): the main WASM, its JS glue and the split loader, counted as
# the brotli copies a release build writes and the server sends. Lazily
# loaded chunks (split_*.wasm, chunk_*.wasm) are not part of it.
#
# Usage: deploy/bundle-budget.sh [--no-build]
#   Builds the browser bundle exactly as `deploy/build.sh --release` does
#   (split, wasm-opt, hashed and precompressed), into target/site-budget so
#   that the debug site the browser tests use is left alone. --no-build
#   checks what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# The one place the budget is set, in bytes.
BUDGET_BYTES=250000

site=target/site-budget
build=1
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        *) echo "bundle-budget.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

if ((build)); then
    rm -rf "$site"
    # wasm-opt from npm (deploy/setup.sh --wasm-opt); Debian's breaks hydration.
    export PATH="$PWD/target/tools/node_modules/.bin:$PATH"
    # As deploy/start.sh builds it: without the test command's RUSTFLAGS
    # and unminified JS (deploy/leptos-env.sh), and with the hash file
    # beside this site instead of beside the release server
    # (target/release/hash.txt), which must keep naming target/site's files.
    env -u RUSTFLAGS -u LEPTOS_JS_MINIFY LEPTOS_SITE_ROOT="$site" LEPTOS_HASH_FILE_NAME=../site-budget/hash.txt \
        bash deploy/build.sh --release --frontend-only
fi

pkg="$site/pkg"
first_load=("$pkg"/bazaar*.wasm.br "$pkg"/bazaar*.js.br "$pkg"/__wasm_split*.js.br)
total=0
for f in "${first_load[@]}"; do
    [[ -f "$f" ]] || { echo "bundle-budget.sh: missing $f (build without --no-build first)" >&2; exit 1; }
    size=$(wc -c <"$f")
    total=$((total + size))
    printf '  %-60s %9s B\n' "${f#"$pkg"/}" "$size"
done
printf 'Storefront first load: %s B brotli (budget %s B)\n' "$total" "$BUDGET_BYTES"
if ((total > BUDGET_BYTES)); then
    echo "bundle-budget.sh: the storefront's first load is $((total - BUDGET_BYTES)) B over its budget" >&2
    exit 1
fi
