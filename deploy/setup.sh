#!/usr/bin/env bash
# Installs what building and testing Bazaar needs and is missing, and
# nothing that is already there. Safe to run again. Called by start.sh and
# test.sh; `--browser` also installs Chromium and the Playwright packages,
# `--wasm-opt` the WASM optimiser used by release builds.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
want_wasm_opt=false
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=true ;;
    --wasm-opt) want_wasm_opt=true ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

CARGO_LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen version pinned in Cargo.toml: cargo-leptos
# takes the CLI from PATH and never checks that the two match.
WASM_BINDGEN_VERSION=0.2.130
# Debian's binaryen 108 emits WASM that fails to hydrate; npm's 132 works.
BINARYEN_VERSION=132.0.0
TOOLS_DIR="$PWD/target/tools"

step() { printf '\n==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores; once per machine)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes; once per machine)"
  # --locked fails: one of its locked dependencies has left the registry.
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if $want_wasm_opt && [ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
  step "Installing wasm-opt (binaryen $BINARYEN_VERSION from npm) into target/tools"
  mkdir -p "$TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
fi

if $want_browser; then
  if [ ! -x /usr/bin/chromium ]; then
    step "Installing Chromium from Debian"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "Installing the Playwright test runner (npm, no browser download)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix end2end --no-audit --no-fund
  fi
fi
