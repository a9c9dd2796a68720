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
    /// Seed of the shelf's order.
    pub seed: u64,
    /// Buyers, all shopping at once: the concurrency.
    pub buyers: usize,
    /// Buyers who went for the contended variant first.
    pub contending_buyers: usize,
    /// The contended variant's SKU.
    pub contended_sku: String,
    /// "Product (variant label)".
    pub contended_item: String,
    /// `--contended-stock`: the stock we looked for.
    pub contended_stock_wanted: u64,
    /// Units of the other variants on the shelf.
    pub shelf_units: u64,
    /// Distinct variants on the shelf.
    pub shelf_variants: usize,
    /// Setup time (registering, discovery), seconds; not timed.
    pub setup_s: f64,
    /// Part of the setup spent registering buyers, seconds.
    pub register_s: f64,
    /// `--duration`: no attempt starts after it, seconds.
    pub duration_s: f64,
    /// Order attempts (cart add + checkout) in the timed phase.
    pub attempts: u64,
    /// Checkouts sent (attempts whose cart add succeeded).
    pub checkouts: u64,
    /// HTTP 200 answers to checkout.
    pub orders_placed: u64,
    /// HTTP 409 `OutOfStock` answers (cart add or checkout).
    pub sold_out: u64,
    /// Every other answer or failure.
    pub other_errors: u64,
    /// `other_errors` by kind, e.g. `{"500 Internal": 3, "timeout": 1}`.
    pub error_kinds: BTreeMap<String, u64>,
    /// The first other error, for diagnosis.
    pub first_error: Option<String>,
    /// Sold-out answers for shelf units (each unit was handed to one
    /// buyer only, so this should be 0).
    pub uncontended_sold_out: u64,
    /// Buyers that stopped early: the shelf was empty.
    pub buyers_out_of_shelf: usize,
    /// Buyers that stopped early: a failed line stayed in their cart.
    pub buyers_stuck: usize,
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
    /// Latency of the cart adds.
    pub latency_cart_add: Latency,
    /// S0: contended stock before the timed phase.
    pub stock_before: i64,
    /// S1: contended stock after it.
    pub stock_after: i64,
    /// Orders placed for the contended variant.
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
    /// replays), every order read back holds what was bought and every
    /// replay returned its order.
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
    /// See [`Report::duration_s`].
    pub duration: Duration,
    /// See [`Report::contended_stock_wanted`].
    pub contended_stock_wanted: u64,
    /// Units and variants on the shelf before the timed phase.
    pub shelf: (u64, usize),
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
        let mut uncontended_sold_out = 0;
        let mut error_kinds = BTreeMap::new();
        let mut first_error = None;
        for a in &run.attempts {
            match &a.outcome {
                Outcome::Placed(_) => placed += 1,
                Outcome::SoldOut => {
                    sold_out += 1;
                    if !a.contended {
                        uncontended_sold_out += 1;
                    }
                }
                Outcome::Failed(e) => {
                    *error_kinds.entry(e.kind()).or_insert(0) += 1;
                    first_error.get_or_insert_with(|| format!("buyer {}: {e}", a.buyer));
                }
            }
        }
        let attempts = run.attempts.len() as u64;
        let checkout_latencies = || run.attempts.iter().filter_map(|a| a.checkout_latency);
        let checkouts = checkout_latencies().count() as u64;
        let secs = run.elapsed.as_secs_f64();
        let per_sec = |n: u64| {
            if secs > 0.0 {
                round3(n as f64 / secs)
            } else {
                0.0
            }
        };
        let stock = verified.stock;
        let replays = &verified.replays;
        let read_back = &verified.read_back;
        let passed = stock.oversold == 0
            && stock.balanced
            && verified.stock_after_replays == stock.after
            && read_back.failed == 0
            && read_back.wrong_contents == 0
            && replays.same == replays.tried;
        Ok(Self {
            run_id: info.run_id,
            seed: info.seed,
            buyers: prepared.buyers.len(),
            contending_buyers: prepared.buyers.iter().filter(|b| b.contends).count(),
            contended_sku: prepared.contended.sku.clone(),
            contended_item: format!(
                "{} ({})",
                prepared.contended.product, prepared.contended.label
            ),
            contended_stock_wanted: info.contended_stock_wanted,
            shelf_units: info.shelf.0,
            shelf_variants: info.shelf.1,
            setup_s: round3(prepared.setup_time.as_secs_f64()),
            register_s: round3(prepared.register_time.as_secs_f64()),
            duration_s: round3(info.duration.as_secs_f64()),
            attempts,
            checkouts,
            orders_placed: placed,
            sold_out,
            other_errors: attempts - placed - sold_out,
            error_kinds,
            first_error,
            uncontended_sold_out,
            buyers_out_of_shelf: run.out_of_shelf,
            buyers_stuck: run.stuck,
            elapsed_s: round3(secs),
            orders_per_sec: per_sec(placed),
            checkouts_per_sec: per_sec(checkouts),
            latency: Latency::of(checkout_latencies())?,
            latency_placed: Latency::of(
                run.attempts
                    .iter()
                    .filter(|a| a.order_id().is_some())
                    .filter_map(|a| a.checkout_latency),
            )?,
            latency_cart_add: Latency::of(run.attempts.iter().map(|a| a.cart_latency))?,
            stock_before: stock.before,
            stock_after: stock.after,
            contended_sold: stock.sold,
            oversold_units: stock.oversold,
            stock_balanced: stock.balanced,
            orders_read_back: read_back.read,
            order_read_errors: read_back.failed,
            orders_wrong_contents: read_back.wrong_contents,
            contended_units_in_orders: read_back.contended_units,
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
        println!(
            "timed phase: every buyer adds 1 unit to the cart and checks out, again and again, for {:.0} s",
            r.duration_s
        );
        println!("buyers at once:    {}", r.buyers);
        println!("order attempts:    {}", r.attempts);
        println!("orders placed:     {}", r.orders_placed);
        println!("sold-out answers:  {}", r.sold_out);
        println!("other errors:      {}", r.other_errors);
        println!("elapsed:           {:.3} s", r.elapsed_s);
        println!(
            "orders/s:          {:.1}   (checkout answers/s: {:.1})",
            r.orders_per_sec, r.checkouts_per_sec
        );
        print_latency("latency, all checkouts: ", &r.latency);
        print_latency("latency, orders only:   ", &r.latency_placed);
        print_latency("latency, cart adds:     ", &r.latency_cart_add);
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
            "stock before (S0): {}   orders placed for it: {}   stock after (S1): {}",
            stock.before, stock.sold, stock.after
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
        if stock.after > 0 {
            warnings.push(format!(
                "the contended variant did not sell out ({} left), so its last unit was never fought over; \
                 use a lower --contended-stock or a longer --duration",
                stock.after
            ));
        }
        if stock.sold < stock.before.max(0) as u64 && r.sold_out > r.uncontended_sold_out {
            warnings.push(format!(
                "undersold: {} unit(s) of the contended variant were left while buyers were told it was sold out",
                stock.before.max(0) as u64 - stock.sold
            ));
        }
        if r.uncontended_sold_out > 0 {
            warnings.push(format!(
                "{} uncontended attempt(s) were told their variant was sold out although the unit was theirs",
                r.uncontended_sold_out
            ));
        }
        if r.buyers_out_of_shelf > 0 {
            warnings.push(format!(
                "{} buyer(s) stopped before the time was up: the shelf of {} units was empty",
                r.buyers_out_of_shelf, r.shelf_units
            ));
        }
        if r.buyers_stuck > 0 {
            warnings.push(format!(
                "{} buyer(s) stopped before the time was up: a failed order's line could not be taken out of the cart",
                r.buyers_stuck
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
                "FAIL (oversold, unbalanced stock, an order not holding what was bought, or a replay that did not return its order)"
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
