//! The cart's server functions (`/api/cart/…`; see docs/api.md). They work
//! for guests and signed-in customers alike. The forms that change the cart
//! also work without JavaScript: a browser's own form post is sent back to
//! the page it came from, which shows the outcome (`ui::form::ssr`).

use super::model::Cart;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::ssr::session,
    cart::{model::forms, ssr},
    error::ssr::with_status,
    state::app_state,
    ui::form::ssr::{finish, posted_from, FormFlow},
};

/// Finishes a cart form: JSON for scripts, a redirect back to `page` with
/// the outcome for a browser posting without JavaScript.
#[cfg(feature = "ssr")]
async fn finish_form(
    form: &'static str,
    page: String,
    notice: &'static str,
    values: Vec<(&'static str, String)>,
    result: Result<Cart, AppError>,
) -> Result<Cart, AppError> {
    let flow = FormFlow { form, page, on_success: None, notice: Some(notice), values };
    finish(&session().await?, flow, result).await
}

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
    let result = ssr::add(&db, &owner, &sku, quantity).await;
    let values = vec![("quantity", quantity.to_string())];
    finish_form(forms::ADD_TO_CART, posted_from("/cart"), "Added to cart.", values, result).await
}

/// Sets the quantity of `sku`; zero removes it.
#[server(endpoint = "cart/update")]
pub async fn update_cart(sku: String, quantity: u32) -> Result<Cart, AppError> {
    let db = app_state()?.db;
    let owner = ssr::owner().await?;
    let result = ssr::update(&db, &owner, &sku, quantity).await;
    finish_form(forms::UPDATE_CART, "/cart".into(), "Your cart was updated.", Vec::new(), result).await
}

/// Removes `sku` from the cart.
#[server(endpoint = "cart/remove")]
pub async fn remove_from_cart(sku: String) -> Result<Cart, AppError> {
    let db = app_state()?.db;
    let owner = ssr::owner().await?;
    let result = ssr::update(&db, &owner, &sku, 0).await;
    finish_form(forms::REMOVE_FROM_CART, "/cart".into(), "Removed from your cart.", Vec::new(), result).await
}
