//! Placing an order.
//!
//! No transaction is open while the payment provider is called, so a slow
//! provider never holds a database lock (on SQLite, the one write lock of
//! the whole shop). First one short transaction reserves (`reserve`): it
//! claims the idempotency key with the pending order, saves a new address,
//! takes the stock with guarded updates and queues the job that settles
//! the order should this request never finish. Then the card is charged,
//! with an idempotency key derived from the order. Then a second short
//! transaction confirms the order or releases its stock (`settle`). A
//! transient database failure runs a transaction again; any other failure
//! rolls it back: nothing charged, nothing kept.

use super::card::{last4, parse_card_number};
use super::fingerprint::{fingerprint, RequestParts};
use super::model::Quote;
use super::payment::{ChargeRequest, PaymentError};
use super::reserve::{reserve, Reservation, Reserved};
use super::settle::{self, payment_key, ByCheckout, Confirmed, PaymentTiming};
use super::shipping::shipping_fee_cents;
use crate::account::model::{Address, AddressInput};
use crate::account::ssr::addresses;
use crate::account::validate::ValidAddress;
use crate::auth::CurrentUser;
use crate::cart::model::Cart;
use crate::cart::ssr::{view, Owner};
use crate::entity::{order, order_item};
use crate::error::AppError;
use crate::money::Money;
use crate::orders::change::Services;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

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
pub(super) struct ShipTo {
    pub address: Address,
    /// A new address, saved to the address book with the order.
    pub new: Option<ValidAddress>,
}

/// The fingerprint of a request: its address choice, cart lines and card.
pub(super) fn request_fingerprint(choice: &[String], lines: &[(String, u32)], card: &str) -> String {
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

/// The order an earlier request with `key` placed, if there is one and
/// this request asks for the same thing (else `key_reused`).
async fn replay_if_placed(
    db: &DatabaseConnection,
    user_id: i32,
    key: &str,
    address: &[String],
    card: &str,
) -> Result<Option<order::Model>, AppError> {
    let Some(order) = existing(db, user_id, key).await? else {
        return Ok(None);
    };
    let cart = view(db, &Owner::User(user_id)).await?;
    let lines: Vec<(String, u32)> = cart.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
    replay(db, order, address, &lines, card).await.map(Some)
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
    let key = request.idempotency_key;
    // No look for an earlier order under this key first: the reservation
    // claims the key before anything else, and finds it taken.
    let ship_to = match choice.resolve(db, user.id).await {
        Ok(ship_to) => ship_to,
        // A replay still gets its order once the address it named is gone.
        Err(err) => return replay_if_placed(db, user.id, key, &address_parts, &card).await?.ok_or(err),
    };
    let reservation = Reservation {
        user,
        key,
        address_parts: &address_parts,
        ship_to: &ship_to,
        card: &card,
        settle_after: timing.settle_after,
    };
    let (order, settle_job) = match reserve(db, &reservation).await? {
        Reserved::New { order, settle_job, recorded } => {
            recorded.publish(events);
            (order, settle_job)
        }
        // An earlier request with this key, or a concurrent duplicate
        // that committed first.
        Reserved::KeyTaken => return replay_if_placed(db, user.id, key, &address_parts, &card).await?.ok_or(AppError::Internal),
        // Empty, or emptied by this very request placed a moment ago.
        Reserved::EmptyCart => return replay_if_placed(db, user.id, key, &address_parts, &card).await?.ok_or_else(empty_cart),
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
        Ok(receipt) => match settle::confirm(db, events, order.id, &receipt, Some(ByCheckout { customer: user, card: &card, settle_job })).await? {
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
