//! Accounts' server functions, at stable endpoints (see docs/api.md).
//!
//! Each takes its arguments form-encoded, as the pages' `ActionForm`s post
//! them (so the pages work before, and without, the WASM); integrators POST
//! the same arguments as a JSON object, which the server re-encodes (see
//! `server::json_api`). A browser posting a form without JavaScript is
//! answered with a redirect, its outcome kept for the page to show
//! (`ui::form::ssr`); every other caller gets the result as JSON,
//! errors with their HTTP status: 422 for input that cannot be accepted,
//! 401 when not signed in, 404 for an address that is not yours.

use crate::account::model::{Address, AddressInput, SecretString};
use crate::auth::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    account::model::forms,
    account::ssr,
    account::validate::local_redirect,
    auth::ssr::{current_user, end_session, require_user, session},
    error::ssr::with_status,
    state::app_state,
    ui::form::ssr::{finish, FormFlow},
};

/// `path` with `next` appended as its query, when there is one.
pub fn with_next(path: &str, next: Option<&str>) -> String {
    match next.filter(|next| !next.is_empty()) {
        Some(next) => {
            let query = form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
            format!("{path}?{query}")
        }
        None => path.to_string(),
    }
}

/// Creates a customer account and signs it in, then sends a browser on to
/// `next` (a local path) or the account page.
#[server(endpoint = "auth/register")]
pub async fn register(
    email: String,
    password: SecretString,
    name: String,
    next: Option<String>,
) -> Result<CurrentUser, AppError> {
    let state = app_state()?;
    let session = session().await?;
    let result = ssr::auth::register(&state.db, &state.password_hashing, &session, &email, password, &name).await;
    let flow = FormFlow {
        form: forms::SIGN_UP,
        page: with_next("/sign-up", next.as_deref()),
        on_success: Some(local_redirect(next.as_deref())),
        notice: None,
        values: vec![("email", email), ("name", name)],
    };
    finish(&session, flow, result).await
}

/// Signs in, then sends a browser on to `next` (a local path) or the
/// account page. A wrong email and a wrong password give the same error.
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(email: String, password: SecretString, next: Option<String>) -> Result<CurrentUser, AppError> {
    let state = app_state()?;
    let session = session().await?;
    let result = ssr::auth::sign_in(&state.db, &state.password_hashing, &session, &email, password).await;
    let flow = FormFlow {
        form: forms::SIGN_IN,
        page: with_next("/sign-in", next.as_deref()),
        on_success: Some(local_redirect(next.as_deref())),
        notice: None,
        values: vec![("email", email)],
    };
    finish(&session, flow, result).await
}

/// Signs out, clearing the session, and sends a browser to the home page.
#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let session = session().await?;
    let result = end_session(&session).await;
    let flow = FormFlow { form: "sign-out", page: "/".into(), on_success: Some("/".into()), notice: None, values: vec![] };
    finish(&session, flow, result).await
}

/// Signs the user out of every session they have, on every device, this
/// one included, and sends a browser to the home page.
#[server(endpoint = "account/sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let state = app_state()?;
    let session = session().await?;
    let result = match current_user().await {
        Ok(Some(user)) => crate::auth::ssr::sign_out_everywhere(&state.db, &session, user.id).await,
        Ok(None) => Err(AppError::Unauthorized),
        Err(err) => Err(err),
    };
    let flow = FormFlow {
        form: forms::SIGN_OUT_EVERYWHERE,
        page: "/account".into(),
        on_success: Some("/".into()),
        notice: None,
        values: vec![],
    };
    finish(&session, flow, result).await
}

/// Changes the signed-in user's password (`current` must be right).
#[server(endpoint = "account/password")]
pub async fn change_password(current: SecretString, new: SecretString) -> Result<(), AppError> {
    let state = app_state()?;
    let session = session().await?;
    let result = match current_user().await {
        Ok(Some(user)) => ssr::auth::change_password(&state.db, &state.password_hashing, &session, &user, current, new).await,
        Ok(None) => Err(AppError::Unauthorized),
        Err(err) => Err(err),
    };
    let flow = FormFlow {
        form: forms::CHANGE_PASSWORD,
        page: "/account".into(),
        on_success: None,
        notice: Some("Your password has been changed."),
        values: vec![],
    };
    finish(&session, flow, result).await
}

/// The signed-in user's saved addresses, the default first.
#[server(endpoint = "account/addresses")]
pub async fn list_addresses() -> Result<Vec<Address>, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    ssr::addresses::list(&state.db, user.id).await.map_err(with_status)
}

/// Creates (no `id`) or updates one of the signed-in user's addresses.
/// A form names its fields `address[full_name]`, `address[line1]`, …;
/// a checked "Use as default" box sends `address[is_default]=true`.
#[server(endpoint = "account/addresses/save")]
pub async fn save_address(address: AddressInput) -> Result<Address, AppError> {
    let state = app_state()?;
    let session = session().await?;
    let result = match current_user().await {
        Ok(Some(user)) => ssr::addresses::save(&state.db, user.id, &address).await,
        Ok(None) => Err(AppError::Unauthorized),
        Err(err) => Err(err),
    };
    let text = |value: Option<String>| value.unwrap_or_default();
    let flow = FormFlow {
        form: forms::SAVE_ADDRESS,
        page: "/account".into(),
        on_success: None,
        notice: Some("Address saved."),
        values: vec![
            ("full_name", address.full_name),
            ("line1", address.line1),
            ("line2", text(address.line2)),
            ("city", address.city),
            ("region", text(address.region)),
            ("postal_code", address.postal_code),
            ("country", address.country),
            ("phone", text(address.phone)),
        ],
    };
    finish(&session, flow, result).await
}

/// Deletes one of the signed-in user's addresses; another user's is 404.
#[server(endpoint = "account/addresses/delete")]
pub async fn delete_address(id: i32) -> Result<(), AppError> {
    let state = app_state()?;
    let session = session().await?;
    let result = match current_user().await {
        Ok(Some(user)) => ssr::addresses::delete(&state.db, user.id, id).await,
        Ok(None) => Err(AppError::Unauthorized),
        Err(err) => Err(err),
    };
    let flow = FormFlow {
        form: forms::DELETE_ADDRESS,
        page: "/account".into(),
        on_success: None,
        notice: Some("Address deleted."),
        values: vec![],
    };
    finish(&session, flow, result).await
}
