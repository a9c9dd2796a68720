//! Reviews' server functions (`/api/reviews/…`, and
//! `/api/admin/reviews/hide` for admins; docs/api.md). The forms that
//! change reviews also work without JavaScript: a browser's own form post
//! is sent back to the product page, which shows the outcome
//! (`ui::form::ssr`).

use super::model::{Review, ReviewList, ReviewSort};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::ssr::{authorize, current_user, session},
    auth::Role,
    error::ssr::with_status,
    reviews::model::{forms, ReviewInput, MAX_TEXT_CHARS, SAVED_NOTICE},
    reviews::ssr::{moderate, read, write},
    state::app_state,
    ui::form::ssr::{finish, posted_from, FormFlow},
};

/// Finishes a review form: JSON for scripts; for a browser posting without
/// JavaScript, a redirect back to `page` with the outcome.
#[cfg(feature = "ssr")]
async fn finish_form<T>(
    form: &'static str,
    page: String,
    notice: Option<&'static str>,
    values: Vec<(&'static str, String)>,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    let flow = FormFlow { form, page, on_success: None, notice, values };
    finish(&session().await?, flow, result).await
}

/// The product page a form about product `slug` was posted from.
#[cfg(feature = "ssr")]
fn product_page(slug: &str) -> String {
    posted_from(&format!("/p/{}", form_urlencoded::byte_serialize(slug.as_bytes()).collect::<String>()))
}

/// Product `product`'s reviews (its slug) in `sort` order (`helpful`, the
/// default, or `newest`), as the caller sees them.
#[server(endpoint = "reviews/list")]
pub async fn list_reviews(product: String, #[server(default)] sort: ReviewSort) -> Result<ReviewList, AppError> {
    let db = app_state()?.db;
    let viewer = current_user().await?;
    read::list(&db, viewer.as_ref(), &product, sort).await.map_err(with_status)
}

/// The caller's own review of product `product`, if they are signed in and
/// have written one.
#[server(endpoint = "reviews/mine")]
pub async fn my_review(product: String) -> Result<Option<Review>, AppError> {
    let Some(user) = current_user().await? else {
        return Ok(None);
    };
    read::mine(&app_state()?.db, &user, &product).await.map_err(with_status)
}

/// Writes the caller's review of product `product` (its slug), replacing
/// the one they wrote before. `rating` is 1 to 5 stars.
#[server(endpoint = "reviews/write")]
pub async fn write_review(
    product: String,
    rating: Option<u8>,
    #[server(default)] title: String,
    #[server(default)] text: String,
) -> Result<Review, AppError> {
    let state = app_state()?;
    let result = match (current_user().await?, ReviewInput::parse(rating, &title, &text)) {
        (None, _) => Err(AppError::Unauthorized),
        (Some(_), Err(invalid)) => Err(invalid),
        (Some(user), Ok(input)) => write::write(&state.db, &state.reviews, &user, &product, &input).await,
    };
    let result = published(&state, result);
    // What was typed goes back into the form after a failure; twice the
    // limit is more than any review being trimmed to fit, and keeps the
    // session small.
    let text: String = text.chars().take(2 * MAX_TEXT_CHARS).collect();
    let values = vec![("rating", rating.map(|stars| stars.to_string()).unwrap_or_default()), ("title", title), ("text", text)];
    finish_form(forms::WRITE, product_page(&product), Some(SAVED_NOTICE), values, result).await
}

/// Marks review `review` helpful, once per customer; not their own.
#[server(endpoint = "reviews/helpful")]
pub async fn mark_review_helpful(review: i32) -> Result<Review, AppError> {
    let state = app_state()?;
    let result = match current_user().await? {
        None => Err(AppError::Unauthorized),
        Some(user) => write::mark_helpful(&state.db, &user, review).await,
    };
    let result = published(&state, result);
    let page = format!("{}#review-{review}", posted_from("/"));
    finish_form(forms::HELPFUL, page, None, Vec::new(), result).await
}

/// Hides review `review` from customers (`hidden: true`) or shows it again.
/// Admins only.
#[server(endpoint = "admin/reviews/hide")]
pub async fn hide_review(review: i32, hidden: bool) -> Result<Review, AppError> {
    let state = app_state()?;
    let result = match authorize(current_user().await?, Role::Admin) {
        Err(refused) => Err(refused),
        Ok(admin) => moderate::set_hidden(&state.db, &admin, review, hidden).await,
    };
    let result = published(&state, result);
    let page = format!("{}#review-{review}", posted_from("/"));
    finish_form(forms::HIDE, page, None, Vec::new(), result).await
}

/// The review of a committed change, its events published.
#[cfg(feature = "ssr")]
fn published(
    state: &crate::state::AppState,
    result: Result<(Review, crate::live::ssr::Recorded), AppError>,
) -> Result<Review, AppError> {
    result.map(|(review, recorded)| {
        recorded.publish(state.events.as_ref());
        review
    })
}
