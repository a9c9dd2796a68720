//! A domain event, recorded in the transaction of the change it reports.

use sea_orm::entity::prelude::*;

/// `seq` counts up per `topic` in commit order (see `live::ssr::record`);
/// `kind` and `payload` are the wire event's (`payload` is JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub topic: String,
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
