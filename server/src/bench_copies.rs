//! Saved copies of pages, served from memory for the catalog bench
//! (`bench/catalog.sh`, issue 11 target 1).
//!
//! The bench compares a rendered page with the same bytes sent without
//! rendering, by the same process, through the same middleware (sessions,
//! CSRF check, page cache, compression, edge limits). Only a route inside
//! this server's own router measures that: a separate server, or a handler
//! in the load generator, leaves out everything the page's answer pays
//! for besides the render. So when `BAZAAR_BENCH_COPIES` names a folder,
//! each `NAME.html` in it is read once at start and answered at
//! `/bench-copies/NAME.html`. Unset (the default), the route does not
//! exist.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Where the copies are answered; the page cache never keeps them, so the
/// baseline stays a plain handler.
pub const PREFIX: &str = "/bench-copies/";

/// Reads every `*.html` file of `dir`.
#[derive(Debug, thiserror::Error)]
#[error("BAZAAR_BENCH_COPIES: cannot read {path}: {source}")]
pub struct CopiesError {
    path: String,
    source: std::io::Error,
}

/// The pages, by file name.
#[derive(Clone, Default)]
pub struct Copies(Arc<HashMap<String, Bytes>>);

impl Copies {
    pub fn load(dir: &Path) -> Result<Self, CopiesError> {
        let failed = |path: &Path| {
            let path = path.display().to_string();
            move |source| CopiesError { path, source }
        };
        let mut pages = HashMap::new();
        for entry in std::fs::read_dir(dir).map_err(failed(dir))? {
            let path = entry.map_err(failed(dir))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).filter(|n| n.ends_with(".html")) else {
                continue;
            };
            let name = name.to_string();
            pages.insert(name, Bytes::from(std::fs::read(&path).map_err(failed(&path))?));
        }
        Ok(Copies(Arc::new(pages)))
    }

    /// The route, to merge into the app's router before its layers.
    pub fn routes<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        Router::new().route(&format!("{PREFIX}{{name}}"), get(serve)).with_state(self)
    }
}

async fn serve(State(copies): State<Copies>, UrlPath(name): UrlPath<String>) -> Response {
    match copies.0.get(&name) {
        // Cloning `Bytes` shares the buffer: no copy per request.
        Some(page) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
