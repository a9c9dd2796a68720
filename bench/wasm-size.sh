#!/usr/bin/env bash
# Prints what a browser downloads for the storefront's first load (the main
# WASM, its JS glue and the split loader) and, separately, each lazily
# loaded chunk (the admin and seller areas, the account, cart, checkout,
# order and wishlist pages, the chat panel): raw, gzip -9 and brotli -q 11
# bytes.
#
# Usage: bench/wasm-size.sh [--no-build] [--unsplit] [--baseline REV]
#   Without --no-build it first runs `deploy/build.sh --release`.
#   --unsplit also builds the same code without `--split` (into
#   target/site-unsplit) and prints its single bundle: what the first load
#   would be if the admin desk were not split off.
#   --baseline REV also builds commit REV's browser bundle (release, in a
#   git worktree under target/baseline; the first time takes minutes) and
#   prints the split first load's ratio to it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# wasm-opt from npm (deploy/setup.sh --wasm-opt); Debian's breaks hydration.
export PATH="$REPO_ROOT/target/tools/node_modules/.bin:$PATH"

build=1 unsplit=0 baseline=""
while (($#)); do
    arg=$1
    shift
    case "$arg" in
        --no-build) build=0 ;;
        --unsplit) unsplit=1 ;;
        --baseline)
            baseline="${1:?--baseline needs a commit}"
            shift
            ;;
        -h | --help)
            sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
    bash deploy/build.sh --release
fi

have_brotli=0
command -v brotli >/dev/null 2>&1 && have_brotli=1
((have_brotli)) || echo "(install the brotli CLI, e.g. apt-get install brotli, to also see brotli sizes)"

kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

header() {
    printf '\n%s\n' "$1"
    printf '  %-46s %10s %9s %10s %9s %10s %9s\n' file "raw B" "raw KiB" "gzip-9 B" "gzip KiB" "brotli B" "br KiB"
}

# Prints one row per file and a total row; the totals land in TOTALS.
measure() {
    local total_raw=0 total_gz=0 total_br=0 f raw gz br
    for f in "$@"; do
        raw=$(wc -c <"$f")
        gz=$(gzip -9 -c "$f" | wc -c)
        br=0
        ((have_brotli)) && br=$(brotli -c -q 11 "$f" | wc -c)
        total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
        printf '  %-46s %10s %9s %10s %9s %10s %9s\n' "$(basename "$f")" "$raw" "$(kib "$raw")" "$gz" "$(kib "$gz")" "$br" "$(kib "$br")"
    done
    printf '  %-46s %10s %9s %10s %9s %10s %9s\n' total "$total_raw" "$(kib "$total_raw")" "$total_gz" "$(kib "$total_gz")" "$total_br" "$(kib "$total_br")"
    TOTALS=("$total_raw" "$total_gz" "$total_br")
}

pkg="target/site/pkg"
# A release build's names carry content hashes (bazaar.<hash>.wasm).
first_load=("$pkg"/bazaar*.wasm "$pkg"/bazaar*.js)
for f in "$pkg"/__wasm_split*.js; do
    [[ -f "$f" ]] && first_load+=("$f")
done
for f in "${first_load[@]}"; do
    [[ -f "$f" ]] || { echo "missing $f (build with deploy/build.sh --release first)" >&2; exit 1; }
done
header "Storefront first load (split build, $pkg)"
measure "${first_load[@]}"
split_totals=("${TOTALS[@]}")

# One chunk per lazy route or `#[lazy]` function, and chunk_* for code that
# several of them share but the first load does not need.
chunks=()
for f in "$pkg"/split_*.wasm "$pkg"/chunk_*.wasm; do
    [[ -f "$f" ]] && chunks+=("$f")
done
if ((${#chunks[@]})); then
    header "Lazily loaded chunks (fetched when a lazy route opens)"
    measure "${chunks[@]}"
fi

if ((unsplit)); then
    site="target/site-unsplit"
    LEPTOS_SITE_ROOT="$site" cargo leptos build --release --frontend-only >/dev/null
    header "The same code unsplit: one bundle ($site/pkg)"
    measure "$site/pkg/bazaar.wasm" "$site/pkg/bazaar.js"
    printf '\nSplit first load / unsplit bundle: raw %s, gzip %s, brotli %s\n' \
        "$(awk -v a="${split_totals[0]}" -v b="${TOTALS[0]}" 'BEGIN { printf "%.3f", a / b }')" \
        "$(awk -v a="${split_totals[1]}" -v b="${TOTALS[1]}" 'BEGIN { printf "%.3f", a / b }')" \
        "$(awk -v a="${split_totals[2]}" -v b="${TOTALS[2]:-1}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')"
fi

ratio() { # part whole
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'
}

if [[ -n "$baseline" ]]; then
    tree="target/baseline/$(git rev-parse --short "$baseline")"
    if [[ ! -d "$tree" ]]; then
        git worktree add --detach "$tree" "$baseline" >/dev/null
    fi
    (cd "$tree" && cargo leptos build --release --frontend-only >/dev/null)
    header "Baseline $baseline: first load ($tree/target/site/pkg)"
    base_files=("$tree/target/site/pkg/bazaar.wasm" "$tree/target/site/pkg/bazaar.js")
    for f in "$tree"/target/site/pkg/__wasm_split*.js; do
        [[ -f "$f" ]] && base_files+=("$f")
    done
    measure "${base_files[@]}"
    printf '\nSplit first load / baseline first load: raw %s, gzip %s, brotli %s\n' \
        "$(ratio "${split_totals[0]}" "${TOTALS[0]}")" "$(ratio "${split_totals[1]}" "${TOTALS[1]}")" "$(ratio "${split_totals[2]}" "${TOTALS[2]}")"
fi
