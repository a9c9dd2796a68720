//! Answering only to the shop's own names. A request whose `Host` is some
//! other name (DNS rebinding, a cache keyed on a forged Host, links built
//! from a Host the attacker chose) is refused with 400.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// The `Host` values accepted, lowercased, as `name[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPolicy {
    allowed: Vec<String>,
}

impl HostPolicy {
    /// The `configured` names (`BAZAAR_SITE_HOSTS`); without any, the
    /// loopback names with the port the server is bound to, so a shop on
    /// one machine (development, tests, Playwright) works as it is.
    pub fn new(configured: &[String], bound: SocketAddr) -> Arc<Self> {
        let allowed = if configured.is_empty() {
            let port = bound.port();
            let mut allowed = vec![format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")];
            if !bound.ip().is_unspecified() && !bound.ip().is_loopback() {
                allowed.push(bound.to_string());
            }
            allowed
        } else {
            configured.iter().map(|host| without_default_port(&host.to_ascii_lowercase()).to_string()).collect()
        };
        Arc::new(HostPolicy { allowed })
    }

    /// Whether `host` (a `Host` header's value) names this shop.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let host = host.strip_suffix('.').unwrap_or(&host);
        let host = without_default_port(host);
        self.allowed.iter().any(|allowed| allowed == host)
    }
}

/// `name:80` and `name:443` mean `name` to a browser.
fn without_default_port(host: &str) -> &str {
    host.strip_suffix(":80").or_else(|| host.strip_suffix(":443")).unwrap_or(host)
}

/// The middleware: 400 for a request to any other name.
pub async fn check_host(State(policy): State<Arc<HostPolicy>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| request.uri().authority().map(|authority| authority.as_str()));
    if host.is_some_and(|host| policy.allows(host)) {
        return next.run(request).await;
    }
    tracing::info!(host = ?host, "refused a request for another host");
    (StatusCode::BAD_REQUEST, "This server does not serve that host name.").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_only_loopback_names_with_the_bound_port() {
        let policy = HostPolicy::new(&[], SocketAddr::from(([127, 0, 0, 1], 3000)));
        for host in ["127.0.0.1:3000", "localhost:3000", "LOCALHOST:3000", "[::1]:3000"] {
            assert!(policy.allows(host), "{host}");
        }
        for host in ["evil.example", "127.0.0.1:3001", "127.0.0.1", "localhost.evil.example:3000", ""] {
            assert!(!policy.allows(host), "{host}");
        }
    }

    #[test]
    fn configured_names_replace_the_defaults() {
        let policy = HostPolicy::new(&["Shop.Example".to_string(), "www.shop.example:8443".to_string()], SocketAddr::from(([0, 0, 0, 0], 8080)));
        for host in ["shop.example", "shop.example:443", "shop.example.", "www.shop.example:8443"] {
            assert!(policy.allows(host), "{host}");
        }
        for host in ["127.0.0.1:8080", "www.shop.example", "evil.example"] {
            assert!(!policy.allows(host), "{host}");
        }
    }
}
