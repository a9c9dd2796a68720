//! Images of products and categories: `POST /api/products/{id}/images`
//! adds one to a product (multipart: `image`, the file; `alt`, its
//! description), `POST /api/categories/{id}/image` sets a category's
//! (`image`), and `GET /media/{name}` serves stored files with a
//! year-long, immutable cache lifetime (a name is its content's SHA-256).
//!
//! Who may upload is the editors' rule: for a product, admins for every
//! one and a seller for their own (another's product is 404); for a
//! category, admins only. 401 without a session, 403 for anyone else. The
//! file's type is read from its bytes (PNG, JPEG or WebP); SVG and
//! anything else is refused, whatever the name or the claimed type. A
//! browser's own form post (no JavaScript) is sent back to the page it
//! came from with the outcome; other callers get JSON.

pub mod sniff;
pub mod store;

use crate::api_input::api_error;
use app::auth::ssr::{authorize, user_of_session, CatalogScope};
use app::auth::Role;
use app::error::AppError;
use app::live::ssr::EventBus;
use app::categories::ui::CATEGORY_IMAGE_FORM;
use app::products::ui::UPLOAD_FORM;
use app::ui::form::{is_local_path, FormFeedback};
use axum::body::Bytes;
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
            .route("/api/categories/{id}/image", post(upload_category).layer(DefaultBodyLimit::max(limit)))
            .route("/media/{name}", get(serve))
            .with_state(self)
    }
}

/// Whether a request is a browser posting its own form (it asks for HTML).
fn from_a_page(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// The page a browser returns to: the one it posted from, or `fallback`.
fn back_to(headers: &HeaderMap, fallback: String) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<axum::http::Uri>().ok())
        .and_then(|uri| uri.path_and_query().map(|p| p.as_str().to_string()))
        .filter(|path| is_local_path(path))
        .unwrap_or(fallback)
}

async fn upload(
    State(images): State<Images>,
    Path(product): Path<i32>,
    session: Session,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let outcome = add_to_product(&images, product, &session, multipart).await;
    let answer = Answer { form: UPLOAD_FORM, notice: "Image uploaded.".into(), back: format!("/admin/products/{product}") };
    answer.send(&session, &headers, outcome.map(|image| (StatusCode::CREATED, Json(image)))).await
}

async fn upload_category(
    State(images): State<Images>,
    Path(category): Path<i32>,
    session: Session,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let outcome = set_on_category(&images, category, &session, multipart).await;
    let notice = outcome.as_ref().map(|row| format!("Image saved for {}.", row.name)).unwrap_or_default();
    let answer = Answer { form: CATEGORY_IMAGE_FORM, notice, back: "/admin/categories".into() };
    answer.send(&session, &headers, outcome.map(|row| (StatusCode::OK, Json(row)))).await
}

/// How an upload is answered: JSON for a program; for a browser posting
/// its own form, the page it came from (`back` without a referrer), with
/// the outcome kept under `form` (the `notice` on success).
struct Answer {
    form: &'static str,
    notice: String,
    back: String,
}

impl Answer {
    async fn send<T: IntoResponse>(self, session: &Session, headers: &HeaderMap, outcome: Result<T, AppError>) -> Response {
        if !from_a_page(headers) {
            return match outcome {
                Ok(done) => done.into_response(),
                Err(err) => api_error(err),
            };
        }
        let (error, notice) = match outcome {
            Ok(_) => (None, Some(self.notice)),
            Err(err) => (Some(err), None),
        };
        let feedback = FormFeedback { form: self.form.into(), error, notice, values: Vec::new() };
        if let Err(err) = app::ui::form::ssr::keep(session, &feedback).await {
            return api_error(err);
        }
        Redirect::to(&back_to(headers, self.back)).into_response()
    }
}

/// Checks, stores and records one image of `product`.
async fn add_to_product(
    images: &Images,
    product: i32,
    session: &Session,
    multipart: Multipart,
) -> Result<app::products::model::ImageDetail, AppError> {
    let user = user_of_session(&images.db, session, chrono::Utc::now()).await.and_then(|user| authorize(user, Role::Seller))?;
    let scope = CatalogScope::of(&images.db, &user).await?;
    let upload = images.read(multipart).await?;
    // Only for someone who may change the product: checked before storing.
    app::products::ssr::read::product_in(&images.db, scope, product).await?;
    let url = images.keep(&upload).await?;
    let (image, recorded) = app::products::ssr::images::add(&images.db, scope, product, url, &upload.alt).await?;
    recorded.publish(images.events.as_ref());
    Ok(image)
}

/// Checks and stores an image and makes it `category`'s.
async fn set_on_category(
    images: &Images,
    category: i32,
    session: &Session,
    multipart: Multipart,
) -> Result<app::categories::model::CategoryRow, AppError> {
    user_of_session(&images.db, session, chrono::Utc::now()).await.and_then(|user| authorize(user, Role::Admin))?;
    let upload = images.read(multipart).await?;
    app::categories::ssr::write::exists(&images.db, category).await?;
    let url = images.keep(&upload).await?;
    let (row, recorded) = app::categories::ssr::write::set_image(&images.db, category, Some(url)).await?;
    recorded.publish(images.events.as_ref());
    Ok(row)
}

/// An uploaded image, checked: its stored name and its alt text.
struct Upload {
    name: String,
    bytes: Bytes,
    alt: String,
}

impl Images {
    /// The `image` (and `alt`) fields of an upload: 413 over the size
    /// limit, 422 without a file or for a file that is not an image we take.
    async fn read(&self, mut multipart: Multipart) -> Result<Upload, AppError> {
        let too_large = || AppError::PayloadTooLarge(format!("An image can be at most {} MB.", self.max_bytes / (1024 * 1024)));
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
        let bytes = file.ok_or_else(|| AppError::Validation { field: "image".into(), message: "Choose an image to upload.".into() })?;
        if bytes.len() > self.max_bytes {
            return Err(too_large());
        }
        let kind = sniff(&bytes).map_err(|why| AppError::Validation { field: "image".into(), message: why.to_string() })?;
        let name = format!("{:x}.{}", Sha256::digest(&bytes), kind.extension());
        Ok(Upload { name, bytes, alt })
    }

    /// Stores `upload`, returning the URL it is served at.
    async fn keep(&self, upload: &Upload) -> Result<String, AppError> {
        self.store.put(&upload.name, &upload.bytes).await.map_err(|err| {
            tracing::error!(error = %err, name = upload.name, "could not store an uploaded image");
            AppError::Internal
        })?;
        Ok(format!("/media/{}", upload.name))
    }
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
