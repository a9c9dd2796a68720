//! What a seller sees of orders: only the lines of their own products,
//! never the rest of a customer's order, with their own sales figures.

use super::status::OrderStatus;
use crate::error::AppError;
use crate::money::Money;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Lines shown, newest order first.
pub const LINES_SHOWN: u64 = 100;

/// One order line of the seller's products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerLine {
    pub order: i32,
    pub status: OrderStatus,
    /// RFC 3339.
    pub placed_at: String,
    pub product_name: String,
    pub variant_label: String,
    pub sku: String,
    pub quantity: i32,
    pub unit_price: Money,
    pub line_total: Money,
}

/// The latest lines and the seller's figures over every paid order
/// (confirmed, shipped or delivered: pending and cancelled ones are not
/// sales).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerSales {
    pub lines: Vec<SellerLine>,
    pub orders: u64,
    pub units: i64,
    pub revenue_cents: i64,
}

/// The order lines of the caller's products (every seller's for an admin).
#[server(endpoint = "seller/orders")]
pub async fn seller_orders() -> Result<SellerSales, AppError> {
    use crate::{auth::ssr::require_catalog_scope, error::ssr::with_status, state::app_state};
    let (_, scope) = require_catalog_scope().await?;
    ssr::lines(&app_state()?.db, scope).await.map_err(with_status)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{SellerLine, SellerSales, LINES_SHOWN};
    use crate::auth::ssr::CatalogScope;
    use crate::entity::{order, order_item, product, variant};
    use crate::error::AppError;
    use crate::money::Money;
    use crate::orders::status::OrderStatus;
    use chrono::SecondsFormat;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};
    use std::collections::{HashMap, HashSet};

    /// `select` narrowed to the lines of `scope`'s products. A join, not
    /// `variant_id IN (their variants)`: SQLite runs the latter as one
    /// index probe per variant for every line (seconds at 100,000 orders,
    /// see bench/README.md, analytics).
    fn lines_of<S: QuerySelect + QueryFilter>(select: S, scope: CatalogScope) -> S {
        let CatalogScope::Seller(own) = scope else {
            return select;
        };
        select
            .join(
                JoinType::InnerJoin,
                order_item::Entity::belongs_to(variant::Entity).from(order_item::Column::VariantId).to(variant::Column::Id).into(),
            )
            .join(
                JoinType::InnerJoin,
                variant::Entity::belongs_to(product::Entity).from(variant::Column::ProductId).to(product::Column::Id).into(),
            )
            .filter(product::Column::SellerId.eq(own))
    }

    pub async fn lines(db: &impl ConnectionTrait, scope: CatalogScope) -> Result<SellerSales, AppError> {
        let paid = [OrderStatus::Confirmed, OrderStatus::Shipped, OrderStatus::Delivered];
        let items = lines_of(order_item::Entity::find(), scope)
            .order_by_desc(order_item::Column::OrderId)
            .order_by_asc(order_item::Column::Id)
            .limit(LINES_SHOWN)
            .all(db)
            .await?;
        let order_ids: HashSet<i32> = items.iter().map(|i| i.order_id).collect();
        let orders: HashMap<i32, order::Model> =
            order::Entity::find().filter(order::Column::Id.is_in(order_ids)).all(db).await?.into_iter().map(|o| (o.id, o)).collect();
        let lines = items
            .into_iter()
            .filter_map(|item| {
                let order = orders.get(&item.order_id)?;
                Some(SellerLine {
                    order: order.id,
                    status: order.status,
                    placed_at: order.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    product_name: item.product_name,
                    variant_label: item.variant_label,
                    sku: item.sku,
                    quantity: item.quantity,
                    unit_price: Money::new(item.unit_price_cents, order.currency),
                    line_total: Money::new(item.unit_price_cents * i64::from(item.quantity), order.currency),
                })
            })
            .collect();
        // The figures, summed by the database over every paid order.
        let (units, revenue, count) = lines_of(order_item::Entity::find(), scope)
            .select_only()
            // Cast: PostgreSQL sums a BIGINT product into NUMERIC.
            .column_as(Expr::cust("CAST(SUM(order_items.quantity) AS BIGINT)"), "units")
            .column_as(Expr::cust("CAST(SUM(order_items.quantity * order_items.unit_price_cents) AS BIGINT)"), "revenue")
            .column_as(Expr::col((order_item::Entity, order_item::Column::OrderId)).count_distinct(), "orders")
            .join(
                JoinType::InnerJoin,
                order_item::Entity::belongs_to(order::Entity).from(order_item::Column::OrderId).to(order::Column::Id).into(),
            )
            .filter(order::Column::Status.is_in(paid))
            .into_tuple::<(Option<i64>, Option<i64>, i64)>()
            .one(db)
            .await?
            .unwrap_or((None, None, 0));
        Ok(SellerSales {
            lines,
            orders: u64::try_from(count).unwrap_or(0),
            units: units.unwrap_or(0),
            revenue_cents: revenue.unwrap_or(0),
        })
    }
}
