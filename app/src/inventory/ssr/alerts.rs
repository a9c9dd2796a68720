//! Low-stock alerts: raised when a variant's stock falls to its threshold
//! or below, resolved when it climbs back above, dismissed by hand.
//!
//! An alert belongs to a crossing: it is raised only when the variant goes
//! from above its threshold to at-or-below it, so further sales while low
//! (or after a dismissal) raise nothing until stock has been back above.

use super::events::stock_changed;
use super::movement::StockError;
use crate::auth::ssr::CatalogScope;
use crate::auth::CurrentUser;
use crate::db::{begin_write, is_unique_violation, WriteTxn};
use crate::entity::{product, stock_alert, variant};
use crate::error::AppError;
use crate::inventory::model::{is_low, AlertList, AlertStatus, StockAlert};
use crate::live::ssr::Recorded;
use chrono::{SecondsFormat, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// A variant's stock and threshold at some moment.
#[derive(Debug, Clone, Copy)]
pub struct Level {
    stock: i32,
    threshold: i32,
}

impl Level {
    pub fn of(variant: &variant::Model) -> Self {
        Level { stock: variant.stock, threshold: variant.low_stock_threshold }
    }

    /// Before a variant existed: not low, so one created low is alerted.
    pub fn before_creation() -> Self {
        Level { stock: i32::MAX, threshold: 0 }
    }

    fn is_low(self) -> bool {
        is_low(self.stock, self.threshold)
    }
}

/// Raises or resolves `now`'s alert after its stock or threshold moved
/// from `before`; returns the alert that changed, if one did.
pub async fn reconsider(
    txn: &WriteTxn,
    before: Level,
    now: &variant::Model,
    product: &product::Model,
) -> Result<Option<StockAlert>, StockError> {
    let after = Level::of(now);
    let at = Utc::now();
    if !before.is_low() && after.is_low() {
        let raised = stock_alert::ActiveModel {
            id: NotSet,
            variant_id: Set(now.id),
            threshold: Set(now.low_stock_threshold),
            stock: Set(now.stock),
            status: Set(AlertStatus::Open),
            raised_at: Set(at),
            closed_at: Set(None),
            closed_by: Set(None),
        }
        .insert(txn)
        .await;
        return match raised {
            Ok(row) => Ok(Some(describe(&row, now, product))),
            // Still open from an earlier crossing (its threshold was
            // lowered and raised again): that alert stands.
            Err(err) if is_unique_violation(&err) => Ok(None),
            Err(err) => Err(err.into()),
        };
    }
    if before.is_low() && !after.is_low() {
        let open = stock_alert::Entity::find()
            .filter(stock_alert::Column::VariantId.eq(now.id))
            .filter(stock_alert::Column::Status.eq(AlertStatus::Open))
            .one(txn)
            .await?;
        if let Some(open) = open {
            let mut row: stock_alert::ActiveModel = open.into();
            row.status = Set(AlertStatus::Resolved);
            row.closed_at = Set(Some(at));
            let resolved = row.update(txn).await?;
            return Ok(Some(describe(&resolved, now, product)));
        }
    }
    Ok(None)
}

fn describe(alert: &stock_alert::Model, variant: &variant::Model, product: &product::Model) -> StockAlert {
    StockAlert {
        id: alert.id,
        variant: variant.id,
        sku: variant.sku.clone(),
        variant_label: variant.label.clone(),
        product: product.id,
        product_name: product.name.clone(),
        stock: variant.stock,
        threshold: variant.low_stock_threshold,
        status: alert.status,
        raised_at: alert.raised_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// The open alerts `scope` may see, newest first.
pub async fn open_alerts(db: &impl ConnectionTrait, scope: CatalogScope) -> Result<AlertList, AppError> {
    let rows = stock_alert::Entity::find()
        .filter(stock_alert::Column::Status.eq(AlertStatus::Open))
        .order_by_desc(stock_alert::Column::Id)
        .all(db)
        .await?;
    let variant_ids: Vec<i32> = rows.iter().map(|a| a.variant_id).collect();
    let variants: HashMap<i32, variant::Model> =
        variant::Entity::find().filter(variant::Column::Id.is_in(variant_ids)).all(db).await?.into_iter().map(|v| (v.id, v)).collect();
    let mut products = product::Entity::find().filter(product::Column::Id.is_in(variants.values().map(|v| v.product_id)));
    if let CatalogScope::Seller(seller) = scope {
        products = products.filter(product::Column::SellerId.eq(seller));
    }
    let products: HashMap<i32, product::Model> = products.all(db).await?.into_iter().map(|p| (p.id, p)).collect();
    let alerts = rows
        .iter()
        .filter_map(|alert| {
            let variant = variants.get(&alert.variant_id)?;
            Some(describe(alert, variant, products.get(&variant.product_id)?))
        })
        .collect();
    Ok(AlertList { alerts, seller: scope.seller() })
}

/// Dismisses open alert `id`, if `scope` may see it (404 otherwise, and
/// for one already closed).
pub async fn dismiss(db: &DatabaseConnection, scope: CatalogScope, user: &CurrentUser, id: i32) -> Result<Recorded, AppError> {
    let not_found = || AppError::NotFound("Alert".into());
    let txn = begin_write(db).await?;
    let alert = stock_alert::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    let variant = variant::Entity::find_by_id(alert.variant_id).one(&txn).await?.ok_or_else(not_found)?;
    let product = product::Entity::find_by_id(variant.product_id).one(&txn).await?.ok_or_else(not_found)?;
    if !scope.covers(product.seller_id) || alert.status != AlertStatus::Open {
        return Err(not_found());
    }
    let closed = stock_alert::Entity::update_many()
        .col_expr(stock_alert::Column::Status, Expr::value(AlertStatus::Dismissed))
        .col_expr(stock_alert::Column::ClosedAt, Expr::value(Utc::now()))
        .col_expr(stock_alert::Column::ClosedBy, Expr::value(user.id))
        .filter(stock_alert::Column::Id.eq(id))
        .filter(stock_alert::Column::Status.eq(AlertStatus::Open))
        .exec(&txn)
        .await?;
    if closed.rows_affected == 0 {
        return Err(not_found());
    }
    let dismissed = stock_alert::Model { status: AlertStatus::Dismissed, ..alert };
    let recorded = stock_changed(&txn, &variant, &product, Some(describe(&dismissed, &variant, &product))).await?;
    txn.commit().await?;
    Ok(recorded)
}
