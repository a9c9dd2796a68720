//! Product images: `POST /api/products/{id}/images` takes one upload
//! (multipart: `image`, the file; `alt`, its description), and
//! `GET /media/{name}` serves stored files with a year-long, immutable
//! cache lifetime (a name is its content's SHA-256).
//!
//! Who may upload is the product editor's rule: admins for every product,
//! a seller for their own (another's product is 404), 401 without a
//! session, 403 for customers. The file's type is read from its bytes
//! (PNG, JPEG or WebP); SVG and anything else is refused, whatever the
//! name or the claimed type. A browser's own form post (no JavaScript) is
//! sent back to the editor with the outcome; other callers get JSON.

pub mod sniff;
pub mod store;

use crate::api_input::api_error;
use app::auth::ssr::{authorize, user_of_session, CatalogScope};
use app::auth::Role;
use app::error::AppError;
use app::live::ssr::EventBus;
use app::products::ui::UPLOAD_FORM;
use app::ui::form::{is_local_path, FormFeedback};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use sniff::{sniff, ImageKind};
use std::path::PathBuf;
use std::sync::Arc;
use store::ImageStore;
use tower_sessions::Session;

/// Where images are kept and how large one may be (`BAZAAR_IMAGE_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageConfig {
    /// `BAZAAR_IMAGE_DIR`, default `data/images`.
    pub dir: PathBuf,
    /// `BAZAAR_IMAGE_MAX_BYTES`, default 5 MiB.
    pub max_bytes: usize,
}

impl Default for ImageConfig {
    fn default() -> Self {
        ImageConfig { dir: PathBuf::from("data/images"), max_bytes: 5 * 1024 * 1024 }
    }
}

/// What the two routes need.
#[derive(Clone)]
pub struct Images {
    pub db: DatabaseConnection,
    pub events: Arc<dyn EventBus>,
    pub store: Arc<dyn ImageStore>,
    pub max_bytes: usize,
}


/// Room for the multipart framing and the alt text around the file.
const FRAMING_BYTES: usize = 64 * 1024;

impl Images {
    /// The routes, ready to merge into a router of any state.
    pub fn routes<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        let limit = self.max_bytes + FRAMING_BYTES;
        Router::new()
            .route("/api/products/{id}/images", post(upload).layer(DefaultBodyLimit::max(limit)))
            .route("/media/{name}", get(serve))
            .with_state(self)
    }
}

/// Whether a request is a browser posting its own form (it asks for HTML).
fn from_a_page(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// The editor page a browser returns to: the one it posted from.
fn back_to(headers: &HeaderMap, product: i32) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<axum::http::Uri>().ok())
        .and_then(|uri| uri.path_and_query().map(|p| p.as_str().to_string()))
        .filter(|path| is_local_path(path))
        .unwrap_or_else(|| format!("/admin/products/{product}"))
}

async fn upload(
    State(images): State<Images>,
    Path(product): Path<i32>,
    session: Session,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let outcome = store_upload(&images, product, &session, multipart).await;
    if !from_a_page(&headers) {
        return match outcome {
            Ok(image) => (StatusCode::CREATED, Json(image)).into_response(),
            Err(err) => api_error(err),
        };
    }
    let feedback = match &outcome {
        Ok(_) => FormFeedback { form: UPLOAD_FORM.into(), error: None, notice: Some("Image uploaded.".into()), values: Vec::new() },
        Err(err) => FormFeedback { form: UPLOAD_FORM.into(), error: Some(err.clone()), notice: None, values: Vec::new() },
    };
    if let Err(err) = app::ui::form::ssr::keep(&session, &feedback).await {
        return api_error(err);
    }
    Redirect::to(&back_to(&headers, product)).into_response()
}

/// Checks, stores and records one upload.
async fn store_upload(
    images: &Images,
    product: i32,
    session: &Session,
    mut multipart: Multipart,
) -> Result<app::products::model::ImageDetail, AppError> {
    let user = user_of_session(&images.db, session, chrono::Utc::now()).await.and_then(|user| authorize(user, Role::Seller))?;
    let scope = CatalogScope::of(&images.db, &user).await?;
    let too_large = || AppError::PayloadTooLarge(format!("An image can be at most {} MB.", images.max_bytes / (1024 * 1024)));
    let mut file = None;
    let mut alt = String::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(err) => return Err(AppError::BadRequest(format!("The upload could not be read: {}", err.body_text()))),
        };
        match field.name() {
            Some("image") => {
                let bytes = field.bytes().await.map_err(|err| {
                    if err.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { AppError::BadRequest(err.body_text()) }
                })?;
                file = Some(bytes);
            }
            Some("alt") => alt = field.text().await.map_err(|err| AppError::BadRequest(err.body_text()))?,
            _ => {}
        }
    }
    let file = file.ok_or_else(|| AppError::Validation { field: "image".into(), message: "Choose an image to upload.".into() })?;
    if file.len() > images.max_bytes {
        return Err(too_large());
    }
    let kind = sniff(&file).map_err(|why| AppError::Validation { field: "image".into(), message: why.to_string() })?;
    let name = format!("{:x}.{}", Sha256::digest(&file), kind.extension());
    // Only for someone who may change the product: checked before storing.
    app::products::ssr::read::product_in(&images.db, scope, product).await?;
    images.store.put(&name, &file).await.map_err(|err| {
        tracing::error!(error = %err, name, "could not store an uploaded image");
        AppError::Internal
    })?;
    let (image, recorded) = app::products::ssr::images::add(&images.db, scope, product, format!("/media/{name}"), &alt).await?;
    recorded.publish(images.events.as_ref());
    Ok(image)
}

/// A stored file's name: 64 hex digits and a known extension.
fn stored_kind(name: &str) -> Option<ImageKind> {
    let (hash, extension) = name.split_once('.')?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .then(|| ImageKind::of_extension(extension))
        .flatten()
}

async fn serve(State(images): State<Images>, Path(name): Path<String>) -> Response {
    let Some(kind) = stored_kind(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match images.store.get(&name).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, kind.content_type()),
                // The name is the content: it never changes.
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => {
            tracing::error!(error = %err, name, "could not read a stored image");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::stored_kind;

    #[test]
    fn only_stored_names_are_served() {
        let hash = "a".repeat(64);
        assert!(stored_kind(&format!("{hash}.png")).is_some());
        assert!(stored_kind(&format!("{hash}.svg")).is_none());
        assert!(stored_kind("../../etc/passwd").is_none());
        assert!(stored_kind(&format!("{}.png", "A".repeat(64))).is_none());
    }
}
