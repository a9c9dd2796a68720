//! The reports' server functions (`/api/admin/analytics`,
//! `/api/seller/analytics`; see docs/api.md). Each checks who is calling
//! before anything else: 401 signed out, 403 for a role that lacks it;
//! then a period that cannot be read or is too long is a 422 naming its
//! field.

use super::model::Report;
use crate::error::AppError;
use crate::money::Currency;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    analytics::ssr::{period, queries},
    auth::ssr::{require_catalog_scope, require_role, CatalogScope},
    auth::Role,
    error::ssr::with_status,
    state::app_state,
};

/// The whole shop's sales, admins only. The period is `from`–`to`
/// (`YYYY-MM-DD`, UTC days, both included), or the last `days` days, or
/// the last 30 days; figures in `currency` (the shop's, USD, by default).
#[server(endpoint = "admin/analytics")]
pub async fn admin_analytics(
    from: Option<String>,
    to: Option<String>,
    days: Option<u32>,
    currency: Option<Currency>,
) -> Result<Report, AppError> {
    require_role(Role::Admin).await?;
    let period = period(from.as_deref(), to.as_deref(), days, chrono::Utc::now()).map_err(|err| with_status(err.into()))?;
    let db = &app_state()?.db;
    queries::report(db, queries::Scope::Shop, period, currency.unwrap_or_default()).await.map_err(|err| with_status(err.into()))
}

/// A seller's sales: only the order lines of their own products, for the
/// same arguments as [`admin_analytics`]. Customers get 403; an admin, who
/// manages every seller's products, gets the whole shop.
#[server(endpoint = "seller/analytics")]
pub async fn seller_analytics(
    from: Option<String>,
    to: Option<String>,
    days: Option<u32>,
    currency: Option<Currency>,
) -> Result<Report, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    let period = period(from.as_deref(), to.as_deref(), days, chrono::Utc::now()).map_err(|err| with_status(err.into()))?;
    let scope = match scope {
        CatalogScope::All => queries::Scope::Shop,
        CatalogScope::Seller(seller_id) => queries::Scope::Seller(seller_id),
    };
    let db = &app_state()?.db;
    queries::report(db, scope, period, currency.unwrap_or_default()).await.map_err(|err| with_status(err.into()))
}
