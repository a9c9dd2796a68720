//! A customer's review of a product.

use sea_orm::entity::prelude::*;

/// A review row; `rating` is 1 to 5 (a database check enforces it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_id: i32,
    pub author_name: String,
    pub rating: i16,
    pub title: String,
    pub body: String,
    pub verified_purchase: bool,
    pub created_at: DateTimeUtc,
    /// Its author; `None` for the seeded demo reviews. One review per
    /// author per product (a unique index).
    pub user_id: Option<i32>,
    /// Hidden by an admin: not shown to customers, and not counted in the
    /// product's `rating_count` and `rating_sum`.
    pub hidden: bool,
    /// How many customers marked it helpful (one `review_votes` row each).
    pub helpful_count: i32,
    /// When its author last wrote it (its creation time until they edit it).
    pub updated_at: DateTimeUtc,
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
