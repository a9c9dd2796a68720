//! Reading a customer's orders. Changing one goes through
//! `orders::change`.

use super::model::{OrderDetail, OrderLine, OrderSummary};
use crate::entity::{order, order_external_line, order_item};
use crate::error::AppError;
use crate::live::ssr::catch_up::head;
use crate::live::topic::Topic;
use crate::money::Money;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

fn not_found() -> AppError {
    AppError::NotFound("Order".into())
}

/// The order `id` if `user_id` placed it. Someone else's order is
/// `NotFound`, never `Forbidden`, so ids reveal nothing.
pub async fn owned(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<order::Model, AppError> {
    order::Entity::find_by_id(id).filter(order::Column::UserId.eq(user_id)).one(db).await?.ok_or_else(not_found)
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
    Ok(orders
        .iter()
        .map(|row| {
            let item_count = items
                .iter()
                .filter(|i| i.order_id == row.id)
                .map(|i| u32::try_from(i.quantity).unwrap_or(0))
                .sum();
            OrderSummary {
                id: row.id,
                status: row.status,
                total: Money::new(row.total_cents, row.currency),
                item_count,
                placed_on: row.created_at.format("%Y-%m-%d").to_string(),
            }
        })
        .collect())
}

/// The full order, for its owner.
pub async fn detail(db: &DatabaseConnection, user_id: i32, id: i32) -> Result<OrderDetail, AppError> {
    // The topic's head is read before the order, so an event committed in
    // between is delivered to the page rather than missed.
    let live_seq = head(db, &Topic::Order(id).to_string()).await?;
    let row = owned(db, user_id, id).await?;
    let currency = row.currency;
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
        });
    // Lines of a Shopify order that match none of our variants.
    let external = order_external_line::Entity::find()
        .filter(order_external_line::Column::OrderId.eq(id))
        .order_by_asc(order_external_line::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|line| OrderLine {
            sku: line.sku,
            product_name: line.title,
            variant_label: String::new(),
            unit_price: Money::new(line.unit_price_cents, currency),
            quantity: u32::try_from(line.quantity).unwrap_or(0),
        });
    let lines = lines.chain(external).collect();
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
        status: row.status,
        version: row.version,
        lines,
        subtotal: Money::new(row.subtotal_cents, currency),
        shipping: Money::new(row.shipping_cents, currency),
        total: Money::new(row.total_cents, currency),
        ship_to,
        tracking_number: row.tracking_number,
        live_seq,
        placed_on: row.created_at.format("%Y-%m-%d").to_string(),
    })
}
