//! Refusing cross-site requests that change state (CSRF), by where they
//! come from. See docs/security.md for why this check and no tokens.
//!
//! Every request other than GET, HEAD and OPTIONS is checked, and so is a
//! WebSocket upgrade (a GET that opens a channel carrying the user's data,
//! which browsers let any page attempt with the user's cookies): if it has an
//! `Origin` header, that must be this site's own origin (scheme://Host);
//! failing that, if it has a `Referer`, that must be a page of this site.
//! A request with neither passes: browsers send `Origin` on every
//! cross-site POST, so a request without one comes from a program (curl,
//! an integration, a server), which has no victim's cookies to abuse.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths exempt from the check: webhook endpoints, authenticated by their
/// signature (`crate::shopify::ingest`).
const WEBHOOKS: &str = "/webhooks/";

/// What the check needs to know about how the site is served.
#[derive(Debug, Clone, Copy)]
pub struct CsrfPolicy {
    /// The scheme of the site's own origin when neither the request line
    /// nor a proxy's `X-Forwarded-Proto` says: `https` when the shop is
    /// configured for HTTPS (`BAZAAR_SECURE_COOKIES`), else `http`.
    default_scheme: &'static str,
}

impl CsrfPolicy {
    /// The policy for a site served over HTTPS (`secure`) or HTTP.
    pub fn new(secure: bool) -> Self {
        CsrfPolicy { default_scheme: if secure { "https" } else { "http" } }
    }
}

/// The middleware: passes same-site requests on, answers others with 403.
pub async fn reject_cross_site(State(policy): State<CsrfPolicy>, request: Request, next: Next) -> Response {
    if is_allowed(&policy, request.method(), request.uri(), request.headers()) {
        next.run(request).await
    } else {
        tracing::warn!(
            method = %request.method(),
            path = request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            "refused a cross-site request"
        );
        (StatusCode::FORBIDDEN, "Cross-site request refused: this request did not come from the shop's own pages.")
            .into_response()
    }
}

/// Whether a request may proceed.
fn is_allowed(policy: &CsrfPolicy, method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    // Webhooks come from machines, which authenticate by signature (HMAC)
    // and carry no one's cookies; whatever Origin they send is no victim's.
    if uri.path().starts_with(WEBHOOKS) {
        return true;
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) && !is_websocket_upgrade(headers) {
        return true;
    }
    let origin = headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or(""));
    let referer = headers.get(header::REFERER).map(|v| v.to_str().unwrap_or(""));
    if origin.is_none() && referer.is_none() {
        return true;
    }
    let Some(own) = own_origin(policy, uri, headers) else {
        // Without a Host there is nothing to compare a browser's claim to.
        return false;
    };
    match (origin, referer) {
        (Some(origin), _) => normalize(origin).is_some_and(|origin| origin == own),
        (None, Some(referer)) => referer_origin(referer).is_some_and(|origin| origin == own),
        (None, None) => true,
    }
}

/// Whether the request asks to become a WebSocket.
fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// This site's origin as the request reached it, normalized.
fn own_origin(policy: &CsrfPolicy, uri: &Uri, headers: &HeaderMap) -> Option<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))?;
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|p| p.to_str().ok())
        .and_then(|p| p.split(',').next())
        .map(str::trim)
        .or_else(|| uri.scheme_str())
        .unwrap_or(policy.default_scheme);
    normalize(&format!("{scheme}://{host}"))
}

/// `scheme://host[:port]` lowercased, without a default port; `None` for
/// anything else (including the `null` origin of sandboxed documents).
fn normalize(origin: &str) -> Option<String> {
    let (scheme, host) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") || host.is_empty() || host.contains(['/', '?', '#', '@']) {
        return None;
    }
    let host = match (scheme.as_str(), host.rsplit_once(':')) {
        ("http", Some((name, "80"))) | ("https", Some((name, "443"))) => name.to_string(),
        _ => host,
    };
    Some(format!("{scheme}://{host}"))
}

/// The origin part of a `Referer` URL.
fn referer_origin(referer: &str) -> Option<String> {
    let (scheme, rest) = referer.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    normalize(&format!("{scheme}://{}", &rest[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn allowed(method: Method, headers: &[(&'static str, &'static str)]) -> bool {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_static("shop.example:3000"));
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        is_allowed(&CsrfPolicy::new(false), &method, &Uri::from_static("/api/auth/sign-in"), &map)
    }

    #[test]
    fn reads_are_never_checked() {
        assert!(allowed(Method::GET, &[("origin", "http://evil.example")]));
        assert!(allowed(Method::HEAD, &[("origin", "http://evil.example")]));
        assert!(allowed(Method::OPTIONS, &[("origin", "http://evil.example")]));
    }

    #[test]
    fn websocket_upgrades_are_checked_like_posts() {
        assert!(allowed(Method::GET, &[("upgrade", "websocket"), ("origin", "http://shop.example:3000")]));
        assert!(!allowed(Method::GET, &[("upgrade", "websocket"), ("origin", "http://evil.example")]));
        assert!(!allowed(Method::GET, &[("upgrade", "WebSocket"), ("origin", "null")]));
    }

    #[test]
    fn same_origin_posts_pass() {
        assert!(allowed(Method::POST, &[("origin", "http://shop.example:3000")]));
        assert!(allowed(Method::POST, &[("origin", "HTTP://Shop.Example:3000")]));
        assert!(allowed(Method::POST, &[("referer", "http://shop.example:3000/sign-in?next=/cart")]));
        assert!(allowed(Method::DELETE, &[("referer", "http://shop.example:3000")]));
    }

    #[test]
    fn webhooks_are_exempt() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("shop.example:3000"));
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://shopify.example"));
        let policy = CsrfPolicy::new(false);
        assert!(is_allowed(&policy, &Method::POST, &Uri::from_static("/webhooks/shopify"), &headers));
        assert!(!is_allowed(&policy, &Method::POST, &Uri::from_static("/api/webhooks/shopify"), &headers));
    }

    #[test]
    fn requests_without_origin_or_referer_pass() {
        assert!(allowed(Method::POST, &[]));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(!allowed(Method::POST, &[("origin", "http://evil.example")]));
        assert!(!allowed(Method::POST, &[("origin", "null")]));
        assert!(!allowed(Method::POST, &[("origin", "https://shop.example:3000")]));
        assert!(!allowed(Method::POST, &[("origin", "http://shop.example:3001")]));
        assert!(!allowed(Method::PUT, &[("referer", "http://evil.example/page")]));
        // A look-alike host that merely starts with ours.
        assert!(!allowed(Method::POST, &[("referer", "http://shop.example:3000.evil.example/")]));
        // Origin decides when both are present.
        assert!(!allowed(Method::POST, &[("origin", "http://evil.example"), ("referer", "http://shop.example:3000/")]));
    }

    #[test]
    fn default_ports_and_proxies_are_understood() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("shop.example"));
        headers.insert(header::ORIGIN, HeaderValue::from_static("https://shop.example:443"));
        let uri = Uri::from_static("/api/auth/sign-in");
        assert!(is_allowed(&CsrfPolicy::new(true), &Method::POST, &uri, &headers));
        assert!(!is_allowed(&CsrfPolicy::new(false), &Method::POST, &uri, &headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_allowed(&CsrfPolicy::new(false), &Method::POST, &uri, &headers));
    }
}
