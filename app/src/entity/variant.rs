//! A purchasable variant of a product, with its own SKU, price and stock.

use sea_orm::entity::prelude::*;

/// A variant row. `options` is a JSON object such as `{"size":"M"}`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "variants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_id: i32,
    #[sea_orm(unique)]
    pub sku: String,
    pub label: String,
    pub options: String,
    pub price_cents: i64,
    pub stock: i32,
    pub position: i32,
    /// A low-stock alert is raised when stock falls to this or below.
    pub low_stock_threshold: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::product::Entity",
        from = "Column::ProductId",
        to = "super::product::Column::Id"
    )]
    Product,
}

impl Related<super::product::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Product.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
