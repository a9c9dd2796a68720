//! The wishlist's server functions (`/api/wishlist…`; see docs/api.md).
//! Signed-in customers only.

use crate::catalog::model::ProductCard;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{auth::ssr::require_user, error::ssr::with_status, state::app_state, wishlist::ssr};

/// The signed-in customer's wishlist.
#[server(endpoint = "wishlist")]
pub async fn get_wishlist() -> Result<Vec<ProductCard>, AppError> {
    let user = require_user().await.map_err(with_status)?;
    let db = app_state()?.db;
    ssr::list(&db, user.id).await.map_err(with_status)
}

/// The slugs of the products on the signed-in customer's wishlist; empty
/// for guests (product cards ask on every page, signed in or not).
#[server(endpoint = "wishlist/slugs")]
pub async fn wishlist_slugs() -> Result<Vec<String>, AppError> {
    let Some(user) = crate::auth::ssr::current_user().await? else {
        return Ok(Vec::new());
    };
    let db = app_state()?.db;
    ssr::slugs(&db, user.id).await.map_err(with_status)
}

/// Saves the product `slug`.
#[server(endpoint = "wishlist/add")]
pub async fn add_to_wishlist(slug: String) -> Result<(), AppError> {
    let user = require_user().await.map_err(with_status)?;
    let db = app_state()?.db;
    ssr::add(&db, user.id, &slug).await.map_err(with_status)
}

/// Forgets the product `slug`.
#[server(endpoint = "wishlist/remove")]
pub async fn remove_from_wishlist(slug: String) -> Result<(), AppError> {
    let user = require_user().await.map_err(with_status)?;
    let db = app_state()?.db;
    ssr::remove(&db, user.id, &slug).await.map_err(with_status)
}

/// Moves the product `slug` into the cart (one unit of its first in-stock
/// variant).
#[server(endpoint = "wishlist/move-to-cart")]
pub async fn move_to_cart(slug: String) -> Result<(), AppError> {
    let user = require_user().await.map_err(with_status)?;
    let db = app_state()?.db;
    ssr::move_to_cart(&db, user.id, &slug).await.map_err(with_status)
}
