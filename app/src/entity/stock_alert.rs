//! A variant's stock fell to its low-stock threshold or below.

use crate::inventory::model::AlertStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub variant_id: i32,
    /// The threshold it crossed.
    pub threshold: i32,
    /// The stock when it was raised.
    pub stock: i32,
    pub status: AlertStatus,
    pub raised_at: DateTimeUtc,
    /// When it was resolved or dismissed.
    pub closed_at: Option<DateTimeUtc>,
    /// Who dismissed it (`None` when stock resolved it).
    pub closed_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
