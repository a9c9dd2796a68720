//! The shop under test, and the loopback-only rule.
//!
//! `--base-url` is checked twice: syntactically when the arguments are
//! parsed (scheme `http`, host `127.0.0.1`, `localhost` or `[::1]`), and
//! again after name resolution (every address must be a loopback address).
//! Every client is then pinned to the resolved address and ignores proxy
//! settings, so neither `/etc/hosts` nor `HTTP_PROXY` can send the load
//! elsewhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

use crate::error::{ArgsError, BenchError};

/// A syntactically valid, loopback-only base URL, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// The URL as given, for messages.
    pub original: String,
    /// Normalised URL, path `/`.
    url: Url,
    /// Host as the URL spells it (`127.0.0.1`, `localhost`, `[::1]`).
    host: String,
    /// Explicit port or 80.
    port: u16,
}

impl BaseUrl {
    /// Parses `raw` and enforces the loopback rule. Only an origin is
    /// accepted (`http://HOST[:PORT]` with an optional trailing `/`).
    pub fn parse(raw: &str) -> Result<Self, ArgsError> {
        let invalid = |reason: &str| ArgsError::InvalidUrl {
            url: raw.to_owned(),
            reason: reason.to_owned(),
        };
        let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
        if url.scheme() != "http" {
            return Err(ArgsError::UnsupportedScheme {
                url: raw.to_owned(),
                scheme: url.scheme().to_owned(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials in URLs are not supported"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("give the origin only, like http://127.0.0.1:3301"));
        }
        // `Url` has already normalised the host: lower case, IPv4 in
        // dotted form (so `127.1` reads `127.0.0.1`), IPv6 in brackets.
        let host = url
            .host_str()
            .ok_or_else(|| invalid("missing host"))?
            .to_owned();
        let loopback = match host.trim_start_matches('[').trim_end_matches(']').parse() {
            Ok(IpAddr::V4(ip)) => ip == Ipv4Addr::LOCALHOST,
            Ok(IpAddr::V6(ip)) => ip == Ipv6Addr::LOCALHOST,
            Err(_) => host == "localhost",
        };
        if !loopback {
            return Err(ArgsError::NotLoopback {
                url: raw.to_owned(),
                host,
            });
        }
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(Self {
            original: raw.to_owned(),
            url,
            host,
            port,
        })
    }

    /// Resolves the host to a loopback address (IPv4 preferred, as servers
    /// commonly bind `127.0.0.1` only).
    pub async fn resolve(&self) -> Result<Target, BenchError> {
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        let addr = match bare.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, self.port),
            Err(_) => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, self.port))
                    .await
                    .map_err(|source| BenchError::Resolve {
                        host: bare.to_owned(),
                        source,
                    })?
                    .collect();
                // Any non-loopback answer means someone re-pointed the name.
                if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
                    return Err(BenchError::ResolvedNotLoopback(bare.to_owned()));
                }
                addrs
                    .iter()
                    .find(|a| a.is_ipv4())
                    .or_else(|| addrs.first())
                    .copied()
                    .ok_or_else(|| BenchError::ResolvedNotLoopback(bare.to_owned()))?
            }
        };
        if !addr.ip().is_loopback() {
            return Err(BenchError::ResolvedNotLoopback(bare.to_owned()));
        }
        Ok(Target {
            base: self.url.clone(),
            host: bare.to_owned(),
            addr,
        })
    }
}

/// A resolved base URL: where every client sends its requests.
#[derive(Debug, Clone)]
pub struct Target {
    /// The origin, path `/`.
    pub base: Url,
    /// Host name without IPv6 brackets, for pinning the resolver.
    pub host: String,
    /// The loopback address every connection goes to.
    pub addr: SocketAddr,
}

impl Target {
    /// The URL of an API endpoint, e.g. `checkout` → `/api/checkout`.
    pub fn endpoint(&self, name: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("/api/{name}"));
        url
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
mod tests {
    use super::*;

    #[test]
    fn accepts_loopback_origins() {
        for url in [
            "http://127.0.0.1:3301",
            "http://127.0.0.1:3301/",
            "http://localhost:8080",
            "http://LOCALHOST/",
            "http://[::1]:3000",
        ] {
            assert!(BaseUrl::parse(url).is_ok(), "{url}");
        }
        assert_eq!(BaseUrl::parse("http://localhost").unwrap().port, 80);
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
                matches!(BaseUrl::parse(url), Err(ArgsError::NotLoopback { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_other_schemes_paths_and_garbage() {
        assert!(matches!(
            BaseUrl::parse("https://127.0.0.1/"),
            Err(ArgsError::UnsupportedScheme { .. })
        ));
        assert!(BaseUrl::parse("http://user@127.0.0.1/").is_err());
        assert!(BaseUrl::parse("http://127.0.0.1/shop").is_err());
        assert!(BaseUrl::parse("http://127.0.0.1/?x=1").is_err());
        assert!(BaseUrl::parse("not a url").is_err());
    }

    #[tokio::test]
    async fn resolves_and_builds_endpoints() {
        let target = BaseUrl::parse("http://localhost:1/")
            .unwrap()
            .resolve()
            .await
            .unwrap();
        assert!(target.addr.ip().is_loopback());
        assert_eq!(
            target.endpoint("catalog/search").as_str(),
            "http://localhost:1/api/catalog/search"
        );
    }
}
