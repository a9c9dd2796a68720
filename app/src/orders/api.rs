//! Orders' server functions (`/api/orders…`; see docs/api.md). A customer
//! only ever sees their own orders: anyone else's is "not found".

use super::model::{OrderDetail, OrderSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{auth::ssr::require_user, error::ssr::with_status, orders::change, orders::ssr, state::app_state};

/// The signed-in customer's orders, newest first.
#[server(endpoint = "orders")]
pub async fn list_orders() -> Result<Vec<OrderSummary>, AppError> {
    let user = require_user().await.map_err(with_status)?;
    let db = app_state()?.db;
    ssr::history(&db, user.id).await.map_err(with_status)
}

/// One of the signed-in customer's orders.
#[server(endpoint = "orders/get")]
pub async fn get_order(id: i32) -> Result<OrderDetail, AppError> {
    let user = require_user().await.map_err(with_status)?;
    let db = app_state()?.db;
    ssr::detail(&db, user.id, id).await.map_err(with_status)
}

/// Cancels a pending or confirmed order, restocks it and refunds it.
#[server(endpoint = "orders/cancel")]
pub async fn cancel_order(id: i32) -> Result<OrderDetail, AppError> {
    let user = require_user().await.map_err(with_status)?;
    let state = app_state()?;
    change::cancel((&state).into(), &user, id).await.map_err(with_status)?;
    ssr::detail(&state.db, user.id, id).await.map_err(with_status)
}
