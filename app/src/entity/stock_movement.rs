//! One change to a variant's stock, written in the change's transaction.

use crate::inventory::model::MovementReason;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub variant_id: i32,
    pub delta: i32,
    pub stock_after: i32,
    pub reason: MovementReason,
    pub note: String,
    pub actor_id: Option<i32>,
    /// The person's name, or the system's ("Checkout", "Shopify").
    pub actor_name: String,
    pub order_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
