//! Placing an order.
//!
//! The card is charged first, for the total quoted from the cart, outside
//! any transaction: no database lock is held across a call to the payment
//! service (on SQLite, whose writers queue on one lock, the provider's own
//! ledger could not even be written meanwhile). Then one transaction
//! claims the idempotency key, saves a new address, takes stock with
//! conditional updates in variant-id order (so concurrent checkouts lock
//! rows in the same order and cannot deadlock), checks that the cart and
//! prices are still those that were paid for, records the order with
//! price snapshots and empties the cart. A transient database failure runs
//! that transaction again; any other failure rolls it back and refunds the
//! charge: no order, stock untouched, nothing kept.

use super::card::{last4, masked, parse_card_number};
use super::fingerprint::{fingerprint, RequestParts};
use super::model::Quote;
use super::payment::{ChargeRequest, PaymentError, PaymentProvider, Receipt};
use super::retry::{is_transient, MAX_ATTEMPTS};
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
use crate::mail::ssr::{enqueue, Email};
use crate::money::{Currency, Money};
use crate::live::ssr::Recorded;
use crate::orders::change::{apply, Actor, ChangeError, Change, Services};
use crate::orders::status::OrderStatus;
use chrono::Utc;
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

/// A failure inside the order transaction: a database error keeps its
/// code so transient ones can be retried.
#[derive(Debug, thiserror::Error)]
enum TxnError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<ChangeError> for TxnError {
    fn from(err: ChangeError) -> Self {
        match err {
            ChangeError::Db(db) => TxnError::Db(db),
            other => TxnError::App(other.into()),
        }
    }
}

impl From<TxnError> for AppError {
    fn from(err: TxnError) -> Self {
        match err {
            TxnError::Db(db) => db.into(),
            TxnError::App(app) => app,
        }
    }
}

/// What one run of the order transaction ended with.
enum Placed {
    /// This request placed the order; its events wait for publishing.
    New(order::Model, Recorded),
    /// A concurrent request with the same key placed it first.
    ByAnother(order::Model),
}

/// What the transaction must find and record, all decided before it starts.
struct Paid<'a> {
    user: &'a CurrentUser,
    key: &'a str,
    fingerprint: &'a str,
    /// The address's part of the fingerprint.
    address_parts: &'a [String],
    ship_to: &'a ShipTo,
    card: &'a str,
    amount: Money,
    receipt: &'a Receipt,
}

/// Places `user`'s cart as an order and returns it. Replaying a request
/// with the same idempotency key and the same cart, address and card
/// returns the first order and charges nothing more; the same key with
/// anything different is refused (422).
pub async fn place_order(services: Services<'_>, user: &CurrentUser, request: OrderRequest<'_>) -> Result<order::Model, AppError> {
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
    let quote = quote_of(cart, &ship_to.address.country);
    if lines.is_empty() {
        return Err(empty_cart());
    }
    // Refused before charging when it is already clear; the transaction
    // checks again, atomically.
    if let Some(short) = quote.cart.lines.iter().find(|l| l.quantity > l.available) {
        return Err(AppError::out_of_stock(&short.product_name, &short.variant_label, short.available));
    }
    let fingerprint = request_fingerprint(&address_parts, &lines, &card);

    // The provider's key carries the fingerprint: identical requests share
    // one charge, a different request under the same key gets its own
    // (refunded below when the key turns out to be taken).
    let receipt = payments
        .charge(ChargeRequest {
            amount: quote.total,
            card_number: card.clone(),
            idempotency_key: format!("order-{}-{}-{}", user.id, request.idempotency_key, &fingerprint[..16]),
        })
        .await
        .map_err(|err| match err {
            PaymentError::Declined | PaymentError::InsufficientFunds => AppError::PaymentDeclined(err.to_string()),
            PaymentError::KeyReused => key_reused(),
            PaymentError::UnknownCharge(_) | PaymentError::Unavailable(_) => {
                tracing::error!(error = %err, "payment provider failed");
                AppError::PaymentDeclined("We could not reach the payment service. No payment was taken; please try again.".into())
            }
        })?;

    let paid = Paid {
        user,
        key: request.idempotency_key,
        fingerprint: &fingerprint,
        address_parts: &address_parts,
        ship_to: &ship_to,
        card: &card,
        amount: quote.total,
        receipt: &receipt,
    };
    let mut attempt = 1;
    let outcome = loop {
        match place_paid(db, &paid).await {
            Err(TxnError::Db(err)) if is_transient(&err) && attempt < MAX_ATTEMPTS => {
                tracing::warn!(attempt, error = %err, "order transaction hit a transient failure; running it again");
                attempt += 1;
            }
            outcome => break outcome,
        }
    };
    match outcome {
        Ok(Placed::New(order, recorded)) => {
            recorded.publish(events);
            Ok(order)
        }
        Ok(Placed::ByAnother(order)) if order.request_fingerprint == fingerprint => {
            // The same request, placed by a concurrent duplicate: it used
            // the same charge, which must stay paid.
            Ok(order)
        }
        Ok(Placed::ByAnother(_)) => Err(refund_after(payments, &receipt, key_reused()).await),
        Err(err) => Err(refund_after(payments, &receipt, err.into()).await),
    }
}

/// The order could not be placed after the card was charged: give the
/// money back before reporting the failure.
async fn refund_after(payments: &dyn PaymentProvider, receipt: &Receipt, err: AppError) -> AppError {
    match &err {
        AppError::Internal => tracing::error!(reference = receipt.reference, "order not saved after payment; refunding"),
        _ => tracing::info!(reference = receipt.reference, error = %err, "order refused after payment; refunding"),
    }
    if let Err(refund) = payments.refund(&receipt.reference).await {
        tracing::error!(reference = receipt.reference, error = %refund, "REFUND FAILED: refund this charge by hand");
    }
    err
}

/// One run of the order transaction. It is rolled back explicitly on
/// failure, so the write lock is free before a refund or a retry.
async fn place_paid(db: &DatabaseConnection, paid: &Paid<'_>) -> Result<Placed, TxnError> {
    let txn = begin_write(db).await?;
    match record(&txn, paid).await {
        Ok(Some((order, recorded))) => {
            txn.commit().await?;
            Ok(Placed::New(order, recorded))
        }
        Ok(None) => {
            txn.rollback().await?;
            // Read after the rollback: the winner committed before our
            // insert could fail on its key.
            existing(db, paid.user.id, paid.key).await?.map(Placed::ByAnother).ok_or(TxnError::App(AppError::Internal))
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a failed order transaction");
            }
            Err(err)
        }
    }
}

/// Records the order; `None` when a concurrent request holds the key.
async fn record(txn: &WriteTxn, paid: &Paid<'_>) -> Result<Option<(order::Model, Recorded)>, TxnError> {
    // The order row is written first: it claims the idempotency key (a
    // concurrent replay waits on the unique index, then finds this order)
    // and, on SQLite, takes the write lock before anything is read, so
    // every read below sees the latest committed stock.
    let pending = match claim(txn, paid).await {
        Ok(order) => order,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Ok(None);
        }
        Err(err) => return Err(err.into()),
    };
    // Saved only now that the key is ours: a replay never adds an address.
    if let Some(new) = &paid.ship_to.new {
        if !addresses::is_full(txn, paid.user.id).await? {
            addresses::save_in(txn, paid.user.id, None, new.clone()).await?;
        }
    }
    let taken = take_stock(txn, paid.user.id, pending.id).await?;
    let shipping = shipping_fee_cents(taken.subtotal, &paid.ship_to.address.country);
    let total = Money::new(taken.subtotal + shipping, taken.currency);
    let same_cart = request_fingerprint(paid.address_parts, &taken.lines, paid.card) == paid.fingerprint;
    if !same_cart || total != paid.amount {
        return Err(AppError::Conflict(
            "Your cart or its prices changed while you were paying. The payment was refunded; \
             please review your cart and place the order again."
                .into(),
        )
        .into());
    }
    let (order, mut recorded) = finish(txn, pending, taken.subtotal, shipping, total, paid).await?;
    recorded.extend(taken.recorded);
    Ok(Some((order, recorded)))
}

async fn claim(txn: &WriteTxn, paid: &Paid<'_>) -> Result<order::Model, DbErr> {
    let now = Utc::now();
    let a = &paid.ship_to.address;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    order::ActiveModel {
        id: NotSet,
        user_id: Set(paid.user.id),
        status: Set(OrderStatus::Pending),
        version: Set(1),
        idempotency_key: Set(paid.key.into()),
        request_fingerprint: Set(paid.fingerprint.into()),
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

/// Records totals and payment, confirms the order, empties the cart and
/// queues the confirmation email — all in the order's transaction — and
/// returns the events to publish after commit.
async fn finish(
    txn: &WriteTxn,
    pending: order::Model,
    subtotal: i64,
    shipping: i64,
    total: Money,
    paid: &Paid<'_>,
) -> Result<(order::Model, Recorded), TxnError> {
    let mut priced: order::ActiveModel = pending.into();
    priced.subtotal_cents = Set(subtotal);
    priced.shipping_cents = Set(shipping);
    priced.total_cents = Set(total.cents);
    priced.currency = Set(total.currency);
    priced.payment_reference = Set(paid.receipt.reference.clone());
    let priced = priced.update(txn).await?;
    let confirm = Change { status: Some(OrderStatus::Confirmed), ..Change::default() };
    let (confirmed, mut recorded) = apply(txn, priced.clone(), priced.version, &confirm, Actor::Shop).await?;
    cart_item::Entity::delete_many().filter(cart_item::Column::UserId.eq(paid.user.id)).exec(txn).await?;
    recorded.extend(enqueue(
        txn,
        Email {
            to: paid.user.email.clone(),
            subject: format!("Your Bazaar order #{} is confirmed", confirmed.id),
            body: format!(
                "Hello {},\n\nThank you for your order #{}.\nTotal charged: {} (card {}).\n\nFollow it at /orders/{}.\n\n— Bazaar\n",
                paid.user.name,
                confirmed.id,
                total,
                masked(paid.card),
                confirmed.id
            ),
        },
    )
    .await?);
    Ok((confirmed, recorded))
}
