//! Reading orders and moving them through their lifecycle. Every status
//! change goes through [`transition`], which checks the lifecycle, bumps
//! the version (refusing a stale one) and returns the new row.

use super::model::{OrderDetail, OrderLine, OrderSummary};
use super::status::OrderStatus;
use crate::account::model::CurrentUser;
use crate::entity::{order, order_item, variant};
use crate::mail::ssr::{enqueue, Email};
use crate::error::AppError;
use crate::money::{Currency, Money};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

fn not_found() -> AppError {
    AppError::NotFound("Order".into())
}

fn status_of(row: &order::Model) -> Result<OrderStatus, AppError> {
    OrderStatus::from_key(&row.status).ok_or_else(|| {
        tracing::error!(order = row.id, status = row.status, "unknown order status in the database");
        AppError::Internal
    })
}

fn currency_of(row: &order::Model) -> Result<Currency, AppError> {
    Currency::from_code(&row.currency).ok_or(AppError::Internal)
}

/// The order `id` if `user_id` placed it. Someone else's order is
/// `NotFound`, never `Forbidden`, so ids reveal nothing.
pub async fn owned(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<order::Model, AppError> {
    order::Entity::find_by_id(id).filter(order::Column::UserId.eq(user_id)).one(db).await?.ok_or_else(not_found)
}

/// Moves `order` to `to`. Fails with `Conflict` if the lifecycle forbids
/// it or if the row changed since `order` was read (its version moved on).
pub async fn transition(
    db: &impl ConnectionTrait,
    order: &order::Model,
    to: OrderStatus,
    tracking_number: Option<String>,
) -> Result<order::Model, AppError> {
    let from = status_of(order)?;
    from.transition(to).map_err(|err| AppError::Conflict(format!("This order cannot be changed: {err}.")))?;
    let now = Utc::now();
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.key()))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Version.eq(order.version));
    if let Some(tracking) = &tracking_number {
        update = update.col_expr(order::Column::TrackingNumber, Expr::value(tracking.clone()));
    }
    let changed = update.exec(db).await?.rows_affected;
    if changed == 0 {
        return Err(AppError::Conflict("This order was changed by someone else; reload it and try again.".into()));
    }
    Ok(order::Model {
        status: to.key().to_string(),
        version: order.version + 1,
        updated_at: now,
        tracking_number: tracking_number.or_else(|| order.tracking_number.clone()),
        ..order.clone()
    })
}

/// Cancels `user`'s order `id`, puts its stock back and queues the email.
pub async fn cancel(db: &DatabaseConnection, user: &CurrentUser, id: i32) -> Result<order::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let order = owned(&txn, user.id, id).await?;
    let cancelled = transition(&txn, &order, OrderStatus::Cancelled, None).await?;
    for item in order_item::Entity::find().filter(order_item::Column::OrderId.eq(id)).all(&txn).await? {
        variant::Entity::update_many()
            .col_expr(variant::Column::Stock, Expr::col(variant::Column::Stock).add(item.quantity))
            .filter(variant::Column::Id.eq(item.variant_id))
            .exec(&txn)
            .await?;
    }
    enqueue(
        &txn,
        Email {
            to: user.email.clone(),
            subject: format!("Your Bazaar order #{id} was cancelled"),
            body: format!("Hello {},\n\nYour order #{id} was cancelled and will be refunded in full.\n\n— Bazaar\n", user.name),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(cancelled)
}

/// `user_id`'s orders, newest first.
pub async fn history(db: &DatabaseConnection, user_id: i32) -> Result<Vec<OrderSummary>, AppError> {
    let orders = order::Entity::find()
        .filter(order::Column::UserId.eq(user_id))
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = orders.iter().map(|o| o.id).collect();
    let items = order_item::Entity::find().filter(order_item::Column::OrderId.is_in(ids)).all(db).await?;
    orders
        .iter()
        .map(|row| {
            let item_count = items
                .iter()
                .filter(|i| i.order_id == row.id)
                .map(|i| u32::try_from(i.quantity).unwrap_or(0))
                .sum();
            Ok(OrderSummary {
                id: row.id,
                status: status_of(row)?,
                total: Money::new(row.total_cents, currency_of(row)?),
                item_count,
                placed_on: row.created_at.format("%Y-%m-%d").to_string(),
            })
        })
        .collect()
}

/// The full order, for its owner.
pub async fn detail(db: &DatabaseConnection, user_id: i32, id: i32) -> Result<OrderDetail, AppError> {
    let row = owned(db, user_id, id).await?;
    let currency = currency_of(&row)?;
    let lines = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|item| OrderLine {
            sku: item.sku,
            product_name: item.product_name,
            variant_label: item.variant_label,
            unit_price: Money::new(item.unit_price_cents, currency),
            quantity: u32::try_from(item.quantity).unwrap_or(0),
        })
        .collect();
    let ship_to = [
        row.ship_name.as_str(),
        row.ship_line1.as_str(),
        row.ship_line2.as_str(),
        row.ship_city.as_str(),
        row.ship_region.as_str(),
        row.ship_postal_code.as_str(),
        row.ship_country.as_str(),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    Ok(OrderDetail {
        id: row.id,
        status: status_of(&row)?,
        version: row.version,
        lines,
        subtotal: Money::new(row.subtotal_cents, currency),
        shipping: Money::new(row.shipping_cents, currency),
        total: Money::new(row.total_cents, currency),
        ship_to,
        tracking_number: row.tracking_number,
        placed_on: row.created_at.format("%Y-%m-%d").to_string(),
    })
}
