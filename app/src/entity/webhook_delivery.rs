//! One webhook delivery received from Shopify.

use sea_orm::entity::prelude::*;

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryResult {
    /// Accepted; its job has not finished yet.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Its change was applied to the order.
    #[sea_orm(string_value = "applied")]
    Applied,
    /// Older than what the order already reflects; nothing changed.
    #[sea_orm(string_value = "stale")]
    Stale,
    /// A topic Bazaar does not handle; acknowledged and kept.
    #[sea_orm(string_value = "ignored")]
    Ignored,
    /// Signed correctly but not a readable order: kept for inspection.
    #[sea_orm(string_value = "malformed")]
    Malformed,
    /// Its job ran out of attempts.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// A delivery row, recorded in the same transaction as its job.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `X-Shopify-Webhook-Id`, unique: a redelivery changes nothing.
    pub webhook_id: String,
    /// `X-Shopify-Topic`.
    pub topic: String,
    /// `X-Shopify-Shop-Domain`.
    pub shop_domain: String,
    pub received_at: DateTimeUtc,
    pub result: DeliveryResult,
    pub job_id: Option<i32>,
    /// The raw request body.
    pub body: Vec<u8>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
