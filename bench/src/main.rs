//! `http-bench`: a loopback-only HTTP/1.1 load generator for Bazaar.
//!
//! For every target it measures a cold first request on a fresh connection,
//! then runs an unmeasured warm-up, then a measured phase with N keep-alive
//! connections, and reports TTFB and full-response percentiles, throughput,
//! response size, non-2xx responses and errors. With `--baseline` it first
//! measures a bare axum handler in-process and prints every other target
//! relative to it. See `bench/README.md`.

mod args;
mod baseline;
mod client;
mod error;
mod measure;
mod report;
mod target;

use std::{process::ExitCode, sync::Arc};

use args::{Command, Config, StopRule};
use baseline::BaselineServer;
use error::BenchError;
use report::TargetReport;
use target::Target;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match args::parse(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            print!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("http-bench: {e}");
            eprintln!("try `http-bench --help`");
            return ExitCode::from(2);
        }
    };
    match run(&config).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("http-bench: at least one target returned no 2xx response");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("http-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Benchmarks every target in order. Returns whether every target produced
/// at least one successful response.
async fn run(config: &Config) -> Result<bool, BenchError> {
    // Resolve everything up front so a bad URL fails before any load is sent.
    let mut targets = Vec::with_capacity(config.urls.len() + 1);
    for url in &config.urls {
        targets.push(url.resolve(&config.headers).await?);
    }
    // Kept alive until the end of `run`; dropping it stops the server.
    let baseline = if config.baseline {
        let server = BaselineServer::start().await?;
        targets.insert(0, Target::baseline(server.addr, &config.headers));
        Some(server)
    } else {
        None
    };

    report::print_header(config.concurrency, &describe(config.stop), config.warmup);
    let mut reports = Vec::with_capacity(targets.len());
    for (i, target) in targets.into_iter().enumerate() {
        let is_baseline = baseline.is_some() && i == 0;
        reports.push(bench_one(config, Arc::new(target), is_baseline).await?);
    }
    drop(baseline);

    if let Some(base) = reports.iter().find(|r| r.baseline).cloned() {
        for r in reports.iter_mut().filter(|r| !r.baseline) {
            r.compare_to(&base);
        }
    }
    report::print_table(&reports);
    if config.json {
        println!();
        report::print_json(&reports)?;
    }
    Ok(reports.iter().all(TargetReport::any_success))
}

/// Cold request, warm-up, measured phase for one target.
async fn bench_one(
    config: &Config,
    target: Arc<Target>,
    is_baseline: bool,
) -> Result<TargetReport, BenchError> {
    eprintln!("-> {}: cold request", target.label);
    let cold = client::cold_request(&target, config.timeout).await;
    if !config.warmup.is_zero() {
        eprintln!(
            "-> {}: warm-up {:.1} s",
            target.label,
            config.warmup.as_secs_f64()
        );
        let warmup = StopRule {
            max_time: config.warmup,
            max_requests: None,
        };
        measure::run_phase(&target, config.concurrency, warmup, config.timeout, config.rate).await?;
    }
    eprintln!("-> {}: measuring {}", target.label, describe(config.stop));
    let phase =
        measure::run_phase(&target, config.concurrency, config.stop, config.timeout, config.rate).await?;
    Ok(TargetReport::new(
        target.label.clone(),
        is_baseline,
        config.concurrency,
        &cold,
        &phase,
    ))
}

/// "10.0 s" or "1000 requests (max 300.0 s)".
fn describe(stop: StopRule) -> String {
    match stop.max_requests {
        None => format!("{:.1} s per target", stop.max_time.as_secs_f64()),
        Some(n) => format!(
            "{n} requests per target (max {:.1} s)",
            stop.max_time.as_secs_f64()
        ),
    }
}
