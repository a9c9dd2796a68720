#!/usr/bin/env bash
# Builds the server and the browser bundle: `build.sh` (debug) or
# `build.sh --release`. Always with `--split`: lazy routes (the admin desk)
# become separate WASM chunks loaded on demand, so the storefront's first
# load does not carry them. Every build script goes through here, so no
# build ever ships without the split.
#
# A release build also names the browser files by their content
# (`LEPTOS_HASH_FILES=true`: the server then sends them with a year-long,
# immutable lifetime) and writes brotli and gzip copies beside them
# (`--precompress`), which the server sends as they are instead of
# compressing on every request. The server finds the names in the hash
# file the build leaves beside the binary (target/release/hash.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

extra=()
for arg in "$@"; do
    if [[ "$arg" == --release ]]; then
        export LEPTOS_HASH_FILES=true
        extra=(--precompress)
    fi
done
cargo leptos build --split "${extra[@]}" "$@"

# The JS glue must import the split loader, not the placeholder the lazy
# macros leave in an unsplit WASM; a page would then never hydrate. Seen
# once on a first build: build again, and stop if it persists.
# The glue's name carries its hash in a release build: the newest one.
glue="$(ls -t "${LEPTOS_SITE_ROOT:-target/site}/${LEPTOS_SITE_PKG_DIR:-pkg}/${LEPTOS_OUTPUT_NAME:-bazaar}"*.js | head -n 1)"
if grep -q "__wasm_split_placeholder__" "$glue"; then
  echo "build.sh: $glue still imports the split placeholder; building again" >&2
  touch frontend/src/lib.rs
  cargo leptos build --split "${extra[@]}" "$@"
  glue="$(ls -t "${LEPTOS_SITE_ROOT:-target/site}/${LEPTOS_SITE_PKG_DIR:-pkg}/${LEPTOS_OUTPUT_NAME:-bazaar}"*.js | head -n 1)"
  if grep -q "__wasm_split_placeholder__" "$glue"; then
    echo "build.sh: $glue imports __wasm_split_placeholder__: the WASM was not split" >&2
    exit 1
  fi
fi
