//! Checkout's server functions (`/api/checkout…`; see docs/api.md).

use super::model::Quote;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    account::{model::AddressInput, ssr::{addresses, require_user}},
    checkout::ssr,
    error::ssr::with_status,
    state::app_state,
};

/// Shipping and total for the signed-in customer's cart sent to `country`.
#[server(endpoint = "checkout/quote")]
pub async fn checkout_quote(country: String) -> Result<Quote, AppError> {
    let user = require_user().await.map_err(with_status)?;
    let db = app_state()?.db;
    ssr::quote(&db, user.id, &country).await.map_err(with_status)
}

/// Places the cart as an order and returns its id.
///
/// `address_id` picks a saved address; when it is empty the new-address
/// fields are used (and saved to the address book). `idempotency_key`
/// identifies this checkout: retrying with the same key returns the same
/// order and never charges twice.
#[server(endpoint = "checkout")]
#[expect(clippy::too_many_arguments, reason = "one argument per form field, so the form works without JavaScript")]
pub async fn place_order(
    idempotency_key: String,
    card_number: String,
    #[server(default)] address_id: String,
    #[server(default)] full_name: String,
    #[server(default)] line1: String,
    #[server(default)] line2: String,
    #[server(default)] city: String,
    #[server(default)] region: String,
    #[server(default)] postal_code: String,
    #[server(default)] country: String,
    #[server(default)] phone: String,
) -> Result<i32, AppError> {
    let user = require_user().await.map_err(with_status)?;
    let state = app_state()?;
    let result = async {
        let address = match address_id.trim() {
            "" => {
                let optional = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
                let input = AddressInput {
                    id: None,
                    full_name,
                    line1,
                    line2: optional(line2),
                    city,
                    region: optional(region),
                    postal_code,
                    country,
                    phone: optional(phone),
                    is_default: false,
                };
                addresses::save(&state.db, user.id, &input).await?
            }
            id => {
                let id = id.parse().map_err(|_| AppError::NotFound("Address".into()))?;
                addresses::get(&state.db, user.id, id).await?
            }
        };
        let request = ssr::OrderRequest { idempotency_key: &idempotency_key, address: &address, card_number: &card_number };
        ssr::place_order(&state.db, state.payments.as_ref(), &user, request).await
    }
    .await;
    match result {
        Ok(order) => {
            state.outbox.notify_one();
            leptos_axum::redirect(&format!("/orders/{}", order.id));
            Ok(order.id)
        }
        Err(err) => Err(with_status(err)),
    }
}

/// A fresh idempotency key for one checkout attempt. The checkout page
/// puts it in the form, so a double-click or a retry of the same attempt
/// reuses it.
#[server(endpoint = "checkout/key")]
pub async fn new_checkout_key() -> Result<String, AppError> {
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().gen();
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
