//! `checkout-bench`: concurrent checkout load and an oversell check for
//! Bazaar, over its JSON API, on the local machine only.
//!
//! Setup (not timed) registers N buyers, each in its own cookie-keeping
//! session, and gives each a one-line cart: the first half a unit of a
//! variant of their own, the second half a unit of one shared "contended"
//! variant. The timed phase checks every buyer out at once (at most C in
//! flight). Verification re-reads the contended variant's stock and checks
//! that it went down by exactly the number of orders placed for it and that
//! no more were placed than there were units, reads the orders back, and
//! replays some checkouts with their idempotency keys. See `bench/README.md`.

mod api;
mod args;
mod error;
mod pool;
mod report;
mod run;
mod setup;
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

/// Exit status when a check failed (oversold, unbalanced, bad replay).
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
        buyers: config.buyers,
        concurrency: config.concurrency,
        contended_stock: config.contended_stock,
        timeout: config.timeout,
    };

    let prepared = setup::prepare(&target, plan, &run_id, &mut rng).await?;
    let contended = &prepared.contended;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "checkout-bench: run {} against {}, {} buyers, concurrency {}, {cores} CPU(s) \
         (load generator and server share them)",
        run_id, config.base_url.original, config.buyers, config.concurrency
    );
    println!(
        "setup (not timed): {:.1} s, of which registering {:.1} s; {} in-stock variants on {} search page(s); seed {seed}",
        prepared.setup_time.as_secs_f64(),
        prepared.register_time.as_secs_f64(),
        prepared.variants_found,
        prepared.pages_read
    );
    println!(
        "buyers 0..{}: 1 unit each of {} different variant(s); buyers {}..{}: 1 unit each of {} — {} ({})",
        plan.spread(),
        prepared.spread_variants,
        plan.spread(),
        config.buyers,
        contended.sku,
        contended.product,
        contended.label
    );

    let before = verify::read_stock(&prepared.reader, contended).await?;
    println!(
        "contended variant stock S0 = {before} (closest found to --contended-stock {})",
        config.contended_stock
    );

    eprintln!(
        "-> timed phase: {} checkouts, {} at a time",
        prepared.buyers.len(),
        config.concurrency
    );
    let timed = run::check_out_all(&prepared.buyers, &run_id, config.concurrency).await?;

    eprintln!("-> verifying");
    let after = verify::read_stock(&prepared.reader, contended).await?;
    let stock = StockCheck::new(before, after, verify::contended_sold(&timed.checkouts));
    let read_back = verify::read_back(
        &prepared.buyers,
        &timed.checkouts,
        &contended.sku,
        config.concurrency,
    )
    .await?;
    let picks = verify::pick_replays(&timed.checkouts, REPLAYS);
    let replays = verify::replay(&prepared.buyers, &timed.checkouts, &picks).await?;
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
        concurrency: config.concurrency,
        contended_stock_wanted: config.contended_stock,
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
