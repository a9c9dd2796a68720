//! The desk's server functions (`/api/admin/…`; see docs/api.md). Each
//! checks that an admin is calling before anything else: customers and
//! sellers get 403, anonymous callers 401.

use super::model::{AdminOrder, KpiPeriod, Kpis, OrderEdit, OrderPage, OrderQuery, StatusCount};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{auth::ssr::require_role, auth::Role, admin::ssr, error::ssr::with_status, state::app_state};

/// A window of the order table.
#[server(endpoint = "admin/orders/window")]
pub async fn admin_orders(#[server(default)] query: OrderQuery) -> Result<OrderPage, AppError> {
    require_role(Role::Admin).await?;
    ssr::list(&app_state()?.db, query).await.map_err(with_status)
}

/// Orders per status under the table's other filters.
#[server(endpoint = "admin/orders/counts")]
pub async fn admin_order_counts(#[server(default)] query: OrderQuery) -> Result<Vec<StatusCount>, AppError> {
    require_role(Role::Admin).await?;
    ssr::counts(&app_state()?.db, query).await.map_err(with_status)
}

/// One order, for the edit dialog.
#[server(endpoint = "admin/orders/get")]
pub async fn load_order(id: i32) -> Result<AdminOrder, AppError> {
    require_role(Role::Admin).await?;
    ssr::detail(&app_state()?.db, id).await.map_err(with_status)
}

/// Saves an edit made from `edit.version`: 409 with the current order if
/// someone saved first, 422 for a transition the lifecycle forbids.
#[server(endpoint = "admin/orders/save")]
pub async fn save_order(id: i32, edit: OrderEdit) -> Result<AdminOrder, AppError> {
    let admin = require_role(Role::Admin).await?;
    let state = app_state()?;
    ssr::save((&state).into(), &admin, id, edit).await.map_err(with_status)
}

/// The KPI cards' figures.
#[server(endpoint = "admin/kpis")]
pub async fn admin_kpis(#[server(default)] period: KpiPeriod) -> Result<Kpis, AppError> {
    require_role(Role::Admin).await?;
    ssr::kpis(&app_state()?.db, period, chrono::Utc::now()).await.map_err(with_status)
}
