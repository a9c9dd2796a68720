//! How long browsers and caches may keep what the shop serves, for the
//! answers whose handlers do not say so themselves.
//!
//! - `/pkg/…` (the WASM, its JavaScript and the stylesheet): a year,
//!   `immutable`, when the build names them by their content
//!   (`LEPTOS_HASH_FILES=true`, as `deploy/build.sh --release` builds
//!   them), so a new build has new names and a repeat visit asks for
//!   nothing. Unhashed names (debug builds, and the `snippets/` that
//!   wasm-bindgen's JavaScript imports by fixed name) are `no-cache`:
//!   kept, but revalidated by date on each use.
//! - The bundled pictures (`/images/…`, the favicon): a week; they change
//!   only with a release.
//! - Pages: `no-cache`, so a price change shows on the next load.
//!   Personal pages are `no-store` (set by `edge::headers`, which runs
//!   outside this layer and has the last word).
//!
//! Uploaded images (`/media/…`) and downloads set their own.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// A year, never revalidated: for names that change with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";
const BUNDLED_PICTURE: &str = "public, max-age=604800";

/// What the layer needs to know about the build it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetNaming {
    /// `/pkg/` for the default `LEPTOS_SITE_PKG_DIR`.
    pub pkg_prefix: String,
    /// Whether the build put content hashes in the names under it.
    pub hashed: bool,
}

impl AssetNaming {
    pub fn of(options: &leptos::config::LeptosOptions) -> Arc<Self> {
        Arc::new(AssetNaming { pkg_prefix: format!("/{}/", options.site_pkg_dir.trim_matches('/')), hashed: options.hash_files })
    }

    /// The `Cache-Control` for a successful answer to `path` of type
    /// `content_type`, if this layer decides it.
    fn lifetime(&self, path: &str, content_type: &str) -> Option<&'static str> {
        if let Some(file) = path.strip_prefix(&self.pkg_prefix) {
            return Some(if self.hashed && !file.starts_with("snippets/") { IMMUTABLE } else { REVALIDATE });
        }
        if path.starts_with("/images/") || path == "/favicon.svg" {
            return Some(BUNDLED_PICTURE);
        }
        content_type.starts_with("text/html").then_some(REVALIDATE)
    }
}

/// The middleware: adds the lifetime to answers that have none.
pub async fn cache_lifetimes(State(naming): State<Arc<AssetNaming>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let kept = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    if !kept || response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(lifetime) = naming.lifetime(&path, content_type) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(lifetime));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(hashed: bool) -> AssetNaming {
        AssetNaming { pkg_prefix: "/pkg/".into(), hashed }
    }

    #[test]
    fn hashed_bundles_are_kept_for_a_year() {
        let hashed = naming(true);
        assert_eq!(hashed.lifetime("/pkg/bazaar.Xk3e9.wasm", "application/wasm"), Some(IMMUTABLE));
        assert_eq!(hashed.lifetime("/pkg/bazaar.Xk3e9.css", "text/css"), Some(IMMUTABLE));
        // wasm-bindgen's snippets keep fixed names.
        assert_eq!(hashed.lifetime("/pkg/snippets/app-1a2b/inline0.js", "text/javascript"), Some(REVALIDATE));
        assert_eq!(naming(false).lifetime("/pkg/bazaar.wasm", "application/wasm"), Some(REVALIDATE));
    }

    #[test]
    fn pages_are_revalidated_and_pictures_kept_a_week() {
        let hashed = naming(true);
        assert_eq!(hashed.lifetime("/c/lighting", "text/html; charset=utf-8"), Some(REVALIDATE));
        assert_eq!(hashed.lifetime("/images/products/lighting-1.svg", "image/svg+xml"), Some(BUNDLED_PICTURE));
        assert_eq!(hashed.lifetime("/favicon.svg", "image/svg+xml"), Some(BUNDLED_PICTURE));
        assert_eq!(hashed.lifetime("/api/catalog/search", "application/json"), None);
        assert_eq!(hashed.lifetime("/package", "text/plain"), None);
    }
}
