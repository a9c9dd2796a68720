#!/usr/bin/env bash
# Builds the server and the browser bundle: `build.sh` (debug) or
# `build.sh --release`. Always with `--split`: lazy routes (the admin desk)
# become separate WASM chunks loaded on demand, so the storefront's first
# load does not carry them. Every build script goes through here, so no
# build ever ships without the split.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo leptos build --split "$@"

# The JS glue must import the split loader, not the placeholder the lazy
# macros leave in an unsplit WASM; a page would then never hydrate. Seen
# once on a first build: build again, and stop if it persists.
glue="${LEPTOS_SITE_ROOT:-target/site}/${LEPTOS_SITE_PKG_DIR:-pkg}/${LEPTOS_OUTPUT_NAME:-bazaar}.js"
if grep -q "__wasm_split_placeholder__" "$glue"; then
  echo "build.sh: $glue still imports the split placeholder; building again" >&2
  touch frontend/src/lib.rs
  cargo leptos build --split "$@"
  if grep -q "__wasm_split_placeholder__" "$glue"; then
    echo "build.sh: $glue imports __wasm_split_placeholder__: the WASM was not split" >&2
    exit 1
  fi
fi
