//! Error types. Argument problems and fatal setup problems abort the run;
//! a failed API call during the timed phase is an [`ApiError`] that is only
//! counted (a load generator must survive a struggling server).

use std::io;

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
    /// `--base-url` was not given.
    #[error("missing --base-url (e.g. --base-url http://127.0.0.1:3301)")]
    MissingBaseUrl,
    /// The URL could not be parsed or has parts we do not accept.
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
}

/// A failed call to the shop's JSON API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Connect, I/O or timeout: no complete answer arrived.
    #[error("request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The shop answered with a status outside 200-299.
    #[error("HTTP {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The answer's body (shortened), e.g. `{"OutOfStock":{…}}`.
        body: String,
    },
    /// A 2xx answer whose body is not what the API documents.
    #[error("unexpected answer: {source} (body: {body})")]
    Decode {
        /// The JSON error.
        source: serde_json::Error,
        /// The answer's body (shortened).
        body: String,
    },
}

impl ApiError {
    /// True for the shop's "not enough stock" answer: HTTP 409 with an
    /// `OutOfStock` body (a 409 `Conflict` is something else).
    pub fn is_out_of_stock(&self) -> bool {
        matches!(self, Self::Status { status: 409, body } if body.trim_start().starts_with("{\"OutOfStock\""))
    }

    /// A short label for the error breakdown: the HTTP status and the
    /// error variant's name (`409 Conflict`, `402 PaymentDeclined`,
    /// `500 Internal`), or `timeout` / `transport`.
    pub fn kind(&self) -> String {
        match self {
            Self::Transport(e) if e.is_timeout() => "timeout".to_owned(),
            Self::Transport(_) => "transport".to_owned(),
            Self::Decode { .. } => "bad answer".to_owned(),
            Self::Status { status, body } => {
                // The body is `"Internal"` or `{"Variant": …}`.
                let name: String = body
                    .trim_start_matches(['{', '"', ' '])
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                if name.is_empty() {
                    format!("{status}")
                } else {
                    format!("{status} {name}")
                }
            }
        }
    }
}

/// A fatal error: the benchmark cannot run (or cannot be judged).
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
    /// A host name resolved, but not (only) to loopback addresses.
    #[error("`{0}` does not resolve to a loopback address; refusing to benchmark it")]
    ResolvedNotLoopback(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// A setup step (not timed) failed, e.g. registering a buyer.
    #[error("setup: {step}: {source}")]
    Setup {
        /// What was being done, e.g. "registering buyer 17".
        step: String,
        /// The failed call.
        source: ApiError,
    },
    /// No variant with stock ≥ 1 was found at all.
    #[error("setup: no in-stock variant found (is the database seeded? BAZAAR_SEED=demo)")]
    NoInStockVariant,
    /// The contended variant is missing from its product's answer.
    #[error("the contended variant `{0}` is no longer listed by /api/catalog/product")]
    VariantVanished(String),
    /// Latency histograms could not be created.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, body: &str) -> ApiError {
        ApiError::Status {
            status,
            body: body.to_owned(),
        }
    }

    #[test]
    fn recognises_out_of_stock() {
        assert!(
            status(409, r#"{"OutOfStock":{"item":"Lamp (Red)","available":0}}"#).is_out_of_stock()
        );
        assert!(!status(409, r#"{"Conflict":"no longer for sale"}"#).is_out_of_stock());
        assert!(!status(402, r#"{"PaymentDeclined":"declined"}"#).is_out_of_stock());
    }

    #[test]
    fn kinds_name_the_variant() {
        assert_eq!(status(500, "\"Internal\"").kind(), "500 Internal");
        assert_eq!(
            status(402, r#"{"PaymentDeclined":"x"}"#).kind(),
            "402 PaymentDeclined"
        );
        assert_eq!(status(502, "").kind(), "502");
    }
}
