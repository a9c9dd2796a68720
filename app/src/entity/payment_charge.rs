//! A charge made by the simulated payment provider.

use crate::money::Currency;
use sea_orm::entity::prelude::*;

/// One charge. A key's charges are numbered by `attempt`: once a charge is
/// refunded, charging the key again makes the next attempt, never hands
/// the refunded one back.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_charges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `sim_ch_…`, unique in the database.
    pub reference: String,
    pub idempotency_key: String,
    pub attempt: i32,
    pub amount_cents: i64,
    pub currency: Currency,
    pub card_last4: String,
    /// `paid` or `refunded`.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub refunded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
