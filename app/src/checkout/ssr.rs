//! Placing an order.
//!
//! No transaction is open while the payment provider is called, so a slow
//! provider never holds a database lock (on SQLite, the one write lock of
//! the whole shop). First one short transaction reserves: it claims the
//! idempotency key, saves a new address, takes stock with conditional
//! updates in variant-id order (so concurrent checkouts lock rows in the
//! same order and cannot deadlock), checks that the cart is still the one
//! the request described, records the pending order with price snapshots
//! and queues the job that settles it should this request never finish.
//! Then the card is charged, with an idempotency key derived from the
//! order. Then a second short transaction confirms the order or releases
//! its stock (`settle`). A transient database failure runs a transaction
//! again; any other failure rolls it back: nothing charged, nothing kept.

use super::card::{last4, parse_card_number};
use super::fingerprint::{fingerprint, RequestParts};
use super::model::Quote;
use super::payment::{ChargeRequest, PaymentError};
use super::retry::{is_transient, MAX_ATTEMPTS};
use super::settle::{self, payment_key, Confirmed, PaymentTiming, SETTLE, SETTLE_ATTEMPTS};
use super::shipping::shipping_fee_cents;
use crate::account::model::{Address, AddressInput};
use crate::account::ssr::addresses;
use crate::account::validate::ValidAddress;
use crate::auth::CurrentUser;
use crate::cart::model::Cart;
use crate::cart::ssr::{view, Owner};
use crate::db::{begin_write, WriteTxn};
use crate::inventory::model::MovementReason;
use crate::inventory::ssr::movement::{move_stock, Floor, Movement, Mover, StockError};
use crate::entity::{cart_item, order, order_item, product, variant};
use crate::error::AppError;
use crate::jobs::ssr::queue::{self, queues, NewJob};
use crate::money::{Currency, Money};
use crate::live::ssr::Recorded;
use crate::orders::change::Services;
use crate::orders::status::OrderStatus;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, SqlErr,
};
use std::collections::HashMap;

/// Where the order ships.
pub enum AddressChoice {
    /// One of the customer's saved addresses, by id.
    Saved(i32),
    /// A new address, saved to the address book with the order (unless
    /// the book is full).
    New(Box<AddressInput>),
}

impl AddressChoice {
    /// The checkout form's choice: `address_id` names a saved address, or
    /// is empty for the new-address fields in `new`.
    pub fn from_form(address_id: &str, new: AddressInput) -> Result<Self, AppError> {
        match address_id.trim() {
            "" => Ok(AddressChoice::New(Box::new(new))),
            id => id.parse().map(AddressChoice::Saved).map_err(|_| AppError::NotFound("Address".into())),
        }
    }
}

/// What the customer sends to place an order.
pub struct OrderRequest<'a> {
    pub idempotency_key: &'a str,
    pub address: AddressChoice,
    pub card_number: &'a str,
}

/// The quote for `user_id`'s cart shipped to `country`.
pub async fn quote(db: &DatabaseConnection, user_id: i32, country: &str) -> Result<Quote, AppError> {
    let cart = view(db, &Owner::User(user_id)).await?;
    Ok(quote_of(cart, country))
}

fn quote_of(cart: Cart, country: &str) -> Quote {
    let currency = cart.subtotal.currency;
    let shipping = shipping_fee_cents(cart.subtotal.cents, country);
    let total = Money::new(cart.subtotal.cents + shipping, currency);
    Quote { shipping: Money::new(shipping, currency), total, cart }
}

fn check_key(key: &str) -> Result<(), AppError> {
    let valid = !key.is_empty() && key.len() <= 100 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(AppError::Validation {
            field: "idempotency_key".into(),
            message: "A checkout needs an idempotency key of 1 to 100 letters, digits, '-' or '_'.".into(),
        })
    }
}

fn empty_cart() -> AppError {
    AppError::Validation { field: "cart".into(), message: "Your cart is empty.".into() }
}

fn key_reused() -> AppError {
    AppError::Validation {
        field: "idempotency_key".into(),
        message: "This checkout was already placed with a different cart, address or card. \
                  Reload the checkout page to place a new order."
            .into(),
    }
}

/// The address choice, checked before anything is charged.
enum CheckedChoice {
    Saved(i32),
    New(ValidAddress),
}

impl CheckedChoice {
    fn check(choice: AddressChoice) -> Result<Self, AppError> {
        Ok(match choice {
            AddressChoice::Saved(id) => CheckedChoice::Saved(id),
            AddressChoice::New(input) => CheckedChoice::New(ValidAddress::parse(&AddressInput { is_default: false, ..*input })?),
        })
    }

    /// The address as the fingerprint sees it: a saved address by id (its
    /// fields may be edited later), a new one by its fields.
    fn fingerprint_parts(&self) -> Vec<String> {
        match self {
            CheckedChoice::Saved(id) => vec![format!("saved:{id}")],
            CheckedChoice::New(a) => {
                let text = |value: &Option<String>| value.clone().unwrap_or_default();
                vec![
                    "new".into(),
                    a.full_name.as_str().into(),
                    a.line1.clone(),
                    text(&a.line2),
                    a.city.clone(),
                    text(&a.region),
                    a.postal_code.clone(),
                    a.country.clone(),
                    text(&a.phone),
                ]
            }
        }
    }

    /// Where the order ships: the saved address (404 if it is not the
    /// customer's), or the new one, to be saved with the order.
    async fn resolve(self, db: &DatabaseConnection, user_id: i32) -> Result<ShipTo, AppError> {
        Ok(match self {
            CheckedChoice::Saved(id) => ShipTo { address: addresses::get(db, user_id, id).await?, new: None },
            CheckedChoice::New(valid) => ShipTo {
                address: Address {
                    id: 0,
                    full_name: valid.full_name.as_str().into(),
                    line1: valid.line1.clone(),
                    line2: valid.line2.clone(),
                    city: valid.city.clone(),
                    region: valid.region.clone(),
                    postal_code: valid.postal_code.clone(),
                    country: valid.country.clone(),
                    phone: valid.phone.clone(),
                    is_default: false,
                },
                new: Some(valid),
            },
        })
    }
}

/// The address an order ships to.
struct ShipTo {
    address: Address,
    /// A new address, saved to the address book with the order.
    new: Option<ValidAddress>,
}

fn request_fingerprint(choice: &[String], lines: &[(String, u32)], card: &str) -> String {
    let address: Vec<&str> = choice.iter().map(String::as_str).collect();
    fingerprint(&RequestParts { address: &address, lines, card_last4: last4(card) })
}

async fn existing(db: &DatabaseConnection, user_id: i32, key: &str) -> Result<Option<order::Model>, AppError> {
    Ok(order::Entity::find()
        .filter(order::Column::UserId.eq(user_id))
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// The order a replayed key placed, if the replay asks for the same thing.
/// After a success the cart is empty: the request is then compared as if
/// the cart still held what the order bought.
async fn replay(
    db: &DatabaseConnection,
    order: order::Model,
    address: &[String],
    cart_lines: &[(String, u32)],
    card: &str,
) -> Result<order::Model, AppError> {
    // Orders placed before fingerprints were kept match any replay.
    if order.request_fingerprint.is_empty() || order.request_fingerprint == request_fingerprint(address, cart_lines, card) {
        return Ok(order);
    }
    if cart_lines.is_empty() {
        let bought: Vec<(String, u32)> = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(order.id))
            .all(db)
            .await?
            .into_iter()
            .map(|item| (item.sku, u32::try_from(item.quantity).unwrap_or(0)))
            .collect();
        if order.request_fingerprint == request_fingerprint(address, &bought, card) {
            return Ok(order);
        }
    }
    Err(key_reused())
}

/// A failure inside the reservation transaction: a database error keeps
/// its code so transient ones can be retried.
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

/// What one run of the reservation transaction ended with.
enum Reserved {
    /// This request reserved the order; its stock events wait for
    /// publishing.
    New { order: order::Model, settle_job: i32, recorded: Recorded },
    /// A concurrent request with the same key reserved it first.
    ByAnother(order::Model),
}

/// What the reservation must find and record, all decided before it starts.
struct Reservation<'a> {
    user: &'a CurrentUser,
    key: &'a str,
    fingerprint: &'a str,
    /// The address's part of the fingerprint.
    address_parts: &'a [String],
    ship_to: &'a ShipTo,
    card: &'a str,
    /// When the recovery job looks at the order if checkout has not
    /// settled it.
    settle_after: std::time::Duration,
}

/// Places `user`'s cart as an order and returns it. Replaying a request
/// with the same idempotency key and the same cart, address and card
/// returns the first order and charges nothing more; the same key with
/// anything different is refused (422).
///
/// Three short steps, no transaction open across the payment call: the
/// reservation (the pending order holding its stock, and the recovery job
/// that settles it should this request never finish), the charge, then
/// [`settle::confirm`] or [`settle::release`]. A charge whose answer never
/// comes returns the order still pending; the recovery job settles it.
pub async fn place_order(
    services: Services<'_>,
    timing: PaymentTiming,
    user: &CurrentUser,
    request: OrderRequest<'_>,
) -> Result<order::Model, AppError> {
    let Services { db, payments, events } = services;
    check_key(request.idempotency_key)?;
    let card = parse_card_number(request.card_number)
        .map_err(|err| AppError::Validation { field: "card_number".into(), message: err.to_string() })?;
    let choice = CheckedChoice::check(request.address)?;
    let address_parts = choice.fingerprint_parts();
    let cart = view(db, &Owner::User(user.id)).await?;
    let lines: Vec<(String, u32)> = cart.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
    if let Some(order) = existing(db, user.id, request.idempotency_key).await? {
        return replay(db, order, &address_parts, &lines, &card).await;
    }
    let ship_to = choice.resolve(db, user.id).await?;
    if lines.is_empty() {
        return Err(empty_cart());
    }
    // Refused before reserving when it is already clear; the reservation
    // checks again, atomically.
    if let Some(short) = cart.lines.iter().find(|l| l.quantity > l.available) {
        return Err(AppError::out_of_stock(&short.product_name, &short.variant_label, short.available));
    }
    let fingerprint = request_fingerprint(&address_parts, &lines, &card);
    let reservation = Reservation {
        user,
        key: request.idempotency_key,
        fingerprint: &fingerprint,
        address_parts: &address_parts,
        ship_to: &ship_to,
        card: &card,
        settle_after: timing.settle_after,
    };
    let mut attempt = 1;
    let reserved = loop {
        match reserve(db, &reservation).await {
            Err(TxnError::Db(err)) if is_transient(&err) && attempt < MAX_ATTEMPTS => {
                tracing::warn!(attempt, error = %err, "reservation hit a transient failure; running it again");
                attempt += 1;
            }
            outcome => break outcome?,
        }
    };
    let (order, settle_job) = match reserved {
        Reserved::New { order, settle_job, recorded } => {
            recorded.publish(events);
            (order, settle_job)
        }
        // A concurrent duplicate of this request reserved it and is paying.
        Reserved::ByAnother(order) if order.request_fingerprint == fingerprint => return Ok(order),
        Reserved::ByAnother(_) => return Err(key_reused()),
    };

    let charge = ChargeRequest {
        amount: Money::new(order.total_cents, order.currency),
        card_number: card.clone(),
        idempotency_key: payment_key(&order),
    };
    let answer = tokio::time::timeout(timing.timeout, payments.charge(charge))
        .await
        .unwrap_or_else(|_| Err(PaymentError::Unavailable(format!("no answer within {} s", timing.timeout.as_secs()))));
    match answer {
        Ok(receipt) => match settle::confirm(db, events, order.id, &receipt, Some(&card), Some(settle_job)).await? {
            Confirmed::Now(order) | Confirmed::Before(order) => Ok(order),
            Confirmed::Released => {
                // Only when the answer outlived the recovery job's wait.
                tracing::error!(order = order.id, reference = receipt.reference, "paid after the reservation was released; refunding");
                if let Err(err) = payments.refund(&receipt.reference).await {
                    tracing::error!(reference = receipt.reference, error = %err, "REFUND FAILED: refund this charge by hand");
                }
                Err(AppError::PaymentDeclined(
                    "The payment service answered too late, so your order was not placed and the payment was refunded. \
                     Please try again."
                        .into(),
                ))
            }
        },
        Err(err @ (PaymentError::Declined | PaymentError::InsufficientFunds | PaymentError::KeyReused)) => {
            settle::release(db, events, order.id, "payment declined", Some(settle_job)).await?;
            Err(match err {
                PaymentError::KeyReused => key_reused(),
                declined => AppError::PaymentDeclined(declined.to_string()),
            })
        }
        Err(err @ (PaymentError::Unavailable(_) | PaymentError::UnknownCharge(_))) => {
            // The card may or may not have been charged: the order stays
            // pending, holding its stock, until the recovery job asks.
            tracing::warn!(order = order.id, error = %err, "payment outcome unknown; the recovery job will settle the order");
            Ok(order)
        }
    }
}

/// One run of the reservation transaction. It is rolled back explicitly
/// on failure, so the write lock is free before a retry.
async fn reserve(db: &DatabaseConnection, reservation: &Reservation<'_>) -> Result<Reserved, TxnError> {
    let txn = begin_write(db).await?;
    match record(&txn, reservation).await {
        Ok(Some(reserved)) => {
            txn.commit().await?;
            Ok(reserved)
        }
        Ok(None) => {
            txn.rollback().await?;
            // Read after the rollback: the winner committed before our
            // insert could fail on its key.
            existing(db, reservation.user.id, reservation.key)
                .await?
                .map(Reserved::ByAnother)
                .ok_or(TxnError::App(AppError::Internal))
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a failed reservation");
            }
            Err(err)
        }
    }
}

/// Records the pending order with its items, stock and recovery job;
/// `None` when a concurrent request holds the key.
async fn record(txn: &WriteTxn, reservation: &Reservation<'_>) -> Result<Option<Reserved>, TxnError> {
    // The order row is written first: it claims the idempotency key (a
    // concurrent replay waits on the unique index, then finds this order)
    // and, on SQLite, takes the write lock before anything is read, so
    // every read below sees the latest committed stock.
    let pending = match claim(txn, reservation).await {
        Ok(order) => order,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Ok(None);
        }
        Err(err) => return Err(err.into()),
    };
    // Saved only now that the key is ours: a replay never adds an address.
    if let Some(new) = &reservation.ship_to.new {
        if !addresses::is_full(txn, reservation.user.id).await? {
            addresses::save_in(txn, reservation.user.id, None, new.clone()).await?;
        }
    }
    let taken = take_stock(txn, reservation.user.id, pending.id).await?;
    let same_cart = request_fingerprint(reservation.address_parts, &taken.lines, reservation.card) == reservation.fingerprint;
    if !same_cart {
        return Err(AppError::Conflict(
            "Your cart changed while you were checking out. Nothing was charged; \
             please review your cart and place the order again."
                .into(),
        )
        .into());
    }
    let shipping = shipping_fee_cents(taken.subtotal, &reservation.ship_to.address.country);
    let total = taken.subtotal + shipping;
    order::Entity::update_many()
        .col_expr(order::Column::SubtotalCents, Expr::value(taken.subtotal))
        .col_expr(order::Column::ShippingCents, Expr::value(shipping))
        .col_expr(order::Column::TotalCents, Expr::value(total))
        .col_expr(order::Column::Currency, Expr::value(taken.currency))
        .filter(order::Column::Id.eq(pending.id))
        .exec(txn)
        .await?;
    let order = order::Model {
        subtotal_cents: taken.subtotal,
        shipping_cents: shipping,
        total_cents: total,
        currency: taken.currency,
        ..pending
    };
    let due = Utc::now() + chrono::Duration::from_std(reservation.settle_after).unwrap_or(chrono::Duration::MAX);
    let settle = NewJob { run_at: Some(due), ..NewJob::new(queues::DEFAULT, SETTLE, serde_json::json!({ "order": order.id })) }
        .max_attempts(SETTLE_ATTEMPTS);
    let queued = queue::enqueue(txn, settle).await?;
    let settle_job = queued.id.ok_or(TxnError::App(AppError::Internal))?;
    let mut recorded = taken.recorded;
    recorded.extend(queued.recorded);
    Ok(Some(Reserved::New { order, settle_job, recorded }))
}

async fn claim(txn: &WriteTxn, reservation: &Reservation<'_>) -> Result<order::Model, DbErr> {
    let now = Utc::now();
    let a = &reservation.ship_to.address;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    order::ActiveModel {
        id: NotSet,
        user_id: Set(reservation.user.id),
        status: Set(OrderStatus::Pending),
        version: Set(1),
        idempotency_key: Set(reservation.key.into()),
        request_fingerprint: Set(reservation.fingerprint.into()),
        subtotal_cents: Set(0),
        shipping_cents: Set(0),
        total_cents: Set(0),
        currency: Set(Currency::Usd),
        ship_name: Set(a.full_name.clone()),
        ship_line1: Set(a.line1.clone()),
        ship_line2: Set(text(&a.line2)),
        ship_city: Set(a.city.clone()),
        ship_region: Set(text(&a.region)),
        ship_postal_code: Set(a.postal_code.clone()),
        ship_country: Set(a.country.clone()),
        ship_phone: Set(text(&a.phone)),
        payment_reference: Set(String::new()),
        tracking_number: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        notes: Set(String::new()),
        confirmed_at: Set(None),
        shipped_at: Set(None),
        delivered_at: Set(None),
        cancelled_at: Set(None),
        shopify_order_id: Set(None),
        shopify_updated_at: Set(None),
    }
    .insert(txn)
    .await
}

/// The stock taken for an order.
struct Taken {
    subtotal: i64,
    currency: Currency,
    /// (SKU, quantity) of each line bought.
    lines: Vec<(String, u32)>,
    /// The stock changes' events.
    recorded: Recorded,
}

/// Takes the stock for every cart line and records the order's items at
/// today's prices.
///
/// Lines are taken in variant-id order: every checkout locks the variant
/// rows it needs in the same order, so two carts holding the same items
/// (added in any order) wait for each other instead of deadlocking.
async fn take_stock(txn: &WriteTxn, user_id: i32, order_id: i32) -> Result<Taken, TxnError> {
    let lines = cart_item::Entity::find()
        .filter(cart_item::Column::UserId.eq(user_id))
        .order_by_asc(cart_item::Column::VariantId)
        .all(txn)
        .await?;
    if lines.is_empty() {
        return Err(empty_cart().into());
    }
    let variant_ids: Vec<i32> = lines.iter().map(|l| l.variant_id).collect();
    let variants: HashMap<i32, variant::Model> =
        variant::Entity::find().filter(variant::Column::Id.is_in(variant_ids)).all(txn).await?.into_iter().map(|v| (v.id, v)).collect();
    let product_ids: Vec<i32> = variants.values().map(|v| v.product_id).collect();
    let products: HashMap<i32, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids))
        .filter(product::Column::Active.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();

    let mut subtotal = 0i64;
    let mut currency = None;
    let mut items = Vec::with_capacity(lines.len());
    let mut bought = Vec::with_capacity(lines.len());
    let mut recorded = Recorded::default();
    for line in &lines {
        let unavailable = || AppError::Conflict("An item in your cart is no longer for sale; please review your cart.".into());
        let variant = variants.get(&line.variant_id).ok_or_else(unavailable)?;
        let product = products.get(&variant.product_id).ok_or_else(unavailable)?;
        let sale = Movement {
            variant: variant.id,
            delta: -line.quantity,
            reason: MovementReason::Sale,
            note: "",
            mover: Mover::System("Checkout"),
            order: Some(order_id),
            floor: Floor::Refuse,
        };
        match move_stock(txn, sale).await {
            Ok(moved) => recorded.extend(moved.recorded),
            Err(StockError::Short { available }) => {
                return Err(AppError::out_of_stock(&product.name, &variant.label, u32::try_from(available).unwrap_or(0)).into());
            }
            Err(StockError::NoVariant) => return Err(unavailable().into()),
            Err(StockError::Db(err)) => return Err(err.into()),
            Err(StockError::App(err)) => return Err(err.into()),
        }
        if *currency.get_or_insert(product.currency) != product.currency {
            return Err(AppError::Conflict("Items priced in different currencies cannot be bought together.".into()).into());
        }
        subtotal += variant.price_cents * i64::from(line.quantity);
        bought.push((variant.sku.clone(), u32::try_from(line.quantity).unwrap_or(0)));
        items.push(order_item::ActiveModel {
            id: NotSet,
            order_id: Set(order_id),
            variant_id: Set(variant.id),
            product_name: Set(product.name.clone()),
            variant_label: Set(variant.label.clone()),
            sku: Set(variant.sku.clone()),
            unit_price_cents: Set(variant.price_cents),
            quantity: Set(line.quantity),
        });
    }
    order_item::Entity::insert_many(items).exec_without_returning(txn).await?;
    Ok(Taken { subtotal, currency: currency.unwrap_or_default(), lines: bought, recorded })
}
