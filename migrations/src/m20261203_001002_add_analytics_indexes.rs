//! Indexes for sales analytics (`app::analytics::ssr::queries`), which
//! group a period's paid orders and their lines.
//!
//! - `orders(status, created_at, currency, user_id, total_cents)`: every
//!   report starts from the paid orders of a period. The existing
//!   `(status, created_at)` index finds them but leaves a table lookup per
//!   order for the currency, the customer and the total; with those in the
//!   index the per-day and per-customer figures read the index alone.
//! - `order_items(order_id, variant_id, quantity, unit_price_cents)`: the
//!   product, category and seller figures join each order to its lines;
//!   holding the line's variant, quantity and price, the index answers the
//!   join without visiting the table (the plain `order_id` index does not).
//!
//! The earlier-purchase check for returning customers uses the existing
//! `orders(user_id, created_at)` index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Status,
    CreatedAt,
    Currency,
    UserId,
    TotalCents,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    OrderId,
    VariantId,
    Quantity,
    UnitPriceCents,
}

const ORDERS_SALES: &str = "idx_orders_sales";
const ORDER_ITEMS_SALES: &str = "idx_order_items_sales";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(ORDERS_SALES)
                    .table(Orders::Table)
                    .col(Orders::Status)
                    .col(Orders::CreatedAt)
                    .col(Orders::Currency)
                    .col(Orders::UserId)
                    .col(Orders::TotalCents)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ORDER_ITEMS_SALES)
                    .table(OrderItems::Table)
                    .col(OrderItems::OrderId)
                    .col(OrderItems::VariantId)
                    .col(OrderItems::Quantity)
                    .col(OrderItems::UnitPriceCents)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(ORDER_ITEMS_SALES).table(OrderItems::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(ORDERS_SALES).table(Orders::Table).to_owned()).await
    }
}
