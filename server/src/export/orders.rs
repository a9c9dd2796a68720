//! The orders export: the desk's filters, one row per order, by id.

use super::csv_cell::{amount, text};
use super::{Page, PAGE_ROWS};
use app::admin::model::OrderQuery;
use app::admin::ssr::filtered;
use app::entity::{order, order_item, user};
use app::error::AppError;
use app::orders::change::timestamp;
use sea_orm::{ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// The columns, in order.
pub const HEADER: &[&str] = &[
    "id",
    "created_at",
    "status",
    "customer_name",
    "customer_email",
    "items",
    "subtotal",
    "shipping",
    "total",
    "currency",
    "tracking_number",
];

#[derive(FromQueryResult)]
struct ItemCount {
    order_id: i32,
    items: i64,
}

/// The orders `query` selects with ids above `after`, at most
/// [`PAGE_ROWS`], lowest id first. `items` is the number of units ordered.
pub(super) async fn page(db: &DatabaseConnection, query: &OrderQuery, after: i32) -> Result<Page, AppError> {
    let orders = filtered(query, true)?
        .filter(order::Column::Id.gt(after))
        .order_by_asc(order::Column::Id)
        .limit(PAGE_ROWS)
        .select_also(user::Entity)
        .all(db)
        .await?;
    let ids: Vec<i32> = orders.iter().map(|(o, _)| o.id).collect();
    let items: HashMap<i32, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        order_item::Entity::find()
            .select_only()
            .column(order_item::Column::OrderId)
            .column_as(order_item::Column::Quantity.sum(), "items")
            .filter(order_item::Column::OrderId.is_in(ids.iter().copied()))
            .group_by(order_item::Column::OrderId)
            .into_model::<ItemCount>()
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.order_id, row.items))
            .collect()
    };
    let keys_read = orders.len();
    let last = ids.last().copied();
    let rows = orders
        .into_iter()
        .map(|(o, customer)| {
            let (name, email) = customer.map(|c| (c.name, c.email)).unwrap_or_default();
            vec![
                o.id.to_string(),
                timestamp(o.created_at),
                o.status.to_string().to_lowercase(),
                text(&name).into_owned(),
                text(&email).into_owned(),
                items.get(&o.id).copied().unwrap_or(0).to_string(),
                amount(o.subtotal_cents),
                amount(o.shipping_cents),
                amount(o.total_cents),
                o.currency.to_value(),
                text(o.tracking_number.as_deref().unwrap_or_default()).into_owned(),
            ]
        })
        .collect();
    Ok(Page::new(rows, keys_read, last))
}
