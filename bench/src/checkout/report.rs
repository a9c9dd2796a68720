//! Turning the run into a text report and one JSON line.

use std::{collections::BTreeMap, time::Duration};

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::{
    error::BenchError,
    run::{Outcome, TimedRun},
    setup::Prepared,
    verify::{ReadBack, Replays, StockCheck},
};

/// Histogram range: 1 µs .. 1 h, 3 significant digits (0.1 % error).
const HIST_MAX_US: u64 = 3_600_000_000;
const HIST_SIGFIG: u8 = 3;

/// Latency percentiles of a set of checkouts, ms.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    /// Checkouts measured.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of `samples` (all zero when empty).
    pub fn of(samples: impl Iterator<Item = Duration>) -> Result<Self, BenchError> {
        let mut hist = Histogram::<u64>::new_with_bounds(1, HIST_MAX_US, HIST_SIGFIG)?;
        for d in samples {
            hist.saturating_record(u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1));
        }
        if hist.is_empty() {
            return Ok(Self::default());
        }
        let ms = |us: u64| round3(us as f64 / 1000.0);
        Ok(Self {
            count: hist.len(),
            p50_ms: ms(hist.value_at_quantile(0.50)),
            p90_ms: ms(hist.value_at_quantile(0.90)),
            p99_ms: ms(hist.value_at_quantile(0.99)),
            max_ms: ms(hist.max()),
        })
    }
}

/// Everything reported (the JSON line is this object).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Random id of this run (in emails and idempotency keys).
    pub run_id: String,
    /// Seed of the spread assignment.
    pub seed: u64,
    /// Buyers, one checkout each.
    pub buyers: usize,
    /// Checkouts in flight at once.
    pub concurrency: usize,
    /// Buyers with a variant of their own.
    pub spread_buyers: usize,
    /// Distinct variants among the spread buyers' carts.
    pub spread_variants: usize,
    /// Buyers who all want the contended variant.
    pub contended_buyers: usize,
    /// The contended variant's SKU.
    pub contended_sku: String,
    /// "Product (variant label)".
    pub contended_item: String,
    /// `--contended-stock`: the stock we looked for.
    pub contended_stock_wanted: u64,
    /// Setup time (registering, discovery, carts), seconds; not timed.
    pub setup_s: f64,
    /// Part of the setup spent registering buyers, seconds.
    pub register_s: f64,
    /// Checkouts sent in the timed phase.
    pub checkouts: u64,
    /// HTTP 200 answers.
    pub orders_placed: u64,
    /// HTTP 409 `OutOfStock` answers.
    pub sold_out: u64,
    /// Every other answer or failure.
    pub other_errors: u64,
    /// `other_errors` by kind, e.g. `{"500 Internal": 3, "timeout": 1}`.
    pub error_kinds: BTreeMap<String, u64>,
    /// The first other error, for diagnosis.
    pub first_error: Option<String>,
    /// Sold-out answers to spread buyers (their stock was reserved for
    /// them, so this should be 0).
    pub spread_sold_out: u64,
    /// Timed phase wall time, seconds.
    pub elapsed_s: f64,
    /// Orders placed per second of the timed phase.
    pub orders_per_sec: f64,
    /// Checkout answers (any outcome) per second.
    pub checkouts_per_sec: f64,
    /// Latency of every checkout, whatever its outcome.
    pub latency: Latency,
    /// Latency of the checkouts that placed an order.
    pub latency_placed: Latency,
    /// S0: contended stock before the timed phase.
    pub stock_before: i64,
    /// S1: contended stock after it.
    pub stock_after: i64,
    /// Orders placed by contended buyers.
    pub contended_sold: u64,
    /// `max(0, contended_sold − S0)`.
    pub oversold_units: u64,
    /// `S1 == S0 − contended_sold` (and `S1 ≥ 0`).
    pub stock_balanced: bool,
    /// Orders read back with `/api/orders/get`.
    pub orders_read_back: u64,
    /// Orders that could not be read back.
    pub order_read_errors: u64,
    /// Orders read back that are not 1 unit of the buyer's cart line.
    pub orders_wrong_contents: u64,
    /// Units of the contended variant in the orders read back.
    pub contended_units_in_orders: u64,
    /// Checkouts replayed with their original key.
    pub replays: u64,
    /// Replays that returned the original order id.
    pub replays_same_order: u64,
    /// Contended stock after the replays (should equal `stock_after`).
    pub stock_after_replays: i64,
    /// True when nothing was oversold, the stock balances (also after the
    /// replays) and every replay returned its order.
    pub passed: bool,
}

/// The inputs of a [`Report`] that are not part of the setup or timed run.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The contended stock check.
    pub stock: StockCheck,
    /// Orders read back.
    pub read_back: ReadBack,
    /// Replays.
    pub replays: Replays,
    /// Contended stock after the replays.
    pub stock_after_replays: i64,
}

/// Identification of the run.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// See [`Report::run_id`].
    pub run_id: String,
    /// See [`Report::seed`].
    pub seed: u64,
    /// See [`Report::concurrency`].
    pub concurrency: usize,
    /// See [`Report::contended_stock_wanted`].
    pub contended_stock_wanted: u64,
}

impl Report {
    /// Assembles the report.
    pub fn new(
        info: RunInfo,
        prepared: &Prepared,
        run: &TimedRun,
        verified: &Verification,
    ) -> Result<Self, BenchError> {
        let mut placed = 0;
        let mut sold_out = 0;
        let mut spread_sold_out = 0;
        let mut error_kinds = BTreeMap::new();
        let mut first_error = None;
        for c in &run.checkouts {
            match &c.outcome {
                Outcome::Placed(_) => placed += 1,
                Outcome::SoldOut => {
                    sold_out += 1;
                    if !c.contended {
                        spread_sold_out += 1;
                    }
                }
                Outcome::Failed(e) => {
                    *error_kinds.entry(e.kind()).or_insert(0) += 1;
                    first_error.get_or_insert_with(|| format!("buyer {}: {e}", c.buyer));
                }
            }
        }
        let checkouts = run.checkouts.len() as u64;
        let secs = run.elapsed.as_secs_f64();
        let per_sec = |n: u64| {
            if secs > 0.0 {
                round3(n as f64 / secs)
            } else {
                0.0
            }
        };
        let contended_buyers = prepared.buyers.iter().filter(|b| b.contended).count();
        let stock = verified.stock;
        let replays = &verified.replays;
        let passed = stock.oversold == 0
            && stock.balanced
            && verified.stock_after_replays == stock.after
            && replays.same == replays.tried;
        Ok(Self {
            run_id: info.run_id,
            seed: info.seed,
            buyers: prepared.buyers.len(),
            concurrency: info.concurrency,
            spread_buyers: prepared.buyers.len() - contended_buyers,
            spread_variants: prepared.spread_variants,
            contended_buyers,
            contended_sku: prepared.contended.sku.clone(),
            contended_item: format!(
                "{} ({})",
                prepared.contended.product, prepared.contended.label
            ),
            contended_stock_wanted: info.contended_stock_wanted,
            setup_s: round3(prepared.setup_time.as_secs_f64()),
            register_s: round3(prepared.register_time.as_secs_f64()),
            checkouts,
            orders_placed: placed,
            sold_out,
            other_errors: checkouts - placed - sold_out,
            error_kinds,
            first_error,
            spread_sold_out,
            elapsed_s: round3(secs),
            orders_per_sec: per_sec(placed),
            checkouts_per_sec: per_sec(checkouts),
            latency: Latency::of(run.checkouts.iter().map(|c| c.latency))?,
            latency_placed: Latency::of(
                run.checkouts
                    .iter()
                    .filter(|c| c.order_id().is_some())
                    .map(|c| c.latency),
            )?,
            stock_before: stock.before,
            stock_after: stock.after,
            contended_sold: stock.sold,
            oversold_units: stock.oversold,
            stock_balanced: stock.balanced,
            orders_read_back: verified.read_back.read,
            order_read_errors: verified.read_back.failed,
            orders_wrong_contents: verified.read_back.wrong_contents,
            contended_units_in_orders: verified.read_back.contended_units,
            replays: replays.tried,
            replays_same_order: replays.same,
            stock_after_replays: verified.stock_after_replays,
            passed,
        })
    }

    /// Prints the human-readable report.
    pub fn print(&self, stock: &StockCheck, read_back: &ReadBack, replays: &Replays) {
        let r = self;
        println!();
        println!("timed phase: every buyer checks out once");
        println!("buyers:            {}", r.buyers);
        println!("concurrency:       {}", r.concurrency);
        println!("orders placed:     {}", r.orders_placed);
        println!("sold-out answers:  {}", r.sold_out);
        println!("other errors:      {}", r.other_errors);
        println!("elapsed:           {:.3} s", r.elapsed_s);
        println!(
            "orders/s:          {:.1}   (checkout answers/s: {:.1})",
            r.orders_per_sec, r.checkouts_per_sec
        );
        print_latency("latency, all answers: ", &r.latency);
        print_latency("latency, orders only: ", &r.latency_placed);
        for (kind, n) in &r.error_kinds {
            println!("  other error {kind}: {n}");
        }
        if let Some(e) = &r.first_error {
            println!("  first other error: {e}");
        }

        println!();
        println!(
            "verification of the contended variant {} — {}",
            r.contended_sku, r.contended_item
        );
        println!(
            "stock before (S0): {}   orders placed for it: {}   sold-out answers: {}   stock after (S1): {}",
            stock.before,
            stock.sold,
            (r.contended_buyers as u64).saturating_sub(stock.sold),
            stock.after
        );
        println!("oversold units: {}", stock.oversold);
        if stock.balanced {
            println!(
                "stock arithmetic: balanced (S0 {} − sold {} = S1 {})",
                stock.before, stock.sold, stock.after
            );
        } else {
            println!(
                "stock arithmetic: DOES NOT BALANCE (S0 {} − sold {} = {}, but S1 = {})",
                stock.before,
                stock.sold,
                stock.expected_after(),
                stock.after
            );
        }
        println!(
            "orders read back: {}/{} via /api/orders/get, {} unit(s) of {} in them, {} not matching their cart",
            read_back.read,
            r.orders_placed,
            read_back.contended_units,
            r.contended_sku,
            read_back.wrong_contents
        );
        println!(
            "replays returning the same order: {}/{}",
            replays.same, replays.tried
        );
        if r.stock_after_replays == stock.after {
            println!("stock after replays: {} (unchanged)", r.stock_after_replays);
        } else {
            println!(
                "stock after replays: {} — CHANGED from {}: a replay took stock",
                r.stock_after_replays, stock.after
            );
        }

        let mut warnings = Vec::new();
        if stock.before >= 0 && stock.before as u64 >= r.contended_buyers as u64 {
            warnings.push(format!(
                "the contended variant had {} units for {} buyers, so it could not sell out; \
                 use a lower --contended-stock or more --buyers for a real contest",
                stock.before, r.contended_buyers
            ));
        }
        if stock.sold < stock.before.max(0) as u64 && r.sold_out > r.spread_sold_out {
            warnings.push(format!(
                "undersold: {} unit(s) of the contended variant were left while buyers were told it was sold out",
                stock.before.max(0) as u64 - stock.sold
            ));
        }
        if r.spread_sold_out > 0 {
            warnings.push(format!(
                "{} spread buyer(s) were told their variant was sold out although a unit was there for each",
                r.spread_sold_out
            ));
        }
        if let Some(p) = &read_back.first_problem {
            warnings.push(format!("order read-back: {p}"));
        }
        if let Some(p) = &replays.first_problem {
            warnings.push(format!("replay: {p}"));
        }
        for w in &warnings {
            println!("warning: {w}");
        }
        println!();
        println!(
            "result: {}",
            if r.passed {
                "PASS"
            } else {
                "FAIL (oversold, unbalanced stock or a replay that did not return its order)"
            }
        );
    }

    /// Prints the JSON line.
    pub fn print_json(&self) -> Result<(), BenchError> {
        println!("{}", serde_json::to_string(self)?);
        Ok(())
    }
}

fn print_latency(label: &str, l: &Latency) {
    println!(
        "{label}p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms  (n = {})",
        l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.count
    );
}

/// Rounds to three decimals so JSON stays readable.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
mod tests {
    use super::*;

    #[test]
    fn latency_percentiles() {
        let l = Latency::of((1..=100).map(Duration::from_millis)).unwrap();
        assert_eq!(l.count, 100);
        assert!((l.p50_ms - 50.0).abs() < 0.1, "{l:?}");
        assert!((l.p99_ms - 99.0).abs() < 0.1, "{l:?}");
        assert!((l.max_ms - 100.0).abs() < 0.1, "{l:?}");
        assert_eq!(Latency::of(std::iter::empty()).unwrap().count, 0);
    }
}
