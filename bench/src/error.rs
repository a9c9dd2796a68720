//! Error types. Argument problems, fatal run problems and per-request
//! failures are kept apart: the first two abort the program, the last one is
//! only counted (a load generator must survive a flaky target).

use std::{io, net::SocketAddr, time::Duration};

/// A problem with the command line.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// A flag this program does not know.
    #[error("unknown argument `{0}` (see --help)")]
    UnknownArgument(String),
    /// A flag that needs a value was last on the command line.
    #[error("`{0}` needs a value")]
    MissingValue(&'static str),
    /// A value that should be a number is not one.
    #[error("`{flag}`: `{value}` is not a valid number")]
    InvalidNumber {
        /// The flag the value belongs to.
        flag: &'static str,
        /// The offending value.
        value: String,
    },
    /// A numeric value outside the accepted range.
    #[error("`{flag}`: {value} is out of range ({range})")]
    OutOfRange {
        /// The flag the value belongs to.
        flag: &'static str,
        /// The offending value.
        value: String,
        /// Human-readable accepted range.
        range: &'static str,
    },
    /// Neither `--url` nor `--baseline` was given.
    #[error("nothing to benchmark: give at least one --url or --baseline")]
    NoTargets,
    /// The URL could not be parsed or lacks parts we need.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Only plain `http://` is supported (loopback needs no TLS).
    #[error("URL `{url}`: scheme `{scheme}` is not supported, use http://")]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
        /// The scheme found.
        scheme: String,
    },
    /// The safety rule: this tool only ever loads the local machine.
    #[error(
        "refusing to benchmark `{url}`: host `{host}` is not a loopback address \
         (only 127.0.0.1, localhost and [::1] are allowed)"
    )]
    NotLoopback {
        /// The URL as given.
        url: String,
        /// The host found in it.
        host: String,
    },
    /// A `--header` value that is not `Name: value`.
    #[error("invalid --header `{0}`: expected `Name: value`")]
    InvalidHeader(String),
}

/// A fatal error while benchmarking.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// See [`ArgsError`].
    #[error(transparent)]
    Args(#[from] ArgsError),
    /// Resolving a loopback host name failed.
    #[error("cannot resolve `{host}`: {source}")]
    Resolve {
        /// The host name.
        host: String,
        /// The resolver error.
        source: io::Error,
    },
    /// A host name resolved, but not to a loopback address.
    #[error("`{0}` does not resolve to a loopback address; refusing to benchmark it")]
    ResolvedNotLoopback(String),
    /// The in-process baseline server could not start.
    #[error("cannot start the baseline server: {0}")]
    Baseline(io::Error),
    /// Latency histograms could not be created or merged.
    #[error("histogram error: {0}")]
    Histogram(String),
    /// A worker task panicked or was cancelled.
    #[error("worker task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// Writing JSON output failed.
    #[error("cannot serialise report: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<hdrhistogram::CreationError> for BenchError {
    fn from(e: hdrhistogram::CreationError) -> Self {
        Self::Histogram(format!("{e:?}"))
    }
}

impl From<hdrhistogram::AdditionError> for BenchError {
    fn from(e: hdrhistogram::AdditionError) -> Self {
        Self::Histogram(format!("{e:?}"))
    }
}

/// A single failed request. These are counted, not propagated.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// TCP connect failed.
    #[error("connect to {addr} failed: {source}")]
    Connect {
        /// The address we tried.
        addr: SocketAddr,
        /// The socket error.
        source: io::Error,
    },
    /// The HTTP/1.1 handshake on a fresh connection failed.
    #[error("HTTP handshake failed: {0}")]
    Handshake(#[source] hyper::Error),
    /// Sending the request or reading the response head failed.
    #[error("request failed: {0}")]
    Send(#[source] hyper::Error),
    /// Reading the response body failed.
    #[error("reading body failed: {0}")]
    Body(#[source] hyper::Error),
    /// The whole exchange took longer than `--timeout`.
    #[error("no complete response within {0:?}")]
    Timeout(Duration),
}
