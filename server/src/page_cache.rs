//! Whole storefront pages, kept in memory for visitors without a session,
//! so the catalog pages most visitors see cost no database round trip and
//! no render while nothing in the catalog changed.
//!
//! - **What is kept**: the answer to a `GET` without a `Cookie` header (a
//!   first visit, a crawler; anyone signed in or with a cart sends one)
//!   for a public page — not `/api/`, the admin and seller areas or the
//!   personal pages — that is a 200 HTML page setting no cookie. The key
//!   is the path and query.
//! - **The nonce**: every page carries its request's CSP script nonce.
//!   A kept page remembers the nonce it was rendered with and is sent with
//!   the new request's nonce in its place, so the policy stays per request.
//! - **Forgetting**: every event on the `catalog` topic (a product, its
//!   stock or reviews, a category) empties the cache; the events are
//!   recorded in the change's transaction and published after commit on
//!   the one bus every live feature uses, so several instances stay right
//!   once the bus crosses instances. The cache reads the bus at the start
//!   of every request it could answer, before looking: a change whose
//!   request has been answered is seen by the next request, with no
//!   window where a listener has not caught up. A render that began before
//!   a change is not kept (a generation count read again after the
//!   render), so a stale page cannot slip in behind the emptying. A
//!   subscription that fell behind (no request for a long while) empties
//!   the cache too.
//! - **Bounded** by bytes (`BAZAAR_PAGE_CACHE_MB`, default 64; 0 turns
//!   it off), least recently used first out (moka).

use crate::edge::headers::is_personal;
use app::live::protocol::LiveEvent;
use app::live::ssr::EventBus;
use app::live::topic::Topic;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::broadcast::Receiver;

/// Pages above this are sent but not kept.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// Says on each answer whether it came from the cache (`hit`) or was
/// rendered (`miss`), for benches and tests.
pub const CACHE_HEADER: HeaderName = HeaderName::from_static("x-bazaar-cache");

/// Paths whose pages are never kept, besides the personal ones.
const NOT_KEPT: &[&str] =
    &["/api/", "/admin", "/seller", "/ws", "/media/", "/pkg/", "/webhooks/", crate::bench_copies::PREFIX];

/// A rendered page and the nonce it was rendered with.
#[derive(Debug)]
struct Page {
    headers: HeaderMap,
    html: String,
    nonce: String,
}

/// The kept pages.
#[derive(Debug)]
pub struct PageCache {
    pages: moka::sync::Cache<String, Arc<Page>>,
    /// Bumped at every emptying: a render that saw another value began
    /// before the change and is not kept.
    generation: AtomicU64,
    /// The bus, read before each lookup.
    events: Mutex<Receiver<Arc<LiveEvent>>>,
}

impl PageCache {
    /// A cache of at most `max_bytes` of pages, emptied by every catalog
    /// event on `bus`.
    pub fn new(max_bytes: u64, bus: &dyn EventBus) -> Arc<Self> {
        let pages = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, page: &Arc<Page>| u32::try_from(key.len() + page.html.len()).unwrap_or(u32::MAX))
            .build();
        Arc::new(PageCache { pages, generation: AtomicU64::new(0), events: Mutex::new(bus.subscribe()) })
    }

    /// Reads what the bus published since the last look, emptying the
    /// cache if any of it changes pages; returns the generation after.
    fn catch_up(&self) -> u64 {
        let mut forget = false;
        // A panic elsewhere while holding the lock left the receiver as it
        // was: still usable.
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            match events.try_recv() {
                Ok(event) => forget |= changes_pages(&event),
                Err(TryRecvError::Lagged(_)) => forget = true,
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        drop(events);
        if forget {
            self.generation.fetch_add(1, Ordering::SeqCst);
            self.pages.invalidate_all();
        }
        self.generation.load(Ordering::SeqCst)
    }
}

/// Whether `event` may change what a public page shows.
fn changes_pages(event: &LiveEvent) -> bool {
    event.topic.parse::<Topic>().is_ok_and(|topic| topic == Topic::Catalog)
}

/// The cache key of `request`, if its answer may be kept.
fn key_of(request: &Request) -> Option<String> {
    let path = request.uri().path();
    let public = !is_personal(path) && !NOT_KEPT.iter().any(|prefix| path.starts_with(prefix));
    let anonymous = !request.headers().contains_key(header::COOKIE) && !request.headers().contains_key(header::AUTHORIZATION);
    (request.method() == Method::GET && public && anonymous)
        .then(|| request.uri().path_and_query().map_or_else(|| path.to_string(), |pq| pq.as_str().to_string()))
}

/// Whether `response` is a page every anonymous visitor may be sent.
fn keepable(response: &Response) -> bool {
    let html = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    response.status() == StatusCode::OK && html && !response.headers().contains_key(header::SET_COOKIE)
}

/// The middleware. Sits inside the security headers (which make the
/// request's nonce) and outside compression (which needs the page as
/// sent).
pub async fn serve_kept_pages(State(cache): State<Arc<PageCache>>, request: Request, next: Next) -> Response {
    let nonce = request.extensions().get::<Nonce>().map(ToString::to_string);
    let (Some(key), Some(nonce)) = (key_of(&request), nonce) else {
        return next.run(request).await;
    };
    let generation = cache.catch_up();
    if let Some(page) = cache.pages.get(&key) {
        let mut response = (StatusCode::OK, page.html.replace(&page.nonce, &nonce)).into_response();
        *response.headers_mut() = page.headers.clone();
        response.headers_mut().insert(CACHE_HEADER, HeaderValue::from_static("hit"));
        return response;
    }
    let response = next.run(request).await;
    if !keepable(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => {
            // The render failed part way, or the page is too large to hold;
            // what was read cannot be given back, so the page fails as it
            // would have mid-stream.
            tracing::error!(error = %err, key, "could not read a rendered page");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Ok(html) = std::str::from_utf8(&bytes) {
        if cache.catch_up() == generation {
            let page = Page { headers: parts.headers.clone(), html: html.to_string(), nonce };
            cache.pages.insert(key, Arc::new(page));
        }
    }
    parts.headers.insert(CACHE_HEADER, HeaderValue::from_static("miss"));
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, cookie: bool) -> Request {
        let mut builder = Request::builder().uri(path);
        if cookie {
            builder = builder.header(header::COOKIE, "id=abc");
        }
        builder.body(Body::empty()).expect("request")
    }

    #[test]
    fn only_public_pages_of_anonymous_visitors_are_kept() {
        assert_eq!(key_of(&request("/c/lighting?sort=price_asc", false)).as_deref(), Some("/c/lighting?sort=price_asc"));
        assert_eq!(key_of(&request("/", false)).as_deref(), Some("/"));
        assert_eq!(key_of(&request("/", true)), None, "a visitor with a session");
        for path in ["/cart", "/account", "/orders/3", "/checkout", "/admin", "/admin/products", "/seller", "/api/catalog/search", "/pkg/bazaar.js"] {
            assert_eq!(key_of(&request(path, false)), None, "{path}");
        }
        let post = Request::builder().method(Method::POST).uri("/").body(Body::empty()).expect("request");
        assert_eq!(key_of(&post), None);
    }

    #[test]
    fn only_plain_html_pages_are_keepable() {
        let page = || Response::builder().header(header::CONTENT_TYPE, "text/html; charset=utf-8");
        assert!(keepable(&page().body(Body::empty()).expect("page")));
        assert!(!keepable(&page().header(header::SET_COOKIE, "id=1").body(Body::empty()).expect("page")));
        assert!(!keepable(&page().status(StatusCode::NOT_FOUND).body(Body::empty()).expect("page")));
        let json = Response::builder().header(header::CONTENT_TYPE, "application/json").body(Body::empty()).expect("json");
        assert!(!keepable(&json));
    }
}
