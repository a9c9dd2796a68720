//! Security headers on every answer: a Content-Security-Policy whose
//! script nonce is made fresh for each request (Leptos writes it on the
//! hydration scripts it renders), framing refused, no MIME sniffing, a
//! referrer policy, powerful browser features switched off, HSTS when the
//! shop is served over HTTPS, and `Cache-Control: no-store` on anything
//! that may carry a customer's personal data.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use std::sync::Arc;

/// Pages under these paths show a customer's own data.
const PERSONAL_PAGES: &[&str] = &["/account", "/orders", "/checkout", "/cart", "/wishlist", "/sign-in", "/sign-up"];

/// API calls under this prefix are about the public catalog; every other
/// `/api/…` answer may concern the caller.
const PUBLIC_API: &str = "/api/catalog/";

/// Browser features the shop never uses, switched off for it and for
/// anything it might embed.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// What differs between deployments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityHeaders {
    /// Served over HTTPS: send `Strict-Transport-Security`.
    pub https: bool,
    /// The live-reload WebSocket port while `cargo leptos watch` runs
    /// (`LEPTOS_WATCH`), which the policy must let scripts connect to.
    pub reload_port: Option<u16>,
}

impl SecurityHeaders {
    /// The Content-Security-Policy for a page rendered with `nonce`.
    /// Scripts run only from this site and only if they carry the nonce
    /// (inline ones) — never inline script without it; `wasm-unsafe-eval`
    /// lets the page compile its own WebAssembly and nothing else.
    pub fn content_security_policy(&self, nonce: &Nonce) -> String {
        let live_reload = self.reload_port.map(|port| format!(" ws://localhost:{port} ws://127.0.0.1:{port}")).unwrap_or_default();
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; font-src 'self'; connect-src 'self'{live_reload}; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
    }
}

/// The middleware: makes the request's nonce, then adds the headers to
/// whatever the app answers.
pub async fn add_security_headers(State(policy): State<Arc<SecurityHeaders>>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let personal = is_personal(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&policy.content_security_policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(headers, HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY);
    set(headers, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if policy.https {
        set(headers, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    // A response that sets a cookie is never to be stored either: a shared
    // cache would hand the session to the next visitor.
    if personal || headers.contains_key(header::SET_COOKIE) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// Provides the request's nonce to the Leptos render in place of the one
/// Leptos made itself, so the scripts carry the nonce that the header
/// allows. Passed to `leptos_routes_with_context`.
pub fn provide_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers.insert(name, HeaderValue::from_static(value));
}

/// Whether answers for `path` may show personal data.
pub(crate) fn is_personal(path: &str) -> bool {
    if path.starts_with("/api/") {
        return !path.starts_with(PUBLIC_API);
    }
    PERSONAL_PAGES.iter().any(|page| path == *page || path.strip_prefix(page).is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_pages_and_calls_are_recognized() {
        for path in ["/account", "/orders", "/orders/12", "/checkout", "/cart", "/api/orders/get", "/api/auth/me", "/api/cart/add"] {
            assert!(is_personal(path), "{path}");
        }
        for path in ["/", "/search", "/p/lamp", "/cartography", "/api/catalog/search", "/pkg/bazaar.js"] {
            assert!(!is_personal(path), "{path}");
        }
    }

    #[test]
    fn the_policy_allows_only_nonced_inline_scripts() {
        let policy = SecurityHeaders { https: false, reload_port: None };
        let csp = policy.content_security_policy(&Nonce::from_value("abc123"));
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
}
