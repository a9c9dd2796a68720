//! An order, with its shipping address and totals snapshotted.

use crate::money::Currency;
use crate::orders::status::OrderStatus;
use sea_orm::entity::prelude::*;

/// An order row. `version` is bumped by every write.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub status: OrderStatus,
    pub version: i32,
    pub idempotency_key: String,
    pub subtotal_cents: i64,
    pub shipping_cents: i64,
    pub total_cents: i64,
    pub currency: Currency,
    pub ship_name: String,
    pub ship_line1: String,
    pub ship_line2: String,
    pub ship_city: String,
    pub ship_region: String,
    pub ship_postal_code: String,
    pub ship_country: String,
    pub ship_phone: String,
    pub payment_reference: String,
    pub tracking_number: Option<String>,
    /// Hex SHA-256 of the checkout request that placed the order (see
    /// `checkout::fingerprint`); a reused idempotency key must match it.
    pub request_fingerprint: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Staff's internal notes; never shown to the customer.
    pub notes: String,
    /// When the order reached each status (for delivery-time figures).
    pub confirmed_at: Option<DateTimeUtc>,
    pub shipped_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    /// The Shopify order this one mirrors, if it came from Shopify.
    pub shopify_order_id: Option<i64>,
    /// The Shopify `updated_at` of the newest state applied: an older
    /// delivery is ignored.
    pub shopify_updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UserId", to = "super::user::Column::Id")]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
