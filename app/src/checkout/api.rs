//! Checkout's server functions (`/api/checkout…`; see docs/api.md).
// For the whole module, not the item: the server macro turns `place_order`
// into several items (the client's and the server's), and the lint fires on
// the ones the attribute does not reach. Its one argument per form field
// keeps the form working without JavaScript.
#![allow(clippy::too_many_arguments, reason = "one argument per checkout form field")]

use super::model::Quote;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    account::model::AddressInput,
    auth::ssr::{require_user, session},
    checkout::{model::CHECKOUT_FORM, ssr},
    error::ssr::with_status,
    state::app_state,
    ui::form::ssr::{finish, FormFlow},
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
/// fields are used (and saved to the address book with the order).
/// `idempotency_key` identifies this checkout: retrying with the same key
/// and the same details returns the same order and never charges twice;
/// the same key with different details is refused (422).
///
/// Posted without JavaScript, a success goes to the order's page and a
/// failure back to `/checkout`, which shows the error and what was typed
/// (never the card number).
#[server(endpoint = "checkout")]
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
    // What goes back into the form after a failure: never the card.
    let values = vec![
        ("address_id", address_id.clone()),
        ("full_name", full_name.clone()),
        ("line1", line1.clone()),
        ("line2", line2.clone()),
        ("city", city.clone()),
        ("region", region.clone()),
        ("postal_code", postal_code.clone()),
        ("country", country.clone()),
        ("phone", phone.clone()),
    ];
    let optional = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let new_address = AddressInput {
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
    let result = match ssr::AddressChoice::from_form(&address_id, new_address) {
        Ok(address) => {
            let request = ssr::OrderRequest { idempotency_key: &idempotency_key, address, card_number: &card_number };
            ssr::place_order((&state).into(), state.payment_timing, &user, request).await
        }
        Err(err) => Err(err),
    };
    let flow = FormFlow {
        form: CHECKOUT_FORM,
        page: "/checkout".into(),
        on_success: result.as_ref().ok().map(|order| format!("/orders/{}", order.id)),
        notice: None,
        values,
    };
    finish(&session().await?, flow, result.map(|order| order.id)).await
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
