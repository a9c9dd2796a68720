//! A line of an order, priced as it was when the order was placed.

use sea_orm::entity::prelude::*;

/// An order line; name, label, SKU and price are copies, so later catalog
/// edits never change a past order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub variant_id: i32,
    pub product_name: String,
    pub variant_label: String,
    pub sku: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
