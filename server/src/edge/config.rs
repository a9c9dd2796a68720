//! The edge's settings, read from the environment (documented in README.md).

use crate::config::{flag_from_env, number_from_env, EnvValueError};
use std::env;
use std::net::IpAddr;
use std::time::Duration;

/// How the edge treats connections and requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeConfig {
    /// Set TCP_NODELAY on accepted sockets (`BAZAAR_TCP_NODELAY`, default
    /// true). Off, small responses on a keep-alive connection wait for
    /// the client's delayed ACK (Nagle's algorithm); the switch exists to
    /// measure that (`bench/nodelay.sh`).
    pub tcp_nodelay: bool,
    /// A connection must deliver a request's whole header within this
    /// time, counted from when the server starts waiting for it; an idle
    /// keep-alive connection is closed after it too
    /// (`BAZAAR_HEADER_TIMEOUT_SECS`, default 10).
    pub header_read_timeout: Duration,
    /// A request's body must have arrived within this time of the request
    /// reaching the app, or the answer is 408 and the connection is closed
    /// (`BAZAAR_BODY_TIMEOUT_SECS`, default 30).
    pub body_timeout: Duration,
    /// Open connections at most; more are answered 503 and closed
    /// (`BAZAAR_MAX_CONNECTIONS`, default 1024).
    pub max_connections: usize,
    /// Open connections at most from one client address, except from a
    /// trusted proxy (`BAZAAR_MAX_CONNECTIONS_PER_IP`, default 128).
    pub max_connections_per_ip: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed
    /// (`BAZAAR_TRUSTED_PROXIES`, comma-separated addresses, default none).
    pub trusted_proxies: Vec<IpAddr>,
    /// The `Host` values the shop answers to (`BAZAAR_SITE_HOSTS`,
    /// comma-separated `name[:port]`). Empty (the default): `localhost`,
    /// `127.0.0.1` and `[::1]` with the port the server is bound to.
    pub site_hosts: Vec<String>,
    pub rate_limits: RateLimits,
}

/// Requests per client address, per kind of endpoint. `None` turns a limit
/// off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Every `/api/…` call not covered by `auth`
    /// (`BAZAAR_API_RATE_PER_SEC`, default 10, and `BAZAAR_API_BURST`,
    /// default 20; a rate of 0 turns it off).
    pub api: Option<Rate>,
    /// Sign-in, sign-up and password change, per client address and, for
    /// sign-in, per account email too (`BAZAAR_AUTH_RATE_PER_MIN`, default
    /// 5; 0 turns it off).
    pub auth: Option<Rate>,
}

/// `requests` per `period`, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub period: Duration,
    pub burst: u32,
}

impl Rate {
    /// `requests` a second, `burst` at once.
    pub fn per_second(requests: u32, burst: u32) -> Self {
        Rate { requests, period: Duration::from_secs(1), burst }
    }

    /// `requests` a minute, all of them at once if need be.
    pub fn per_minute(requests: u32) -> Self {
        Rate { requests, period: Duration::from_secs(60), burst: requests }
    }
}

/// `/api/…` calls a second per client when `BAZAAR_API_RATE_PER_SEC` is unset.
const DEFAULT_API_RATE: u32 = 10;
/// Password attempts a minute per client (and per account for sign-in)
/// when `BAZAAR_AUTH_RATE_PER_MIN` is unset.
const DEFAULT_AUTH_RATE: u32 = 5;

/// The burst when `BAZAAR_API_BURST` is unset: two seconds' worth.
fn default_burst(rate: u32) -> u32 {
    rate.saturating_mul(2)
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            api: Some(Rate::per_second(DEFAULT_API_RATE, default_burst(DEFAULT_API_RATE))),
            auth: Some(Rate::per_minute(DEFAULT_AUTH_RATE)),
        }
    }
}

impl Default for EdgeConfig {
    /// The documented defaults.
    fn default() -> Self {
        EdgeConfig {
            tcp_nodelay: true,
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_ip: 128,
            trusted_proxies: Vec::new(),
            site_hosts: Vec::new(),
            rate_limits: RateLimits::default(),
        }
    }
}

/// An edge setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EdgeConfigError {
    #[error(transparent)]
    Value(#[from] EnvValueError),
    #[error("BAZAAR_TRUSTED_PROXIES must list IP addresses, not `{0}`")]
    Proxy(String),
    #[error("{name} must be at least 1")]
    Zero { name: &'static str },
}

impl EdgeConfig {
    /// The defaults, overridden by whichever variables are set.
    pub fn from_env() -> Result<Self, EdgeConfigError> {
        let defaults = EdgeConfig::default();
        let seconds = |name, default: Duration| -> Result<Duration, EdgeConfigError> {
            Ok(number_from_env(name)?.map_or(default, Duration::from_secs))
        };
        let count = |name, default: usize| -> Result<usize, EdgeConfigError> {
            Ok(number_from_env(name)?.map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX)))
        };
        let tcp_nodelay = flag_from_env("BAZAAR_TCP_NODELAY", defaults.tcp_nodelay)?;
        let max_connections = count("BAZAAR_MAX_CONNECTIONS", defaults.max_connections)?;
        if max_connections == 0 {
            return Err(EdgeConfigError::Zero { name: "BAZAAR_MAX_CONNECTIONS" });
        }
        let trusted_proxies = list("BAZAAR_TRUSTED_PROXIES")
            .into_iter()
            .map(|ip| ip.parse().map_err(|_| EdgeConfigError::Proxy(ip)))
            .collect::<Result<_, _>>()?;
        let api_rate = number_from_env("BAZAAR_API_RATE_PER_SEC")?.map_or(DEFAULT_API_RATE, saturating_u32);
        let api = match api_rate {
            0 => None,
            rate => {
                let burst = number_from_env("BAZAAR_API_BURST")?.map_or(default_burst(rate), saturating_u32);
                Some(Rate::per_second(rate, burst.max(1)))
            }
        };
        let auth = match number_from_env("BAZAAR_AUTH_RATE_PER_MIN")?.map_or(DEFAULT_AUTH_RATE, saturating_u32) {
            0 => None,
            rate => Some(Rate::per_minute(rate)),
        };
        Ok(EdgeConfig {
            tcp_nodelay,
            header_read_timeout: seconds("BAZAAR_HEADER_TIMEOUT_SECS", defaults.header_read_timeout)?,
            body_timeout: seconds("BAZAAR_BODY_TIMEOUT_SECS", defaults.body_timeout)?,
            max_connections,
            max_connections_per_ip: count("BAZAAR_MAX_CONNECTIONS_PER_IP", defaults.max_connections_per_ip)?,
            trusted_proxies,
            site_hosts: list("BAZAAR_SITE_HOSTS").into_iter().map(|h| h.to_ascii_lowercase()).collect(),
            rate_limits: RateLimits { api, auth },
        })
    }
}

fn saturating_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The non-empty comma-separated items of the variable `name`.
fn list(name: &str) -> Vec<String> {
    env::var(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}
