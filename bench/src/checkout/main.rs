//! `checkout-bench`: concurrent checkout load and an oversell check for
//! Bazaar, over its JSON API, on the local machine only.
//!
//! Setup (not timed) registers C buyers, each in its own cookie-keeping
//! session, and reads the catalog's in-stock variants. The timed phase lets
//! every buyer add 1 unit to the cart and check out, again and again, until
//! `--duration` is up: the first half buy units of the other variants off
//! a shelf that promises each unit to one buyer, the second half go for
//! one shared "contended" variant until it is sold out to them.
//! Verification re-reads the contended variant's stock and checks that it
//! went down by exactly the number of orders placed for it and that no more
//! were placed than there were units, reads every order back, and replays
//! some checkouts with their idempotency keys. See `bench/README.md`.

mod api;
mod args;
mod error;
mod pool;
mod report;
mod run;
mod setup;
mod shelf;
mod target;
mod verify;

use std::{process::ExitCode, sync::Arc};

use rand::{rngs::StdRng, Rng, SeedableRng};

use args::{Command, Config};
use error::BenchError;
use report::{Report, RunInfo, Verification};
use setup::Plan;
use verify::StockCheck;

/// Checkouts replayed with their original idempotency key.
const REPLAYS: usize = 10;

/// Exit status when a check failed (oversold, unbalanced, an order not
/// holding what was bought, bad replay).
const EXIT_CHECK_FAILED: u8 = 1;
/// Exit status for bad arguments.
const EXIT_USAGE: u8 = 2;
/// Exit status when the benchmark could not run.
const EXIT_CANNOT_RUN: u8 = 3;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match args::parse(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            print!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("checkout-bench: {e}");
            eprintln!("try `checkout-bench --help`");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match run(&config).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("checkout-bench: a check failed (see the report above)");
            ExitCode::from(EXIT_CHECK_FAILED)
        }
        Err(e) => {
            eprintln!("checkout-bench: {e}");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// Setup, timed phase, verification. Returns whether every check passed.
async fn run(config: &Config) -> Result<bool, BenchError> {
    let target = Arc::new(config.base_url.resolve().await?);
    let seed = config.seed.unwrap_or_else(|| rand::thread_rng().gen());
    let mut rng = StdRng::seed_from_u64(seed);
    let run_id = setup::new_run_id();
    let plan = Plan {
        buyers: config.concurrency,
        contended_stock: config.contended_stock,
        timeout: config.timeout,
    };

    let prepared = setup::prepare(&target, plan, &run_id, &mut rng).await?;
    let contended = &prepared.contended;
    let shelf = (prepared.shelf.units(), prepared.shelf.variants());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "checkout-bench: run {} against {}, {} buyers at once for {:.1} s, {cores} CPU(s) \
         (load generator and server share them)",
        run_id,
        config.base_url.original,
        config.concurrency,
        config.duration.as_secs_f64()
    );
    println!(
        "setup (not timed): {:.1} s, of which registering {:.1} s; {} in-stock variants on {} search page(s); seed {seed}",
        prepared.setup_time.as_secs_f64(),
        prepared.register_time.as_secs_f64(),
        prepared.variants_found,
        prepared.pages_read
    );
    let contending = prepared.buyers.iter().filter(|b| b.contends).count();
    println!(
        "shelf: {} units of {} variants; {contending} buyers first go for {} — {} ({})",
        shelf.0, shelf.1, contended.sku, contended.product, contended.label
    );

    let before = verify::read_stock(&prepared.reader, contended).await?;
    println!(
        "contended variant stock S0 = {before} (closest found to --contended-stock {})",
        config.contended_stock
    );

    eprintln!(
        "-> timed phase: {} buyers for {:.1} s",
        prepared.buyers.len(),
        config.duration.as_secs_f64()
    );
    let timed = run::shop(
        &prepared.buyers,
        &prepared.shelf,
        &contended.sku,
        &run_id,
        config.duration,
    )
    .await?;

    eprintln!("-> verifying");
    let after = verify::read_stock(&prepared.reader, contended).await?;
    let stock = StockCheck::new(before, after, verify::contended_sold(&timed.attempts));
    let read_back = verify::read_back(
        &prepared.buyers,
        &timed.attempts,
        &contended.sku,
        config.concurrency,
    )
    .await?;
    let picks = verify::pick_replays(&timed.attempts, REPLAYS);
    let replays = verify::replay(&prepared.buyers, &timed.attempts, &picks).await?;
    let stock_after_replays = verify::read_stock(&prepared.reader, contended).await?;

    let verification = Verification {
        stock,
        read_back,
        replays,
        stock_after_replays,
    };
    let info = RunInfo {
        run_id,
        seed,
        duration: config.duration,
        contended_stock_wanted: config.contended_stock,
        shelf,
    };
    let report = Report::new(info, &prepared, &timed, &verification)?;
    report.print(
        &verification.stock,
        &verification.read_back,
        &verification.replays,
    );
    if config.json {
        println!();
        report.print_json()?;
    }
    Ok(report.passed)
}
