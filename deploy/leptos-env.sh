# Sourced by the scripts in deploy/: the variables cargo-leptos sets when it
# builds, exported for plain `cargo build`/`cargo test` too, so both share
# one set of compiled artifacts instead of rebuilding everything.
export LEPTOS_OUTPUT_NAME=bazaar
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_RELOAD_PORT=3001
export LEPTOS_LIB_DIR=frontend
export LEPTOS_BIN_DIR=server
export LEPTOS_JS_MINIFY=false
export LEPTOS_HASH_FILES="${LEPTOS_HASH_FILES:-false}"
# cargo-leptos adds this flag to debug builds.
export RUSTFLAGS="--cfg erase_components"
