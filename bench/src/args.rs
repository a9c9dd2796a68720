//! Command-line parsing (plain `std::env`, no extra dependency).

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::{error::ArgsError, target::TargetUrl};

/// Help text for `--help`.
pub const USAGE: &str = "\
http-bench: loopback-only HTTP/1.1 load generator with TTFB percentiles

USAGE:
    http-bench [--baseline] [--url URL]... [OPTIONS]

TARGETS:
    --url URL           Benchmark URL (repeatable; run in order). The host must
                        be 127.0.0.1, localhost or [::1]; anything else is refused.
    --baseline          First benchmark an in-process bare axum handler serving a
                        ~2 KB static HTML page, and print every --url relative to it.

OPTIONS:
    -c, --concurrency N   Concurrent keep-alive connections          [default: 16]
    -d, --duration SECS   Measured run length per target              [default: 10]
    -n, --requests N      Stop after N requests instead; --duration (if given,
                          else 300 s) still caps the run time
    -w, --warmup SECS     Unmeasured warm-up per target (0 = none)     [default: 2]
        --timeout SECS    Per-request timeout                          [default: 10]
        --rate N          Send N requests/s in all (open loop: each request is due at
                          its slot, and its latency counts from then, so a server
                          falling behind shows in the percentiles)  [default: as fast
                          as the connections go]
    -H, --header 'K: V'   Extra request header (repeatable), e.g.
                          -H 'accept-encoding: gzip'
        --json            Also print one JSON object per target (lines start with '{')
    -h, --help            Show this help
";

/// Largest accepted `--rate`.
const MAX_RATE: u64 = 1_000_000;
/// Largest accepted `--concurrency`.
const MAX_CONCURRENCY: u64 = 1024;
/// Largest accepted `--duration`, `--warmup`, and the `--requests` time cap.
const MAX_SECS: f64 = 3600.0;
/// Time cap for `--requests` runs when `--duration` is not given.
const DEFAULT_REQUESTS_CAP: Duration = Duration::from_secs(300);

/// When a measured run stops. Every rule has a time bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopRule {
    /// Hard wall-clock limit.
    pub max_time: Duration,
    /// Optional request budget (shared by all connections).
    pub max_requests: Option<u64>,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Targets in command-line order (not yet resolved).
    pub urls: Vec<TargetUrl>,
    /// Whether to benchmark the in-process baseline first.
    pub baseline: bool,
    /// Number of concurrent connections / worker tasks.
    pub concurrency: usize,
    /// When the measured phase ends.
    pub stop: StopRule,
    /// Length of the unmeasured warm-up phase.
    pub warmup: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Extra request headers.
    pub headers: HeaderMap,
    /// Emit JSON lines after the table.
    pub json: bool,
    /// Requests per second over all connections, or as fast as they go.
    pub rate: Option<f64>,
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
    let mut urls = Vec::new();
    let mut baseline = false;
    let mut concurrency: u64 = 16;
    let mut duration: Option<Duration> = None;
    let mut requests: Option<u64> = None;
    let mut warmup = Duration::from_secs(2);
    let mut timeout = Duration::from_secs(10);
    let mut headers = HeaderMap::new();
    let mut json = false;
    let mut rate = None;

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
            "--baseline" => baseline = true,
            "--json" => json = true,
            "--url" => urls.push(TargetUrl::parse(&value("--url")?)?),
            "-c" | "--concurrency" => {
                concurrency = int(
                    "--concurrency",
                    &value("--concurrency")?,
                    1,
                    MAX_CONCURRENCY,
                    "1..=1024",
                )?;
            }
            "-n" | "--requests" => {
                requests = Some(int(
                    "--requests",
                    &value("--requests")?,
                    1,
                    100_000_000,
                    "1..=100000000",
                )?);
            }
            "-d" | "--duration" => {
                duration = Some(secs(
                    "--duration",
                    &value("--duration")?,
                    0.1,
                    "0.1..=3600",
                )?);
            }
            "-w" | "--warmup" => warmup = secs("--warmup", &value("--warmup")?, 0.0, "0..=3600")?,
            "--timeout" => timeout = secs("--timeout", &value("--timeout")?, 0.01, "0.01..=3600")?,
            "--rate" => {
                rate = Some(int("--rate", &value("--rate")?, 1, MAX_RATE, "1..=1000000")? as f64);
            }
            "-H" | "--header" => {
                let raw = value("--header")?;
                let (name, val) = parse_header(&raw)?;
                headers.insert(name, val);
            }
            _ => return Err(ArgsError::UnknownArgument(arg)),
        }
    }

    if urls.is_empty() && !baseline {
        return Err(ArgsError::NoTargets);
    }
    let stop = match requests {
        Some(n) => StopRule {
            max_time: duration.unwrap_or(DEFAULT_REQUESTS_CAP),
            max_requests: Some(n),
        },
        None => StopRule {
            max_time: duration.unwrap_or(Duration::from_secs(10)),
            max_requests: None,
        },
    };
    Ok(Command::Run(Config {
        urls,
        baseline,
        // Bounded by MAX_CONCURRENCY above, so this never truncates.
        concurrency: usize::try_from(concurrency).unwrap_or(usize::MAX),
        stop,
        warmup,
        timeout,
        headers,
        json,
        rate,
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

/// Parses a (possibly fractional) number of seconds within `min..=MAX_SECS`.
fn secs(
    flag: &'static str,
    value: &str,
    min: f64,
    range: &'static str,
) -> Result<Duration, ArgsError> {
    let s: f64 = value.trim().parse().map_err(|_| ArgsError::InvalidNumber {
        flag,
        value: value.to_owned(),
    })?;
    if !s.is_finite() || s < min || s > MAX_SECS {
        return Err(ArgsError::OutOfRange {
            flag,
            value: value.to_owned(),
            range,
        });
    }
    Ok(Duration::from_secs_f64(s))
}

/// Parses `Name: value`.
fn parse_header(raw: &str) -> Result<(HeaderName, HeaderValue), ArgsError> {
    let bad = || ArgsError::InvalidHeader(raw.to_owned());
    let (name, value) = raw.split_once(':').ok_or_else(bad)?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
    let value = HeaderValue::from_str(value.trim()).map_err(|_| bad())?;
    Ok((name, value))
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
        let c = run(&["--baseline"]);
        assert!(c.baseline && c.urls.is_empty() && !c.json);
        assert_eq!(c.concurrency, 16);
        assert_eq!(c.stop.max_time, Duration::from_secs(10));
        assert_eq!(c.stop.max_requests, None);
        assert_eq!(c.warmup, Duration::from_secs(2));
    }

    #[test]
    fn repeatable_urls_and_equals_syntax() {
        let c = run(&[
            "--url",
            "http://127.0.0.1:3300/",
            "--url=http://localhost:3300/c/clothing",
            "--concurrency=4",
            "-d",
            "2.5",
            "--json",
            "-H",
            "accept-encoding: gzip",
        ]);
        assert_eq!(c.urls.len(), 2);
        assert_eq!(c.concurrency, 4);
        assert_eq!(c.stop.max_time, Duration::from_millis(2500));
        assert!(c.json);
        assert_eq!(c.headers["accept-encoding"], "gzip");
    }

    #[test]
    fn requests_mode_keeps_a_time_cap() {
        let c = run(&["--baseline", "-n", "500"]);
        assert_eq!(c.stop.max_requests, Some(500));
        assert_eq!(c.stop.max_time, DEFAULT_REQUESTS_CAP);
        let c = run(&["--baseline", "-n", "500", "-d", "3"]);
        assert_eq!(c.stop.max_time, Duration::from_secs(3));
    }

    #[test]
    fn rate_paces_or_defaults_to_flat_out() {
        assert_eq!(run(&["--baseline"]).rate, None);
        assert_eq!(run(&["--baseline", "--rate", "2500"]).rate, Some(2500.0));
        assert!(matches!(
            parse(["--baseline", "--rate", "0"]),
            Err(ArgsError::OutOfRange { .. })
        ));
    }

    #[test]
    fn errors() {
        assert!(matches!(
            parse(Vec::<String>::new()),
            Err(ArgsError::NoTargets)
        ));
        assert!(matches!(parse(["--url"]), Err(ArgsError::MissingValue(_))));
        assert!(matches!(
            parse(["--bogus"]),
            Err(ArgsError::UnknownArgument(_))
        ));
        assert!(matches!(
            parse(["--baseline", "-c", "0"]),
            Err(ArgsError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse(["--baseline", "-d", "abc"]),
            Err(ArgsError::InvalidNumber { .. })
        ));
        assert!(matches!(
            parse(["--url", "http://192.168.1.10/"]),
            Err(ArgsError::NotLoopback { .. })
        ));
        assert!(matches!(
            parse(["--baseline", "-H", "nocolon"]),
            Err(ArgsError::InvalidHeader(_))
        ));
        assert!(matches!(parse(["--help"]), Ok(Command::Help)));
    }
}
