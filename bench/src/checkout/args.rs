//! Command-line parsing (plain `std::env`, no extra dependency).

use std::time::Duration;

use crate::{error::ArgsError, target::BaseUrl};

/// Help text for `--help`.
pub const USAGE: &str = "\
checkout-bench: concurrent checkout load and an oversell check for Bazaar

USAGE:
    checkout-bench --base-url URL [OPTIONS]

Registers N buyers and fills their carts (not timed): the first half each
get 1 unit of a different in-stock variant, the second half all get 1 unit
of ONE contended variant. Then all N check out at once (timed), and the
contended variant's stock is re-read to check that no unit was sold twice.

OPTIONS:
        --base-url URL          The shop, e.g. http://127.0.0.1:3301. The host must be
                                127.0.0.1, localhost or [::1]; anything else is refused.
    -n, --buyers N              Buyers (customer sessions), at least 2  [default: 200]
    -c, --concurrency C         Requests in flight at once                [default: 32]
        --contended-stock S     Pick the contended variant whose current stock is
                                closest to S (ties: the lower stock)       [default: 20]
        --timeout SECS          Per-request timeout                       [default: 30]
        --seed N                Seed for spreading buyers over variants     [default: random]
        --json                  Also print one JSON object (a line starting with '{')
    -h, --help                  Show this help

EXIT STATUS:
    0  every check passed
    1  oversold units, stock that does not balance, or an idempotent replay
       that did not return the same order
    2  bad arguments
    3  the benchmark could not run (server down, setup failed, ...)
";

/// Most buyers accepted.
const MAX_BUYERS: u64 = 100_000;
/// Largest accepted `--concurrency`.
const MAX_CONCURRENCY: u64 = 1024;

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The shop (loopback only; not yet resolved).
    pub base_url: BaseUrl,
    /// Number of buyers; `buyers / 2` spread, the rest contended.
    pub buyers: usize,
    /// Requests in flight at once, in every phase.
    pub concurrency: usize,
    /// Preferred stock of the contended variant.
    pub contended_stock: u64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Seed for the spread assignment; random when not given.
    pub seed: Option<u64>,
    /// Emit a JSON line after the text report.
    pub json: bool,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Run the benchmark.
    Run(Config),
    /// Print [`USAGE`] and exit.
    Help,
}

/// Parses arguments (without the program name).
pub fn parse<I, S>(args: I) -> Result<Command, ArgsError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut base_url = None;
    let mut buyers: u64 = 200;
    let mut concurrency: u64 = 32;
    let mut contended_stock: u64 = 20;
    let mut timeout = Duration::from_secs(30);
    let mut seed = None;
    let mut json = false;

    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &'static str| -> Result<String, ArgsError> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(ArgsError::MissingValue(name))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--json" => json = true,
            "--base-url" => base_url = Some(BaseUrl::parse(&value("--base-url")?)?),
            "-n" | "--buyers" => {
                buyers = int("--buyers", &value("--buyers")?, 2, MAX_BUYERS, "2..=100000")?;
            }
            "-c" | "--concurrency" => {
                concurrency = int(
                    "--concurrency",
                    &value("--concurrency")?,
                    1,
                    MAX_CONCURRENCY,
                    "1..=1024",
                )?;
            }
            "--contended-stock" => {
                contended_stock = int(
                    "--contended-stock",
                    &value("--contended-stock")?,
                    1,
                    1_000_000,
                    "1..=1000000",
                )?;
            }
            "--timeout" => {
                let raw = value("--timeout")?;
                let secs: f64 = raw.trim().parse().map_err(|_| ArgsError::InvalidNumber {
                    flag: "--timeout",
                    value: raw.clone(),
                })?;
                if !secs.is_finite() || !(0.01..=3600.0).contains(&secs) {
                    return Err(ArgsError::OutOfRange {
                        flag: "--timeout",
                        value: raw,
                        range: "0.01..=3600",
                    });
                }
                timeout = Duration::from_secs_f64(secs);
            }
            "--seed" => seed = Some(int("--seed", &value("--seed")?, 0, u64::MAX, "any u64")?),
            _ => return Err(ArgsError::UnknownArgument(arg)),
        }
    }

    Ok(Command::Run(Config {
        base_url: base_url.ok_or(ArgsError::MissingBaseUrl)?,
        // Both are bounded above, so these never truncate.
        buyers: usize::try_from(buyers).unwrap_or(usize::MAX),
        concurrency: usize::try_from(concurrency).unwrap_or(usize::MAX),
        contended_stock,
        timeout,
        seed,
        json,
    }))
}

/// Parses an integer flag value within `min..=max`.
fn int(
    flag: &'static str,
    value: &str,
    min: u64,
    max: u64,
    range: &'static str,
) -> Result<u64, ArgsError> {
    let n: u64 = value.trim().parse().map_err(|_| ArgsError::InvalidNumber {
        flag,
        value: value.to_owned(),
    })?;
    if n < min || n > max {
        return Err(ArgsError::OutOfRange {
            flag,
            value: value.to_owned(),
            range,
        });
    }
    Ok(n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Config {
        match parse(args.iter().copied()).unwrap() {
            Command::Run(c) => c,
            Command::Help => panic!("unexpected help"),
        }
    }

    #[test]
    fn defaults() {
        let c = run(&["--base-url", "http://127.0.0.1:3301"]);
        assert_eq!(c.buyers, 200);
        assert_eq!(c.concurrency, 32);
        assert_eq!(c.contended_stock, 20);
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert!(c.seed.is_none() && !c.json);
    }

    #[test]
    fn all_options() {
        let c = run(&[
            "--base-url=http://localhost:3301/",
            "--buyers",
            "50",
            "-c",
            "8",
            "--contended-stock=5",
            "--timeout",
            "2.5",
            "--seed",
            "42",
            "--json",
        ]);
        assert_eq!((c.buyers, c.concurrency, c.contended_stock), (50, 8, 5));
        assert_eq!(c.timeout, Duration::from_millis(2500));
        assert_eq!(c.seed, Some(42));
        assert!(c.json);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            parse(Vec::<String>::new()),
            Err(ArgsError::MissingBaseUrl)
        ));
        assert!(matches!(
            parse(["--base-url"]),
            Err(ArgsError::MissingValue(_))
        ));
        assert!(matches!(
            parse(["--base-url", "http://192.168.1.10:3301"]),
            Err(ArgsError::NotLoopback { .. })
        ));
        assert!(matches!(
            parse(["--base-url", "http://127.0.0.1", "--buyers", "1"]),
            Err(ArgsError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse(["--base-url", "http://127.0.0.1", "-c", "x"]),
            Err(ArgsError::InvalidNumber { .. })
        ));
        assert!(matches!(
            parse(["--bogus"]),
            Err(ArgsError::UnknownArgument(_))
        ));
        assert!(matches!(parse(["--help"]), Ok(Command::Help)));
    }
}
