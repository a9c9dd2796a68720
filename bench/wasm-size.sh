#!/usr/bin/env bash
# Prints the size of the client bundle (bazaar.wasm + bazaar.js): raw,
# gzip -9 and, if the `brotli` CLI is installed, brotli -q 11.
#
# Usage: bench/wasm-size.sh [--no-build]
#   Without --no-build it first runs `cargo leptos build --release`.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# wasm-opt from npm (deploy/setup.sh --wasm-opt); Debian's breaks hydration.
export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"

PKG_DIR="target/site/pkg"
build=1
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        -h | --help)
            sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

if ((build)); then
    if ! cargo leptos --version >/dev/null 2>&1; then
        echo "run deploy/start.sh once first to install the toolchain" >&2
        exit 1
    fi
    cargo leptos build --release
fi

# cargo-leptos names the module <output-name>.wasm; older versions used _bg.wasm.
wasm="$PKG_DIR/bazaar.wasm"
[[ -f "$wasm" ]] || wasm="$PKG_DIR/bazaar_bg.wasm"
files=("$wasm" "$PKG_DIR/bazaar.js")
for f in "${files[@]}"; do
    if [[ ! -f "$f" ]]; then
        echo "missing $f (build with cargo leptos build --release first)" >&2
        exit 1
    fi
done

have_brotli=0
command -v brotli >/dev/null 2>&1 && have_brotli=1

kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

row() { # name raw gz [br]
    if ((have_brotli)); then
        printf '%-22s %10s %9s   %10s %9s   %10s %9s\n' "$1" "$2" "$(kib "$2")" "$3" "$(kib "$3")" "$4" "$(kib "$4")"
    else
        printf '%-22s %10s %9s   %10s %9s\n' "$1" "$2" "$(kib "$2")" "$3" "$(kib "$3")"
    fi
}

if ((have_brotli)); then
    printf '%-22s %10s %9s   %10s %9s   %10s %9s\n' file "raw B" "raw KiB" "gzip-9 B" "gzip KiB" "brotli B" "br KiB"
else
    printf '%-22s %10s %9s   %10s %9s\n' file "raw B" "raw KiB" "gzip-9 B" "gzip KiB"
fi

total_raw=0 total_gz=0 total_br=0
for f in "${files[@]}"; do
    raw=$(wc -c <"$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    br=0
    if ((have_brotli)); then
        br=$(brotli -c -q 11 "$f" | wc -c)
    fi
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
    row "$(basename "$f")" "$raw" "$gz" "$br"
done
row total "$total_raw" "$total_gz" "$total_br"
((have_brotli)) || echo "(install the brotli CLI to also see brotli sizes)"
