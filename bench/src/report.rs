//! Turning measurements into a table and JSON lines.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::{
    client::ColdSample,
    error::{BenchError, RequestError},
    measure::PhaseResult,
};

/// Everything reported for one target (one JSON line per target).
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// "bare axum handler" or the URL.
    pub label: String,
    /// True for the in-process baseline.
    pub baseline: bool,
    /// Concurrent connections used.
    pub concurrency: usize,
    /// Measured wall time, seconds.
    pub elapsed_s: f64,
    /// Completed responses (any status).
    pub responses: u64,
    /// Completed responses per second.
    pub requests_per_sec: f64,
    /// Time to first byte (until the response head arrived), median, ms.
    pub ttfb_p50_ms: f64,
    /// TTFB, 90th percentile, ms.
    pub ttfb_p90_ms: f64,
    /// TTFB, 99th percentile, ms.
    pub ttfb_p99_ms: f64,
    /// TTFB, maximum, ms.
    pub ttfb_max_ms: f64,
    /// Full response time (until the last body byte), median, ms.
    pub full_p50_ms: f64,
    /// Full response time, 99th percentile, ms.
    pub full_p99_ms: f64,
    /// Mean body bytes per response.
    pub bytes_per_response: f64,
    /// Responses with a non-2xx status.
    pub non_2xx: u64,
    /// Failed attempts (connect, I/O, timeout).
    pub errors: u64,
    /// TCP connections opened during the measured phase.
    pub connections: u64,
    /// Cold request: connect time on a fresh connection, ms.
    pub cold_connect_ms: Option<f64>,
    /// Cold request: TTFB including connect, ms.
    pub cold_ttfb_ms: Option<f64>,
    /// Cold request: status code.
    pub cold_status: Option<u16>,
    /// First error message seen, if any.
    pub first_error: Option<String>,
    /// This target's req/s divided by the baseline's (1.0 = as fast).
    pub rps_ratio_vs_baseline: Option<f64>,
    /// This target's p50 TTFB divided by the baseline's (1.0 = as fast).
    pub ttfb_p50_ratio_vs_baseline: Option<f64>,
}

impl TargetReport {
    /// Builds the report for one target.
    pub fn new(
        label: String,
        baseline: bool,
        concurrency: usize,
        cold: &Result<ColdSample, RequestError>,
        phase: &PhaseResult,
    ) -> Self {
        let s = &phase.stats;
        let secs = phase.elapsed.as_secs_f64();
        let (cold_connect_ms, cold_ttfb_ms, cold_status, cold_error) = match cold {
            Ok(c) => (
                Some(ms(c.connect)),
                Some(ms(c.ttfb)),
                Some(c.status.as_u16()),
                None,
            ),
            Err(e) => (None, None, None, Some(format!("cold request: {e}"))),
        };
        Self {
            label,
            baseline,
            concurrency,
            elapsed_s: round3(secs),
            responses: s.responses,
            requests_per_sec: if secs > 0.0 {
                round3(s.responses as f64 / secs)
            } else {
                0.0
            },
            ttfb_p50_ms: pct(&s.ttfb_us, 50.0, s.responses),
            ttfb_p90_ms: pct(&s.ttfb_us, 90.0, s.responses),
            ttfb_p99_ms: pct(&s.ttfb_us, 99.0, s.responses),
            ttfb_max_ms: if s.responses == 0 {
                0.0
            } else {
                s.ttfb_us.max() as f64 / 1000.0
            },
            full_p50_ms: pct(&s.total_us, 50.0, s.responses),
            full_p99_ms: pct(&s.total_us, 99.0, s.responses),
            bytes_per_response: if s.responses == 0 {
                0.0
            } else {
                round3(s.body_bytes as f64 / s.responses as f64)
            },
            non_2xx: s.non_2xx,
            errors: s.errors,
            connections: s.connections,
            cold_connect_ms,
            cold_ttfb_ms,
            cold_status,
            first_error: s.first_error.clone().or(cold_error),
            rps_ratio_vs_baseline: None,
            ttfb_p50_ratio_vs_baseline: None,
        }
    }

    /// Fills in the ratios against `base` (left empty when either side has no
    /// responses, so a dead target shows `n/a` rather than a fake `0x`).
    pub fn compare_to(&mut self, base: &TargetReport) {
        if base.requests_per_sec > 0.0 && self.responses > 0 {
            self.rps_ratio_vs_baseline =
                Some(round3(self.requests_per_sec / base.requests_per_sec));
        }
        if base.ttfb_p50_ms > 0.0 && self.responses > 0 {
            self.ttfb_p50_ratio_vs_baseline = Some(round3(self.ttfb_p50_ms / base.ttfb_p50_ms));
        }
    }

    /// True if at least one 2xx response came back.
    pub fn any_success(&self) -> bool {
        self.responses > self.non_2xx
    }
}

/// Value at `p` percent in ms; 0 for an empty histogram.
fn pct(h: &Histogram<u64>, p: f64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        h.value_at_percentile(p) as f64 / 1000.0
    }
}

/// Milliseconds, rounded to the microsecond.
fn ms(d: Duration) -> f64 {
    round3(d.as_secs_f64() * 1000.0)
}

/// Rounds to three decimals so JSON stays readable.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Header line describing the run.
pub fn print_header(concurrency: usize, run: &str, warmup: Duration) {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "http-bench: {concurrency} keep-alive connections, {run}, warm-up {:.1} s, {cores} CPU(s) \
         (load generator and server share them)",
        warmup.as_secs_f64()
    );
}

/// Prints the main table and, if a baseline exists, the ratio table.
pub fn print_table(reports: &[TargetReport]) {
    let width = reports
        .iter()
        .map(|r| r.label.len())
        .max()
        .unwrap_or(6)
        .max(6);
    println!();
    println!(
        "times in ms; TTFB = until the response head arrived, full = until the last body byte"
    );
    println!(
        "{:<width$}  {:>9}  {:>8} {:>8} {:>8} {:>8}  {:>8} {:>8}  {:>9}  {:>7} {:>6}  {:>9}",
        "target",
        "req/s",
        "TTFB p50",
        "p90",
        "p99",
        "max",
        "full p50",
        "p99",
        "bytes/rsp",
        "non-2xx",
        "errors",
        "cold TTFB",
    );
    for r in reports {
        let cold = r
            .cold_ttfb_ms
            .map_or_else(|| "failed".to_owned(), |v| format!("{v:.3}"));
        println!(
            "{:<width$}  {:>9.1}  {:>8.3} {:>8.3} {:>8.3} {:>8.3}  {:>8.3} {:>8.3}  {:>9.0}  {:>7} {:>6}  {:>9}",
            r.label,
            r.requests_per_sec,
            r.ttfb_p50_ms,
            r.ttfb_p90_ms,
            r.ttfb_p99_ms,
            r.ttfb_max_ms,
            r.full_p50_ms,
            r.full_p99_ms,
            r.bytes_per_response,
            r.non_2xx,
            r.errors,
            cold,
        );
    }

    if let Some(base) = reports.iter().find(|r| r.baseline) {
        let others: Vec<&TargetReport> = reports.iter().filter(|r| !r.baseline).collect();
        if !others.is_empty() {
            println!();
            println!(
                "relative to the {} ({:.1} req/s, p50 TTFB {:.3} ms):",
                base.label, base.requests_per_sec, base.ttfb_p50_ms
            );
            println!(
                "{:<width$}  {:>11}  {:>14}",
                "target", "req/s ratio", "p50 TTFB ratio"
            );
            for r in others {
                println!(
                    "{:<width$}  {:>11}  {:>14}",
                    r.label,
                    ratio(r.rps_ratio_vs_baseline),
                    ratio(r.ttfb_p50_ratio_vs_baseline),
                );
            }
            println!("(req/s ratio < 1: fewer requests/s than the baseline; p50 TTFB ratio > 1: slower first byte)");
        }
    }

    let problems: Vec<&TargetReport> = reports
        .iter()
        .filter(|r| r.first_error.is_some() || r.non_2xx > 0)
        .collect();
    if !problems.is_empty() {
        println!();
        for r in problems {
            if r.non_2xx > 0 {
                println!("warning: {}: {} non-2xx responses", r.label, r.non_2xx);
            }
            if let Some(e) = &r.first_error {
                println!("warning: {}: {} error(s), first: {e}", r.label, r.errors);
            }
        }
    }
}

fn ratio(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.3}x"))
}

/// Prints one JSON object per line.
pub fn print_json(reports: &[TargetReport]) -> Result<(), BenchError> {
    for r in reports {
        println!("{}", serde_json::to_string(r)?);
    }
    Ok(())
}
