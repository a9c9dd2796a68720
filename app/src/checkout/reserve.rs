//! The reservation, checkout's first transaction: it reads the cart with
//! its variants and products in one query, claims the idempotency key with
//! the pending order and its totals, saves a new address, takes the stock
//! with guarded updates in variant-id order (so concurrent checkouts lock
//! rows in the same order and cannot deadlock), records the items at
//! today's prices and queues the job that settles the order should
//! checkout never finish. The stock's live events are written last, all
//! together, so the topics' counters are held only until commit.

use super::settle::{SETTLE, SETTLE_ATTEMPTS};
use super::shipping::shipping_fee_cents;
use super::ssr::{request_fingerprint, ShipTo};
use crate::account::ssr::addresses;
use crate::auth::CurrentUser;
use crate::db::retry::{is_transient, retrying, Transient};
use crate::db::{begin_write, is_unique_violation, WriteTxn};
use crate::entity::{cart_item, order, order_item, product, variant};
use crate::error::AppError;
use crate::inventory::model::MovementReason;
use crate::inventory::ssr::movement::{move_stock_staged, Floor, Movement, Mover, StockError};
use crate::jobs::ssr::queue::{self, queues, NewJob};
use crate::live::ssr::{Recorded, Staged};
use crate::money::Currency;
use crate::orders::status::OrderStatus;
use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use std::time::Duration;

/// What the reservation must record, decided before it starts.
pub(super) struct Reservation<'a> {
    pub user: &'a CurrentUser,
    pub key: &'a str,
    /// The address's part of the request's fingerprint.
    pub address_parts: &'a [String],
    pub ship_to: &'a ShipTo,
    pub card: &'a str,
    /// When the recovery job looks at the order if checkout has not
    /// settled it.
    pub settle_after: Duration,
}

/// What the reservation ended with.
pub(super) enum Reserved {
    /// This request reserved the order; its stock events wait for
    /// publishing.
    New { order: order::Model, settle_job: i32, recorded: Recorded },
    /// Another request holds the key: an earlier one, or a concurrent
    /// duplicate that committed first. Nothing was written.
    KeyTaken,
    /// Nothing in the cart is for sale. Nothing was written.
    EmptyCart,
}

/// A failure inside the transaction: a database error keeps its code so
/// transient ones can be retried.
#[derive(Debug, thiserror::Error)]
enum TxnError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<TxnError> for AppError {
    fn from(err: TxnError) -> Self {
        match err {
            TxnError::Db(db) => db.into(),
            TxnError::App(app) => app,
        }
    }
}

impl Transient for TxnError {
    fn is_transient(&self) -> bool {
        matches!(self, TxnError::Db(err) if is_transient(err))
    }
}

/// Runs the reservation, again after a transient database failure.
pub(super) async fn reserve(db: &DatabaseConnection, reservation: &Reservation<'_>) -> Result<Reserved, AppError> {
    Ok(retrying("the reservation", move || reserve_once(db, reservation)).await?)
}

/// One run of the transaction. It is rolled back explicitly when it
/// records nothing or fails, so the write lock is free before a retry.
async fn reserve_once(db: &DatabaseConnection, reservation: &Reservation<'_>) -> Result<Reserved, TxnError> {
    let txn = begin_write(db).await?;
    match record(&txn, reservation).await {
        Ok(reserved @ Reserved::New { .. }) => {
            txn.commit().await?;
            Ok(reserved)
        }
        Ok(nothing) => {
            txn.rollback().await?;
            Ok(nothing)
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a failed reservation");
            }
            Err(err)
        }
    }
}

/// A cart line with its variant and product (`None` when gone).
type CartRow = (cart_item::Model, Option<variant::Model>, Option<product::Model>);

/// `user_id`'s cart lines in variant-id order, each with its variant and
/// product, in one query.
async fn cart_of(txn: &WriteTxn, user_id: i32) -> Result<Vec<CartRow>, DbErr> {
    let to_variant = cart_item::Entity::belongs_to(variant::Entity).from(cart_item::Column::VariantId).to(variant::Column::Id).into();
    cart_item::Entity::find()
        .join(JoinType::LeftJoin, to_variant)
        .join(JoinType::LeftJoin, variant::Relation::Product.def())
        .select_also(variant::Entity)
        .select_also(product::Entity)
        .filter(cart_item::Column::UserId.eq(user_id))
        .order_by_asc(cart_item::Column::VariantId)
        .all(txn)
        .await
}

/// The variant and product of a line that is for sale.
fn for_sale((_, variant, product): &CartRow) -> Option<(&variant::Model, &product::Model)> {
    Some((variant.as_ref()?, product.as_ref().filter(|p| p.active)?))
}

fn unavailable() -> AppError {
    AppError::Conflict("An item in your cart is no longer for sale; please review your cart.".into())
}

/// Records the pending order with its items, stock and recovery job.
async fn record(txn: &WriteTxn, reservation: &Reservation<'_>) -> Result<Reserved, TxnError> {
    let cart = cart_of(txn, reservation.user.id).await?;
    // The lines the customer sees: one no longer for sale is refused
    // below, once the key is known to be this request's.
    let shown: Vec<(&cart_item::Model, &variant::Model, &product::Model)> =
        cart.iter().filter_map(|row| for_sale(row).map(|(variant, product)| (&row.0, variant, product))).collect();
    let Some((_, _, first)) = shown.first() else {
        return Ok(Reserved::EmptyCart);
    };
    let lines: Vec<(String, u32)> =
        shown.iter().map(|(line, variant, _)| (variant.sku.clone(), u32::try_from(line.quantity).unwrap_or(0))).collect();
    let subtotal = shown.iter().map(|(line, variant, _)| variant.price_cents * i64::from(line.quantity)).sum();
    let totals = Totals {
        subtotal,
        shipping: shipping_fee_cents(subtotal, &reservation.ship_to.address.country),
        currency: first.currency,
        fingerprint: request_fingerprint(reservation.address_parts, &lines, reservation.card),
    };
    // The order row claims the idempotency key: a concurrent duplicate
    // waits on the unique index, then finds this order.
    let order = match claim(txn, reservation, totals).await {
        Ok(order) => order,
        Err(err) if is_unique_violation(&err) => return Ok(Reserved::KeyTaken),
        Err(err) => return Err(err.into()),
    };
    // Saved only now that the key is ours: a replay never adds an address.
    if let Some(new) = &reservation.ship_to.new {
        addresses::add_if_room(txn, reservation.user.id, new.clone()).await?;
    }
    let mut events = Staged::default();
    let mut items = Vec::with_capacity(cart.len());
    for row in &cart {
        let (variant, product) = for_sale(row).ok_or_else(unavailable)?;
        if product.currency != order.currency {
            return Err(AppError::Conflict("Items priced in different currencies cannot be bought together.".into()).into());
        }
        let sale = Movement {
            variant: variant.id,
            delta: -row.0.quantity,
            reason: MovementReason::Sale,
            note: "",
            mover: Mover::System("Checkout"),
            order: Some(order.id),
            floor: Floor::Refuse,
        };
        match move_stock_staged(txn, sale, Some(product), &mut events).await {
            Ok(_) => {}
            Err(StockError::Short { available }) => {
                return Err(AppError::out_of_stock(&product.name, &variant.label, u32::try_from(available).unwrap_or(0)).into());
            }
            Err(StockError::NoVariant) => return Err(unavailable().into()),
            Err(StockError::Db(err)) => return Err(err.into()),
            Err(StockError::App(err)) => return Err(err.into()),
        }
        items.push(order_item::ActiveModel {
            id: NotSet,
            order_id: Set(order.id),
            variant_id: Set(variant.id),
            product_name: Set(product.name.clone()),
            variant_label: Set(variant.label.clone()),
            sku: Set(variant.sku.clone()),
            unit_price_cents: Set(variant.price_cents),
            quantity: Set(row.0.quantity),
        });
    }
    order_item::Entity::insert_many(items).exec_without_returning(txn).await?;
    let due = Utc::now() + chrono::Duration::from_std(reservation.settle_after).unwrap_or(chrono::Duration::MAX);
    let settle = NewJob { run_at: Some(due), ..NewJob::new(queues::DEFAULT, SETTLE, serde_json::json!({ "order": order.id })) }
        .max_attempts(SETTLE_ATTEMPTS);
    let queued = queue::enqueue(txn, settle).await?;
    let settle_job = queued.id.ok_or(TxnError::App(AppError::Internal))?;
    let mut recorded = events.write(txn).await?;
    recorded.extend(queued.recorded);
    Ok(Reserved::New { order, settle_job, recorded })
}

/// The order's figures, from the cart as read in the reservation.
struct Totals {
    subtotal: i64,
    shipping: i64,
    currency: Currency,
    fingerprint: String,
}

/// Inserts the pending order, claiming the reservation's key.
async fn claim(txn: &WriteTxn, reservation: &Reservation<'_>, totals: Totals) -> Result<order::Model, DbErr> {
    let now = Utc::now();
    let a = &reservation.ship_to.address;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let pending = order::Model {
        id: 0,
        user_id: reservation.user.id,
        status: OrderStatus::Pending,
        version: 1,
        idempotency_key: reservation.key.into(),
        request_fingerprint: totals.fingerprint,
        subtotal_cents: totals.subtotal,
        shipping_cents: totals.shipping,
        total_cents: totals.subtotal + totals.shipping,
        currency: totals.currency,
        ship_name: a.full_name.clone(),
        ship_line1: a.line1.clone(),
        ship_line2: text(&a.line2),
        ship_city: a.city.clone(),
        ship_region: text(&a.region),
        ship_postal_code: a.postal_code.clone(),
        ship_country: a.country.clone(),
        ship_phone: text(&a.phone),
        payment_reference: String::new(),
        tracking_number: None,
        created_at: now,
        updated_at: now,
        notes: String::new(),
        confirmed_at: None,
        shipped_at: None,
        delivered_at: None,
        cancelled_at: None,
        shopify_order_id: None,
        shopify_updated_at: None,
    };
    // Every column but the id, which the insert reports: no read back.
    let row = order::ActiveModel { id: NotSet, ..order::ActiveModel::from(pending.clone()).reset_all() };
    let id = order::Entity::insert(row).exec(txn).await?.last_insert_id;
    Ok(order::Model { id, ..pending })
}
