//! Stock and alert server functions (`/api/stock/…`; docs/api.md), scoped
//! like the product editor's: admins every variant, a seller their own
//! (another's is "not found"), customers 403, anonymous callers 401.

use super::model::{AlertList, MovementReason, StockMovement};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::ssr::require_catalog_scope,
    error::ssr::with_status,
    inventory::ssr::{adjust, alerts},
    state::app_state,
};

/// Restocks (`quantity` > 0) or adjusts (either sign) variant `variant`;
/// returns its stock now. 422 on `quantity` when it would go below zero.
#[server(endpoint = "stock/adjust")]
pub async fn adjust_stock(
    variant: i32,
    quantity: i32,
    reason: MovementReason,
    #[server(default)] note: String,
) -> Result<i32, AppError> {
    let (user, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    let (stock, recorded) =
        adjust::adjust(&state.db, scope, &user, variant, quantity, reason, &note).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(stock)
}

/// Variant `variant`'s stock movements, newest first.
#[server(endpoint = "stock/movements")]
pub async fn stock_movements(variant: i32) -> Result<Vec<StockMovement>, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    adjust::history(&app_state()?.db, scope, variant).await.map_err(with_status)
}

/// The open low-stock alerts of the products the caller manages.
#[server(endpoint = "stock/alerts")]
pub async fn stock_alerts() -> Result<AlertList, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    alerts::open_alerts(&app_state()?.db, scope).await.map_err(with_status)
}

/// Dismisses open alert `id`; it stays dismissed until stock climbs back
/// above the threshold and falls again.
#[server(endpoint = "stock/alerts/dismiss")]
pub async fn dismiss_alert(id: i32) -> Result<(), AppError> {
    let (user, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    alerts::dismiss(&state.db, scope, &user, id).await.map_err(with_status)?.publish(state.events.as_ref());
    Ok(())
}
