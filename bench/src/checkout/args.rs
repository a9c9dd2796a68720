//! Command-line parsing (plain `std::env`, no extra dependency).

use std::time::Duration;

use crate::{error::ArgsError, target::BaseUrl};

/// Help text for `--help`.
pub const USAGE: &str = "\
checkout-bench: concurrent checkout load and an oversell check for Bazaar

USAGE:
    checkout-bench --base-url URL [OPTIONS]

Registers C buyers (not timed). Then, for the timed phase, every buyer
adds 1 unit to the cart and checks out, again and again, until the time is
up: the first half buy units of the other in-stock variants, each unit
promised to one buyer only; the second half go for ONE contended variant
until it is sold out to them, then buy like the first half. Afterwards the
contended variant's stock is re-read to check that no unit was sold twice.

OPTIONS:
        --base-url URL          The shop, e.g. http://127.0.0.1:3301. The host must be
                                127.0.0.1, localhost or [::1]; anything else is refused.
    -c, --concurrency C         Buyers (customer sessions) shopping at once, at
                                least 2; each has one request in flight  [default: 128]
    -d, --duration SECS         Timed phase: no order starts after it     [default: 10]
        --contended-stock S     Pick the contended variant whose current stock is
                                closest to S (ties: the lower stock)       [default: 20]
        --timeout SECS          Per-request timeout                       [default: 30]
        --seed N                Seed for spreading buyers over variants     [default: random]
        --json                  Also print one JSON object (a line starting with '{')
    -h, --help                  Show this help

EXIT STATUS:
    0  every check passed
    1  oversold units, stock that does not balance, an order not holding what
       was bought, or an idempotent replay that did not return the same order
    2  bad arguments
    3  the benchmark could not run (server down, setup failed, ...)
";

/// Largest accepted `--concurrency`.
const MAX_CONCURRENCY: u64 = 1024;

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The shop (loopback only; not yet resolved).
    pub base_url: BaseUrl,
    /// Buyers shopping at once; the second half contend.
    pub concurrency: usize,
    /// How long orders are started in the timed phase.
    pub duration: Duration,
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
    /// Run the benchmark (boxed: the configuration is large beside `Help`).
    Run(Box<Config>),
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
    let mut concurrency: u64 = 128;
    let mut duration = Duration::from_secs(10);
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
            "-c" | "--concurrency" => {
                concurrency = int(
                    "--concurrency",
                    &value("--concurrency")?,
                    2,
                    MAX_CONCURRENCY,
                    "2..=1024",
                )?;
            }
            "-d" | "--duration" => duration = secs("--duration", &value("--duration")?)?,
            "--contended-stock" => {
                contended_stock = int(
                    "--contended-stock",
                    &value("--contended-stock")?,
                    1,
                    1_000_000,
                    "1..=1000000",
                )?;
            }
            "--timeout" => timeout = secs("--timeout", &value("--timeout")?)?,
            "--seed" => seed = Some(int("--seed", &value("--seed")?, 0, u64::MAX, "any u64")?),
            _ => return Err(ArgsError::UnknownArgument(arg)),
        }
    }

    Ok(Command::Run(Box::new(Config {
        base_url: base_url.ok_or(ArgsError::MissingBaseUrl)?,
        // Bounded above, so this never truncates.
        concurrency: usize::try_from(concurrency).unwrap_or(usize::MAX),
        duration,
        contended_stock,
        timeout,
        seed,
        json,
    })))
}

/// Parses a flag value in seconds within `0.01..=3600`.
fn secs(flag: &'static str, raw: &str) -> Result<Duration, ArgsError> {
    let secs: f64 = raw.trim().parse().map_err(|_| ArgsError::InvalidNumber {
        flag,
        value: raw.to_owned(),
    })?;
    if !secs.is_finite() || !(0.01..=3600.0).contains(&secs) {
        return Err(ArgsError::OutOfRange {
            flag,
            value: raw.to_owned(),
            range: "0.01..=3600",
        });
    }
    Ok(Duration::from_secs_f64(secs))
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
            Command::Run(c) => *c,
            Command::Help => panic!("unexpected help"),
        }
    }

    #[test]
    fn defaults() {
        let c = run(&["--base-url", "http://127.0.0.1:3301"]);
        assert_eq!(c.concurrency, 128);
        assert_eq!(c.duration, Duration::from_secs(10));
        assert_eq!(c.contended_stock, 20);
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert!(c.seed.is_none() && !c.json);
    }

    #[test]
    fn all_options() {
        let c = run(&[
            "--base-url=http://localhost:3301/",
            "--duration",
            "12.5",
            "-c",
            "8",
            "--contended-stock=5",
            "--timeout",
            "2.5",
            "--seed",
            "42",
            "--json",
        ]);
        assert_eq!((c.concurrency, c.contended_stock), (8, 5));
        assert_eq!(c.duration, Duration::from_millis(12_500));
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
            parse(["--base-url", "http://127.0.0.1", "-c", "1"]),
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
