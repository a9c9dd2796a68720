//! A product; price and stock live on its variants.

use crate::money::Currency;
use sea_orm::entity::prelude::*;

/// A product row. `price_cents` is the lowest variant price, kept in step
/// with the variants so listings can filter and sort on it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub seller_id: i32,
    pub category_id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: Currency,
    /// Space-separated lowercase tags.
    pub tags: String,
    pub active: bool,
    pub featured: bool,
    pub rating_count: i32,
    pub rating_sum: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::category::Entity",
        from = "Column::CategoryId",
        to = "super::category::Column::Id"
    )]
    Category,
    #[sea_orm(
        belongs_to = "super::seller::Entity",
        from = "Column::SellerId",
        to = "super::seller::Column::Id"
    )]
    Seller,
    #[sea_orm(has_many = "super::variant::Entity")]
    Variant,
    #[sea_orm(has_many = "super::product_image::Entity")]
    ProductImage,
    #[sea_orm(has_many = "super::review::Entity")]
    Review,
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::seller::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Seller.def()
    }
}

impl Related<super::variant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Variant.def()
    }
}

impl Related<super::product_image::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProductImage.def()
    }
}

impl Related<super::review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
