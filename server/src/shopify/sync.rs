//! The `shopify.order` job: applies one webhook delivery to the order it
//! mirrors, in one transaction with the delivery's result. Upserts by
//! Shopify order id; a delivery whose `updated_at` is not newer than the
//! state already applied changes nothing, so out-of-order and repeated
//! deliveries end with the newest state. Changes to an existing order go
//! through `orders::change::apply` (version, audit by "Shopify", the
//! `ORDER_SYNCED` event); stock is taken once, when the order is created,
//! and given back by `apply` when Shopify cancels it. docs/shopify.md has
//! the status mapping.

use super::payload::{Address, PayloadError, ShopifyOrder};
use crate::jobs::{JobError, JobHandler};
use app::account::ssr::password::{self, HashingLimit, Plaintext};
use app::auth::Role;
use app::db::retry::{is_transient, retrying, Transient};
use app::db::{begin_write, WriteTxn};
use app::inventory::model::MovementReason;
use app::inventory::ssr::movement::{move_stock, Floor, Movement, Mover, StockError};
use app::checkout::shipping::shipping_fee_cents;
use app::entity::webhook_delivery::{self, DeliveryResult};
use app::entity::{job, order, order_external_line, order_item, user, variant};
use app::live::ssr::{EventBus, Recorded};
use app::orders::change::{apply, record_new, Actor, Change, ChangeError};
use app::orders::status::OrderStatus;
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    SqlErr,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The job's kind; its payload is `{"delivery": id}`.
pub const SYNC: &str = "shopify.order";

/// The audit log's name for changes made by Shopify.
pub const SHOPIFY: &str = "Shopify";

/// Bazaar's status for a Shopify order (the table in docs/shopify.md).
pub fn status_of(order: &ShopifyOrder) -> OrderStatus {
    let financial = order.financial_status.as_deref().unwrap_or("pending");
    match (order.cancelled_at.is_some(), order.fulfillment_status.as_deref(), financial) {
        (true, _, _) => OrderStatus::Cancelled,
        (false, Some("fulfilled"), _) => OrderStatus::Shipped,
        (false, _, "refunded" | "voided") => OrderStatus::Cancelled,
        (false, _, "paid" | "partially_paid" | "partially_refunded") => OrderStatus::Confirmed,
        (false, Some("partial"), _) => OrderStatus::Confirmed,
        _ => OrderStatus::Pending,
    }
}

#[derive(Deserialize)]
struct Payload {
    delivery: i32,
}

/// Why a delivery could not be applied this time.
#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("{0}")]
    Refused(String),
}

impl From<app::error::AppError> for SyncError {
    fn from(err: app::error::AppError) -> Self {
        SyncError::Change(ChangeError::Refused(err))
    }
}

impl From<PayloadError> for SyncError {
    fn from(err: PayloadError) -> Self {
        SyncError::Refused(err.to_string())
    }
}

impl Transient for SyncError {
    /// Worth running the transaction again: a lost race with a concurrent
    /// delivery of the same order (a deadlock, a busy database, the
    /// other's insert of the same order or customer, a version moved).
    fn is_transient(&self) -> bool {
        match self {
            SyncError::Db(err) | SyncError::Change(ChangeError::Db(err)) => {
                is_transient(err) || matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
            }
            SyncError::Change(ChangeError::Stale(_)) => true,
            _ => false,
        }
    }
}

/// Applies Shopify deliveries to orders and announces the changes.
pub struct SyncOrder {
    pub db: DatabaseConnection,
    pub events: Arc<dyn EventBus>,
    /// The password hash of the accounts made for Shopify's customers: of
    /// a random password never kept, so nobody can sign in as them until
    /// they set their own. Hashed once, when first needed.
    unusable_hash: OnceCell<String>,
}

impl SyncOrder {
    pub fn new(db: DatabaseConnection, events: Arc<dyn EventBus>) -> Self {
        SyncOrder { db, events, unusable_hash: OnceCell::new() }
    }

    async fn unusable_hash(&self) -> Result<&str, JobError> {
        self.unusable_hash
            .get_or_try_init(|| async {
                let secret: String = {
                    use rand::distributions::{Alphanumeric, DistString};
                    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32)
                };
                let limit = HashingLimit::new(1, std::time::Duration::from_secs(60));
                password::hash(&limit, Plaintext::from(secret.as_str())).await.map(|hash| hash.into_stored())
            })
            .await
            .map(String::as_str)
            .map_err(JobError::from)
    }
}

#[async_trait::async_trait]
impl JobHandler for SyncOrder {
    async fn run(&self, job: &job::Model) -> Result<(), JobError> {
        let payload: Payload = serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("payload: {e}")))?;
        let delivery = webhook_delivery::Entity::find_by_id(payload.delivery)
            .one(&self.db)
            .await?
            .ok_or_else(|| JobError::Permanent(format!("webhook delivery {} does not exist", payload.delivery)))?;
        let shopify = ShopifyOrder::parse(&delivery.body).map_err(|e| JobError::Permanent(e.to_string()))?;
        let hash = self.unusable_hash().await?.to_string();
        let (db, shopify, hash, delivery) = (&self.db, &shopify, hash.as_str(), &delivery);
        let once = move || async move {
            let txn = begin_write(db).await?;
            match sync(&txn, shopify, hash).await {
                Ok((result, recorded)) => {
                    let mut row: webhook_delivery::ActiveModel = delivery.clone().into();
                    row.result = Set(result);
                    row.error = Set(None);
                    row.update(&txn).await?;
                    txn.commit().await?;
                    Ok(recorded)
                }
                Err(err) => {
                    if let Err(rollback) = txn.rollback().await {
                        tracing::warn!(error = %rollback, "rollback after a failed Shopify sync");
                    }
                    Err(err)
                }
            }
        };
        let recorded = retrying("a Shopify sync", once).await.map_err(|err| match err {
            SyncError::Refused(message) | SyncError::Change(ChangeError::Refused(app::error::AppError::Validation { message, .. })) => {
                JobError::Permanent(message)
            }
            other => JobError::Retry(other.to_string()),
        })?;
        recorded.publish(self.events.as_ref());
        Ok(())
    }

    async fn dead(&self, job: &job::Model) {
        let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else { return };
        let failed = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Result, Expr::value(DeliveryResult::Failed))
            .col_expr(webhook_delivery::Column::Error, Expr::value(job.last_error.clone()))
            .filter(webhook_delivery::Column::Id.eq(payload.delivery))
            .exec(&self.db)
            .await;
        if let Err(err) = failed {
            tracing::warn!(job = job.id, error = %err, "could not mark a webhook delivery failed");
        }
    }
}

/// Applies `shopify` in `txn`: `Applied`, or `Stale` when it is not newer
/// than the state already applied.
async fn sync(txn: &WriteTxn, shopify: &ShopifyOrder, unusable_hash: &str) -> Result<(DeliveryResult, Recorded), SyncError> {
    let mut find = order::Entity::find().filter(order::Column::ShopifyOrderId.eq(shopify.id));
    if txn.get_database_backend() == DbBackend::Postgres {
        // Concurrent deliveries of one order take turns.
        find = find.lock_exclusive();
    }
    let updated_at = shopify.updated_at_utc();
    match find.one(txn).await? {
        Some(existing) if existing.shopify_updated_at.is_some_and(|applied| applied >= updated_at) => Ok((DeliveryResult::Stale, Recorded::default())),
        Some(existing) => update_existing(txn, existing, shopify).await.map(|recorded| (DeliveryResult::Applied, recorded)),
        None => create(txn, shopify, unusable_hash).await.map(|recorded| (DeliveryResult::Applied, recorded)),
    }
}

/// Moves an order we have to Shopify's newer state.
async fn update_existing(txn: &WriteTxn, existing: order::Model, shopify: &ShopifyOrder) -> Result<Recorded, SyncError> {
    let target = status_of(shopify);
    // The lifecycle only moves forward: a state Shopify reports that lies
    // behind ours (an order an admin marked delivered, a shipped order
    // cancelled on Shopify) keeps our status.
    let status = Some(target).filter(|to| *to != existing.status && existing.status.can_reach(*to));
    if status.is_none() && target != existing.status {
        tracing::info!(order = existing.id, ours = %existing.status, shopify = %target, "Shopify's status lies behind ours; kept ours");
    }
    let change = Change { status, tracking_number: shopify.tracking_number(), notes: None, insist: false, leap: true };
    let (next, recorded) = apply(txn, existing.clone(), existing.version, &change, Actor::Integration(SHOPIFY)).await?;
    order::Entity::update_many()
        .col_expr(order::Column::ShopifyUpdatedAt, Expr::value(shopify.updated_at_utc()))
        .filter(order::Column::Id.eq(next.id))
        .exec(txn)
        .await?;
    Ok(recorded)
}

/// The account of the order's customer, made if there is none.
async fn customer(txn: &WriteTxn, shopify: &ShopifyOrder, unusable_hash: &str) -> Result<user::Model, SyncError> {
    let email = shopify.customer_email().unwrap_or_else(|| format!("shopify-order-{}@shopify.invalid", shopify.id));
    if let Some(found) = user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(txn).await? {
        return Ok(found);
    }
    let person = shopify.customer.clone().unwrap_or_default();
    let address = shopify.shipping_address.clone().unwrap_or_default();
    let name = full_name(person.first_name.as_deref(), person.last_name.as_deref())
        .or_else(|| full_name(address.first_name.as_deref(), address.last_name.as_deref()))
        .unwrap_or_else(|| email.split('@').next().unwrap_or("Shopify customer").to_string());
    let now = Utc::now();
    // Another delivery may be making the same customer: whoever loses the
    // race reads the winner's row.
    user::Entity::insert(user::ActiveModel {
        id: NotSet,
        email: Set(email.clone()),
        name: Set(clip(&name, 100)),
        password_hash: Set(unusable_hash.to_string()),
        role: Set(Role::Customer),
        seller_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        session_generation: Set(0),
    })
    .on_conflict(OnConflict::column(user::Column::Email).do_nothing().to_owned())
    .exec_without_returning(txn)
    .await?;
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(txn)
        .await?
        .ok_or_else(|| SyncError::Refused("the customer's account could not be made".into()))
}

fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first.unwrap_or(""), last.unwrap_or("")].join(" ").trim().to_string();
    Some(name).filter(|n| !n.is_empty())
}

/// At most `max` characters of `text`, trimmed (the column's size).
fn clip(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

fn field(value: &Option<String>, max: usize) -> String {
    clip(value.as_deref().unwrap_or(""), max)
}

/// Creates the order Shopify reports, taking stock for the lines that
/// match our variants by SKU (unless it is already cancelled).
async fn create(txn: &WriteTxn, shopify: &ShopifyOrder, unusable_hash: &str) -> Result<Recorded, SyncError> {
    let currency = shopify
        .shop_currency()
        .ok_or_else(|| SyncError::Refused(format!("the shop does not sell in {:?}", shopify.currency.chars().take(8).collect::<String>())))?;
    let customer = customer(txn, shopify, unusable_hash).await?;
    let skus: Vec<String> = shopify.line_items.iter().filter_map(|l| l.sku.clone()).filter(|s| !s.is_empty()).collect();
    let variants: HashMap<String, variant::Model> =
        variant::Entity::find().filter(variant::Column::Sku.is_in(skus)).all(txn).await?.into_iter().map(|v| (v.sku.clone(), v)).collect();
    let mut subtotal = 0i64;
    let mut matched = Vec::new();
    let mut external = Vec::new();
    for line in &shopify.line_items {
        if line.quantity <= 0 {
            return Err(SyncError::Refused(format!("line {:?} has quantity {}", clip(&line.title, 60), line.quantity)));
        }
        let price = line.price.cents("line_items.price")?;
        subtotal += price * i64::from(line.quantity);
        match line.sku.as_deref().and_then(|sku| variants.get(sku)) {
            Some(variant) => matched.push((variant, line, price)),
            None => external.push((line, price)),
        }
    }
    let address = shopify.shipping_address.clone().unwrap_or_default();
    let country = field(&address.country_code, 2).to_ascii_uppercase();
    let shipping = match &shopify.total_shipping_price_set {
        Some(set) => set.shop_money.amount.cents("total_shipping_price_set")?,
        None => shipping_fee_cents(subtotal, &country),
    };
    let target = status_of(shopify);
    let now = Utc::now();
    let cancelled = target == OrderStatus::Cancelled;
    let row = order::ActiveModel {
        id: NotSet,
        user_id: Set(customer.id),
        // A new order starts pending and moves to Shopify's status through
        // `apply`, which audits and announces it; one first seen cancelled
        // is recorded as it is (it never took stock to give back).
        status: Set(if cancelled { OrderStatus::Cancelled } else { OrderStatus::Pending }),
        version: Set(1),
        idempotency_key: Set(format!("shopify:{}", shopify.id)),
        subtotal_cents: Set(subtotal),
        shipping_cents: Set(shipping),
        total_cents: Set(subtotal + shipping),
        currency: Set(currency),
        ship_name: Set(clip(&ship_name(&address, &customer.name), 100)),
        ship_line1: Set(field(&address.address1, 200)),
        ship_line2: Set(field(&address.address2, 200)),
        ship_city: Set(field(&address.city, 100)),
        ship_region: Set(field(&address.province, 100)),
        ship_postal_code: Set(field(&address.zip, 20)),
        ship_country: Set(country),
        ship_phone: Set(field(&address.phone, 40)),
        // Shopify took the payment; there is nothing for us to refund.
        payment_reference: Set(String::new()),
        tracking_number: Set(None),
        request_fingerprint: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        notes: Set(String::new()),
        confirmed_at: Set(None),
        shipped_at: Set(None),
        delivered_at: Set(None),
        cancelled_at: Set(cancelled.then_some(now)),
        shopify_order_id: Set(Some(shopify.id)),
        shopify_updated_at: Set(Some(shopify.updated_at_utc())),
    }
    .insert(txn)
    .await?;

    // In variant-id order, like checkout, so the two never deadlock.
    matched.sort_by_key(|(variant, _, _)| variant.id);
    let mut stock_events = Recorded::default();
    for (variant, line, price) in &matched {
        if !cancelled {
            // Shopify already sold it: stock goes down, to zero at least,
            // rather than the order being refused.
            let sold = Movement {
                variant: variant.id,
                delta: -line.quantity,
                reason: MovementReason::Shopify,
                note: "",
                mover: Mover::System(SHOPIFY),
                order: Some(row.id),
                floor: Floor::AtZero,
            };
            match move_stock(txn, sold).await {
                Ok(moved) => stock_events.extend(moved.recorded),
                Err(StockError::Db(err)) => return Err(err.into()),
                Err(other) => return Err(app::error::AppError::from(other).into()),
            }
        }
        order_item::ActiveModel {
            id: NotSet,
            order_id: Set(row.id),
            variant_id: Set(variant.id),
            product_name: Set(clip(&line.title, 200)),
            variant_label: Set(clip(line.variant_title.as_deref().unwrap_or(&variant.label), 120)),
            sku: Set(variant.sku.clone()),
            unit_price_cents: Set(*price),
            quantity: Set(line.quantity),
        }
        .insert(txn)
        .await?;
    }
    for (line, price) in &external {
        order_external_line::ActiveModel {
            id: NotSet,
            order_id: Set(row.id),
            title: Set(clip(&line.title, 255)),
            sku: Set(field(&line.sku, 64)),
            unit_price_cents: Set(*price),
            quantity: Set(line.quantity),
        }
        .insert(txn)
        .await?;
    }

    if cancelled || target == OrderStatus::Pending {
        stock_events.extend(record_new(txn, &row, &customer).await?);
        return Ok(stock_events);
    }
    let change = Change { status: Some(target), tracking_number: shopify.tracking_number(), notes: None, insist: false, leap: true };
    let (_, recorded) = apply(txn, row.clone(), row.version, &change, Actor::Integration(SHOPIFY)).await?;
    stock_events.extend(recorded);
    Ok(stock_events)
}

fn ship_name(address: &Address, fallback: &str) -> String {
    address
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| full_name(address.first_name.as_deref(), address.last_name.as_deref()))
        .unwrap_or_else(|| fallback.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(financial: Option<&str>, fulfillment: Option<&str>, cancelled: bool) -> ShopifyOrder {
        let body = serde_json::json!({
            "id": 1, "updated_at": "2026-12-01T10:00:00Z", "currency": "USD",
            "financial_status": financial, "fulfillment_status": fulfillment,
            "cancelled_at": if cancelled { Some("2026-12-01T10:00:00Z") } else { None },
        });
        ShopifyOrder::parse(body.to_string().as_bytes()).expect("order")
    }

    #[test]
    fn statuses_follow_the_documented_mapping() {
        use OrderStatus::*;
        assert_eq!(status_of(&order(Some("pending"), None, false)), Pending);
        assert_eq!(status_of(&order(Some("authorized"), None, false)), Pending);
        assert_eq!(status_of(&order(None, None, false)), Pending);
        assert_eq!(status_of(&order(Some("paid"), None, false)), Confirmed);
        assert_eq!(status_of(&order(Some("partially_refunded"), None, false)), Confirmed);
        assert_eq!(status_of(&order(Some("pending"), Some("partial"), false)), Confirmed);
        assert_eq!(status_of(&order(Some("paid"), Some("fulfilled"), false)), Shipped);
        assert_eq!(status_of(&order(Some("refunded"), None, false)), Cancelled);
        assert_eq!(status_of(&order(Some("voided"), None, false)), Cancelled);
        assert_eq!(status_of(&order(Some("paid"), Some("fulfilled"), true)), Cancelled);
    }
}
