"""Summarizes bench/catalog.sh.

`catalog-summary.py rounds HALF_RATES` reads http-bench's JSON lines (each
page's copy, then the page, round after round) from stdin and prints, per
page, the medians over the rounds with their spread and the ratio to the
copy; it writes each page's URL and half its median requests/s to the
file HALF_RATES. `catalog-summary.py half` reads the JSON lines of the
paced runs at those rates and prints each page's p99 against the target."""

import json
import statistics
import sys

TARGET = 0.5  # issue 11 target 1: a page at least half as fast as its bytes
P99_TARGET_MS = 10.0  # ... and its p99 at half of the maximum load


def spread(values, fmt):
    return f"{fmt.format(min(values))}–{fmt.format(max(values))}"


def read_reports():
    return [json.loads(line) for line in sys.stdin if line.startswith("{")]


def rounds(half_rates_file):
    reports = read_reports()
    if not reports or len(reports) % 2:
        sys.exit("catalog-summary: expected copy/page pairs of http-bench JSON lines")
    pages = {}
    for copy, page in zip(reports[::2], reports[1::2]):
        if "/bench-copies/" not in copy["label"]:
            sys.exit(f"catalog-summary: {copy['label']} is not a copy")
        for report in (copy, page):
            if report["non_2xx"] or report["errors"]:
                sys.exit(f"catalog-summary: {report['label']} had non-2xx answers or errors")
        runs = pages.setdefault(page["label"], [])
        runs.append((page, copy))
    print("Summary: medians over the rounds (spread fastest–slowest); ratio = page req/s ÷ its copy's req/s in the same round")
    print(f"  {'page':<52} {'page req/s':>22} {'copy req/s':>24} {'ratio':>22} {'page p99 ms':>16}  met (≥ {TARGET}×)")
    for label, runs in pages.items():
        rps = [p["requests_per_sec"] for p, _ in runs]
        base = [c["requests_per_sec"] for _, c in runs]
        ratios = [p["requests_per_sec"] / c["requests_per_sec"] for p, c in runs]
        p99 = [p["full_p99_ms"] for p, _ in runs]
        ratio = statistics.median(ratios)
        print(
            f"  {label:<52} {statistics.median(rps):>9,.0f} ({spread(rps, '{:,.0f}'):>11})"
            f" {statistics.median(base):>10,.0f} ({spread(base, '{:,.0f}'):>11})"
            f" {ratio:>7.3f}× ({spread(ratios, '{:.3f}'):>11})"
            f" {statistics.median(p99):>6.2f} ({spread(p99, '{:.2f}')})"
            f"  {'yes' if ratio >= TARGET else 'no'}"
        )
    with open(half_rates_file, "w") as out:
        for label, runs in pages.items():
            out.write(f"{label} {max(1, round(statistics.median(p['requests_per_sec'] for p, _ in runs) / 2))}\n")


def half():
    print(f"p99 at half of each page's median maximum (paced, latency from each request's due time), target ≤ {P99_TARGET_MS:g} ms")
    print(f"  {'page':<52} {'rate req/s':>11} {'p50 ms':>8} {'p99 ms':>8}  met")
    for report in read_reports():
        p99 = report["full_p99_ms"]
        print(
            f"  {report['label']:<52} {report['requests_per_sec']:>11,.0f} {report['full_p50_ms']:>8.2f} {p99:>8.2f}"
            f"  {'yes' if p99 <= P99_TARGET_MS and not report['non_2xx'] and not report['errors'] else 'no'}"
        )


def main():
    match sys.argv[1:]:
        case ["rounds", half_rates_file]:
            rounds(half_rates_file)
        case ["half"]:
            half()
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main()
