//! Placing an order: one transaction that re-reads prices, takes stock with
//! conditional updates (never read-then-write), records the order with
//! price snapshots, takes payment and empties the cart. Any failure rolls
//! all of it back: no order, stock untouched, nothing charged.

use super::card::{masked, parse_card_number};
use super::model::Quote;
use super::payment::{ChargeRequest, PaymentError, PaymentProvider, Receipt};
use super::shipping::shipping_fee_cents;
use crate::account::model::{Address, CurrentUser};
use crate::cart::ssr::{view, Owner};
use crate::entity::{cart_item, order, order_item, product, variant};
use crate::error::AppError;
use crate::mail::ssr::{enqueue, Email};
use crate::money::{Currency, Money};
use crate::orders::ssr::transition;
use crate::orders::status::OrderStatus;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, SqlErr,
};
use std::collections::HashMap;

/// What the customer sends to place an order.
pub struct OrderRequest<'a> {
    pub idempotency_key: &'a str,
    pub address: &'a Address,
    pub card_number: &'a str,
}

/// The quote for `user_id`'s cart shipped to `country`.
pub async fn quote(db: &DatabaseConnection, user_id: i32, country: &str) -> Result<Quote, AppError> {
    let cart = view(db, &Owner::User(user_id)).await?;
    let currency = cart.subtotal.currency;
    let shipping = shipping_fee_cents(cart.subtotal.cents, country);
    let total = Money::new(cart.subtotal.cents + shipping, currency);
    Ok(Quote { shipping: Money::new(shipping, currency), total, cart })
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

async fn existing(db: &DatabaseConnection, user_id: i32, key: &str) -> Result<Option<order::Model>, AppError> {
    Ok(order::Entity::find()
        .filter(order::Column::UserId.eq(user_id))
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// Places `user`'s cart as an order and returns it. Replaying a request
/// with the same idempotency key returns the first order and charges
/// nothing more.
pub async fn place_order(
    db: &DatabaseConnection,
    payments: &dyn PaymentProvider,
    user: &CurrentUser,
    request: OrderRequest<'_>,
) -> Result<order::Model, AppError> {
    check_key(request.idempotency_key)?;
    if let Some(order) = existing(db, user.id, request.idempotency_key).await? {
        return Ok(order);
    }
    let card = parse_card_number(request.card_number)
        .map_err(|err| AppError::Validation { field: "card_number".into(), message: err.to_string() })?;

    let txn = crate::db::begin_write(db).await?;
    // The order row is written first: it claims the idempotency key (a
    // concurrent replay waits on the unique index, then finds this order)
    // and, on SQLite, takes the write lock before anything is read, so
    // every read below sees the latest committed stock.
    let pending = match claim(&txn, user.id, &request).await {
        Ok(order) => order,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return existing(db, user.id, request.idempotency_key).await?.ok_or(AppError::Internal);
        }
        Err(err) => return Err(err.into()),
    };
    let (subtotal, currency) = take_stock(&txn, user.id, pending.id).await?;
    let shipping = shipping_fee_cents(subtotal, &request.address.country);
    let total = Money::new(subtotal + shipping, currency);

    let receipt = payments
        .charge(ChargeRequest {
            amount: total,
            card_number: card.clone(),
            idempotency_key: format!("order-{}-{}", user.id, request.idempotency_key),
        })
        .await
        .map_err(|err| match err {
            PaymentError::Declined | PaymentError::InsufficientFunds => AppError::PaymentDeclined(err.to_string()),
            PaymentError::Unavailable(reason) => {
                tracing::error!(reason, "payment provider unavailable");
                AppError::PaymentDeclined("We could not reach the payment service. No payment was taken; please try again.".into())
            }
        })?;

    let order = match finish(&txn, pending, subtotal, shipping, total, &receipt, user, &card).await {
        Ok(order) => order,
        Err(err) => return Err(refund_after(payments, &receipt, err).await),
    };
    match txn.commit().await {
        Ok(()) => Ok(order),
        Err(err) => Err(refund_after(payments, &receipt, err.into()).await),
    }
}

/// The order could not be saved after the card was charged: give the money
/// back before reporting the failure.
async fn refund_after(payments: &dyn PaymentProvider, receipt: &Receipt, err: AppError) -> AppError {
    tracing::error!(reference = receipt.reference, error = %err, "order not saved after payment; refunding");
    if let Err(refund) = payments.refund(&receipt.reference).await {
        tracing::error!(reference = receipt.reference, error = %refund, "REFUND FAILED: refund this charge by hand");
    }
    err
}

async fn claim(txn: &DatabaseTransaction, user_id: i32, request: &OrderRequest<'_>) -> Result<order::Model, sea_orm::DbErr> {
    let now = Utc::now();
    let address = request.address;
    order::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        status: Set(OrderStatus::Pending.key().into()),
        version: Set(1),
        idempotency_key: Set(request.idempotency_key.into()),
        subtotal_cents: Set(0),
        shipping_cents: Set(0),
        total_cents: Set(0),
        currency: Set("USD".into()),
        ship_name: Set(address.full_name.clone()),
        ship_line1: Set(address.line1.clone()),
        ship_line2: Set(address.line2.clone().unwrap_or_default()),
        ship_city: Set(address.city.clone()),
        ship_region: Set(address.region.clone().unwrap_or_default()),
        ship_postal_code: Set(address.postal_code.clone()),
        ship_country: Set(address.country.clone()),
        ship_phone: Set(address.phone.clone().unwrap_or_default()),
        payment_reference: Set(String::new()),
        tracking_number: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
}

/// Takes the stock for every cart line and records the order's items at
/// today's prices. Returns the subtotal in cents and its currency.
async fn take_stock(txn: &DatabaseTransaction, user_id: i32, order_id: i32) -> Result<(i64, Currency), AppError> {
    let lines = cart_item::Entity::find().filter(cart_item::Column::UserId.eq(user_id)).all(txn).await?;
    if lines.is_empty() {
        return Err(AppError::Validation { field: "cart".into(), message: "Your cart is empty.".into() });
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
    for line in &lines {
        let unavailable = || AppError::Conflict("An item in your cart is no longer for sale; please review your cart.".into());
        let variant = variants.get(&line.variant_id).ok_or_else(unavailable)?;
        let product = products.get(&variant.product_id).ok_or_else(unavailable)?;
        let taken = variant::Entity::update_many()
            .col_expr(variant::Column::Stock, Expr::col(variant::Column::Stock).sub(line.quantity))
            .filter(variant::Column::Id.eq(variant.id))
            .filter(variant::Column::Stock.gte(line.quantity))
            .exec(txn)
            .await?
            .rows_affected;
        if taken == 0 {
            let available = variant::Entity::find_by_id(variant.id).one(txn).await?.map_or(0, |v| v.stock);
            return Err(AppError::OutOfStock {
                item: format!("{} ({})", product.name, variant.label),
                available: u32::try_from(available).unwrap_or(0),
            });
        }
        let line_currency = Currency::from_code(&product.currency).ok_or(AppError::Internal)?;
        if *currency.get_or_insert(line_currency) != line_currency {
            return Err(AppError::Conflict("Items priced in different currencies cannot be bought together.".into()));
        }
        subtotal += variant.price_cents * i64::from(line.quantity);
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
    Ok((subtotal, currency.unwrap_or_default()))
}

/// Records totals and payment, confirms the order, empties the cart and
/// queues the confirmation email — all in the order's transaction.
#[expect(clippy::too_many_arguments, reason = "the parts of one order, each computed by a step of place_order")]
async fn finish(
    txn: &DatabaseTransaction,
    pending: order::Model,
    subtotal: i64,
    shipping: i64,
    total: Money,
    receipt: &Receipt,
    user: &CurrentUser,
    card: &str,
) -> Result<order::Model, AppError> {
    let mut priced: order::ActiveModel = pending.into();
    priced.subtotal_cents = Set(subtotal);
    priced.shipping_cents = Set(shipping);
    priced.total_cents = Set(total.cents);
    priced.currency = Set(total.currency.code().into());
    priced.payment_reference = Set(receipt.reference.clone());
    let priced = priced.update(txn).await?;
    let confirmed = transition(txn, &priced, OrderStatus::Confirmed, None).await?;
    cart_item::Entity::delete_many().filter(cart_item::Column::UserId.eq(user.id)).exec(txn).await?;
    enqueue(
        txn,
        Email {
            to: user.email.clone(),
            subject: format!("Your Bazaar order #{} is confirmed", confirmed.id),
            body: format!(
                "Hello {},\n\nThank you for your order #{}.\nTotal charged: {} (card {}).\n\nFollow it at /orders/{}.\n\n— Bazaar\n",
                user.name,
                confirmed.id,
                total,
                masked(card),
                confirmed.id
            ),
        },
    )
    .await?;
    Ok(confirmed)
}
