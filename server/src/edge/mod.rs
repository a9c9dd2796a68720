//! The HTTP edge: everything between the TCP socket and the app's routes
//! that keeps a slow, greedy or hostile client from hurting the shop and
//! its other customers — accepting connections (TCP_NODELAY, connection
//! caps, header and body timeouts), the client's address behind proxies,
//! rate limits, the `Host` check and the security headers on every answer.
//! See docs/security.md for what each defends against.

pub mod body_timeout;
pub mod client_ip;
pub mod config;
pub mod connections;
pub mod headers;
pub mod host;
pub mod rate_limit;
pub mod serve;

pub use config::{EdgeConfig, EdgeConfigError, Rate, RateLimits};

use axum::middleware::from_fn_with_state;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

/// The edge's request middleware, built once per server.
pub struct EdgeLayers {
    host: Arc<host::HostPolicy>,
    headers: Arc<headers::SecurityHeaders>,
    body_deadline: body_timeout::BodyDeadline,
    rate_limiter: Arc<rate_limit::RateLimiter>,
}

impl EdgeLayers {
    /// The middleware for a server configured by `config`, served over
    /// HTTPS if `https`, bound to `bound`.
    pub fn new(config: &EdgeConfig, https: bool, bound: SocketAddr) -> Self {
        // cargo-leptos sets LEPTOS_WATCH while it rebuilds on change; the
        // page then opens a WebSocket to its reload port.
        let reload_port = std::env::var_os("LEPTOS_WATCH")
            .and_then(|_| std::env::var("LEPTOS_RELOAD_PORT").ok())
            .and_then(|port| port.parse().ok());
        EdgeLayers {
            host: host::HostPolicy::new(&config.site_hosts, bound),
            headers: Arc::new(headers::SecurityHeaders { https, reload_port }),
            body_deadline: body_timeout::BodyDeadline(config.body_timeout),
            rate_limiter: rate_limit::RateLimiter::new(config.rate_limits, config.trusted_proxies.clone()),
        }
    }

    /// `router` behind the edge. From the outside in: the security
    /// headers (so that every answer has them, refusals too), the Host
    /// check, the body deadline, the rate limits.
    pub fn wrap(self, router: Router) -> Router {
        router
            .layer(from_fn_with_state(self.rate_limiter, rate_limit::limit_rate))
            .layer(from_fn_with_state(self.body_deadline, body_timeout::limit_body_time))
            .layer(from_fn_with_state(self.host, host::check_host))
            .layer(from_fn_with_state(self.headers, headers::add_security_headers))
    }
}

/// How the accept loop of a server configured by `config` treats
/// connections.
pub fn serve_settings(config: &EdgeConfig) -> serve::ServeSettings {
    serve::ServeSettings {
        tcp_nodelay: config.tcp_nodelay,
        header_read_timeout: config.header_read_timeout,
        limits: connections::ConnectionLimits::new(
            config.max_connections,
            config.max_connections_per_ip,
            config.trusted_proxies.clone(),
        ),
    }
}
