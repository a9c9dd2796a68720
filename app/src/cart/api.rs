//! The cart's server functions (`/api/cart/…`; see docs/api.md). They work
//! for guests and signed-in customers alike.

use super::model::Cart;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{cart::ssr, error::ssr::with_status, state::app_state};

/// The current cart.
#[server(endpoint = "cart")]
pub async fn get_cart() -> Result<Cart, AppError> {
    let db = app_state()?.db;
    let owner = ssr::owner().await?;
    ssr::view(&db, &owner).await.map_err(with_status)
}

/// Adds `quantity` units of the variant `sku`.
#[server(endpoint = "cart/add")]
pub async fn add_to_cart(sku: String, quantity: u32) -> Result<Cart, AppError> {
    let db = app_state()?.db;
    let owner = ssr::owner().await?;
    ssr::add(&db, &owner, &sku, quantity).await.map_err(with_status)
}

/// Sets the quantity of `sku`; zero removes it.
#[server(endpoint = "cart/update")]
pub async fn update_cart(sku: String, quantity: u32) -> Result<Cart, AppError> {
    let db = app_state()?.db;
    let owner = ssr::owner().await?;
    ssr::update(&db, &owner, &sku, quantity).await.map_err(with_status)
}

/// Removes `sku` from the cart.
#[server(endpoint = "cart/remove")]
pub async fn remove_from_cart(sku: String) -> Result<Cart, AppError> {
    let db = app_state()?.db;
    let owner = ssr::owner().await?;
    ssr::update(&db, &owner, &sku, 0).await.map_err(with_status)
}
