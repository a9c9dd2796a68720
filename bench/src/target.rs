//! Benchmark targets, and the loopback-only rule.
//!
//! Every URL is checked twice: syntactically when the arguments are parsed
//! (the host must be `127.0.0.1`, `localhost` or `[::1]`), and again after
//! name resolution (every address we connect to must be a loopback address),
//! so `/etc/hosts` tricks cannot point the load generator elsewhere.

use std::net::{IpAddr, SocketAddr};

use http::{
    header::{ACCEPT, HOST, USER_AGENT},
    uri::PathAndQuery,
    HeaderMap, HeaderValue, Request, Uri,
};

use crate::error::{ArgsError, BenchError};

/// Host names accepted on the command line (compared case-insensitively;
/// `Uri::host` keeps the brackets of IPv6 literals).
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// A syntactically valid, loopback-only URL, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    /// The URL exactly as given, used as the label.
    pub original: String,
    /// Host without IPv6 brackets, e.g. `127.0.0.1`, `localhost`, `::1`.
    host: String,
    /// Explicit port or 80.
    port: u16,
    /// Value for the `Host` header (`host[:port]` as written).
    authority: String,
    /// Origin-form request target, e.g. `/search?q=lamp`.
    path: PathAndQuery,
}

impl TargetUrl {
    /// Parses `url` and enforces the loopback rule.
    pub fn parse(url: &str) -> Result<Self, ArgsError> {
        let invalid = |reason: &str| ArgsError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => {
                return Err(ArgsError::UnsupportedScheme {
                    url: url.to_owned(),
                    scheme: other.to_owned(),
                })
            }
            None => return Err(invalid("missing scheme, expected http://HOST[:PORT]/PATH")),
        }
        let authority = uri.authority().ok_or_else(|| invalid("missing host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("credentials in URLs are not supported"));
        }
        let host = authority.host().to_ascii_lowercase();
        if !LOOPBACK_HOSTS.contains(&host.as_str()) {
            return Err(ArgsError::NotLoopback {
                url: url.to_owned(),
                host,
            });
        }
        let path = uri
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        Ok(Self {
            original: url.to_owned(),
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: authority.port_u16().unwrap_or(80),
            authority: authority.as_str().to_owned(),
            path,
        })
    }

    /// Resolves the host to a loopback socket address (IPv4 preferred, as
    /// servers commonly bind `127.0.0.1` only) and builds the request template.
    pub async fn resolve(&self, extra_headers: &HeaderMap) -> Result<Target, BenchError> {
        let addr = match self.host.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, self.port),
            Err(_) => {
                let addrs: Vec<SocketAddr> =
                    tokio::net::lookup_host((self.host.as_str(), self.port))
                        .await
                        .map_err(|source| BenchError::Resolve {
                            host: self.host.clone(),
                            source,
                        })?
                        .collect();
                // Any non-loopback answer means someone re-pointed the name.
                if addrs.iter().any(|a| !a.ip().is_loopback()) || addrs.is_empty() {
                    return Err(BenchError::ResolvedNotLoopback(self.host.clone()));
                }
                addrs
                    .iter()
                    .find(|a| a.is_ipv4())
                    .or_else(|| addrs.first())
                    .copied()
                    .ok_or_else(|| BenchError::ResolvedNotLoopback(self.host.clone()))?
            }
        };
        if !addr.ip().is_loopback() {
            return Err(BenchError::ResolvedNotLoopback(self.host.clone()));
        }
        let host = HeaderValue::from_str(&self.authority).map_err(|_| ArgsError::InvalidUrl {
            url: self.original.clone(),
            reason: "host is not a valid header value".to_owned(),
        })?;
        Ok(Target::new(
            self.original.clone(),
            addr,
            host,
            self.path.clone(),
            extra_headers,
        ))
    }
}

/// A resolved target plus everything needed to build its requests.
#[derive(Debug, Clone)]
pub struct Target {
    /// Human-readable name printed in the report.
    pub label: String,
    /// The loopback address to connect to.
    pub addr: SocketAddr,
    uri: Uri,
    headers: HeaderMap,
}

impl Target {
    /// Builds a target; `extra` headers override the defaults.
    pub fn new(
        label: String,
        addr: SocketAddr,
        host: HeaderValue,
        path: PathAndQuery,
        extra: &HeaderMap,
    ) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, host);
        headers.insert(USER_AGENT, HeaderValue::from_static("bazaar-http-bench"));
        headers.insert(ACCEPT, HeaderValue::from_static("text/html,*/*;q=0.8"));
        for (name, value) in extra {
            headers.insert(name.clone(), value.clone());
        }
        Self {
            label,
            addr,
            uri: Uri::from(path),
            headers,
        }
    }

    /// The in-process baseline server at `addr`, path `/`.
    pub fn baseline(addr: SocketAddr, extra: &HeaderMap) -> Self {
        let host = HeaderValue::from_str(&addr.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("127.0.0.1"));
        Self::new(
            "bare axum handler".to_owned(),
            addr,
            host,
            PathAndQuery::from_static("/"),
            extra,
        )
    }

    /// A fresh GET request (HTTP/1.1, origin-form target, keep-alive).
    pub fn request<B: Default>(&self) -> Request<B> {
        let mut req = Request::new(B::default());
        *req.uri_mut() = self.uri.clone();
        *req.headers_mut() = self.headers.clone();
        req
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
mod tests {
    use super::*;

    #[test]
    fn accepts_loopback_hosts() {
        for url in [
            "http://127.0.0.1:3300/",
            "http://localhost:8080/c/clothing",
            "http://LOCALHOST/",
            "http://[::1]:3000/search?q=lamp&sort=price_asc",
        ] {
            assert!(TargetUrl::parse(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn keeps_path_query_and_authority() {
        let t = TargetUrl::parse("http://127.0.0.1:3300/search?q=lamp&sort=price_asc").unwrap();
        assert_eq!(t.path.as_str(), "/search?q=lamp&sort=price_asc");
        assert_eq!(t.authority, "127.0.0.1:3300");
        assert_eq!(t.port, 3300);
        let t = TargetUrl::parse("http://[::1]:3000").unwrap();
        assert_eq!(t.path.as_str(), "/");
        assert_eq!(t.host, "::1");
    }

    #[test]
    fn refuses_non_loopback() {
        for url in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.2/",
            "http://localhost.example.com/",
            "http://0.0.0.0:3000/",
        ] {
            assert!(
                matches!(TargetUrl::parse(url), Err(ArgsError::NotLoopback { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_other_schemes_and_garbage() {
        assert!(matches!(
            TargetUrl::parse("https://127.0.0.1/"),
            Err(ArgsError::UnsupportedScheme { .. })
        ));
        assert!(TargetUrl::parse("127.0.0.1:3000/").is_err());
        assert!(TargetUrl::parse("http://user@127.0.0.1/").is_err());
        assert!(TargetUrl::parse("not a url").is_err());
    }

    #[tokio::test]
    async fn resolves_to_loopback() {
        let t = TargetUrl::parse("http://localhost:1/").unwrap();
        let target = t.resolve(&HeaderMap::new()).await.unwrap();
        assert!(target.addr.ip().is_loopback());
    }
}
