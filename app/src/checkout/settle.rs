//! Settling a reserved order once its payment's outcome is known.
//!
//! Checkout reserves first (a pending order holding its stock), charges
//! the card with no transaction open, then settles in a second short
//! transaction: [`confirm`] when the card was charged, [`release`] when it
//! was not. When checkout never hears the charge's answer (the provider
//! timed out, the process died), the `checkout.settle` job queued with the
//! reservation asks the provider by idempotency key and settles the order
//! the same way ([`settle`]). Each settles an order at most once: the
//! order must still be pending and unpaid in the settling transaction
//! (confirming checks it in the guarded update that confirms; releasing
//! reads the order locked).

use super::card::masked;
use super::payment::{PaymentError, PaymentProvider, Receipt};
use crate::auth::CurrentUser;
use crate::db::retry::retrying;
use crate::db::{begin_write, begin_write_first, WriteTxn};
use crate::entity::{cart_item, job, order, order_item};
use crate::error::AppError;
use crate::inventory::model::MovementReason;
use crate::inventory::ssr::movement::{move_stock_staged, Floor, Movement, Mover, StockError};
use crate::live::protocol::{EventBody, OrderUpdate};
use crate::live::ssr::{EventBus, Recorded, Staged};
use crate::live::topic::Topic;
use crate::mail::ssr::{enqueue, Email};
use crate::money::Money;
use crate::orders::change::{confirm_paid, ChangeError, Customer};
use crate::orders::status::OrderStatus;
use sea_orm::sea_query::{LockType, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::future::Future;
use std::time::Duration;

/// The job that settles a reservation whose payment outcome checkout
/// never learned: `{"order": id}`.
pub const SETTLE: &str = "checkout.settle";

/// Attempts at asking the provider before a person has to look.
pub const SETTLE_ATTEMPTS: i32 = 20;

/// How long checkout waits for the payment provider, and when the
/// recovery job looks at a reservation checkout did not settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentTiming {
    /// A charge not answered within this is left to the recovery job
    /// (`BAZAAR_PAYMENT_TIMEOUT_SECS`).
    pub timeout: Duration,
    /// The recovery job runs this long after the reservation; longer than
    /// `timeout`, so it never races a checkout still waiting for its
    /// answer (`BAZAAR_CHECKOUT_SETTLE_SECS`).
    pub settle_after: Duration,
}

impl Default for PaymentTiming {
    fn default() -> Self {
        PaymentTiming { timeout: Duration::from_secs(20), settle_after: Duration::from_secs(60) }
    }
}

/// The provider's idempotency key of `order`'s charge: the same request
/// always has the same key (so a replay is never charged twice), and the
/// recovery job finds the charge by it.
pub fn payment_key(order: &order::Model) -> String {
    let fingerprint = order.request_fingerprint.get(..16).unwrap_or(&order.request_fingerprint);
    format!("order-{}-{}-{fingerprint}", order.user_id, order.idempotency_key)
}

/// Whether `order` is a reservation still waiting for its payment.
pub fn is_unsettled(order: &order::Model) -> bool {
    order.status == OrderStatus::Pending && order.payment_reference.is_empty() && order.shopify_order_id.is_none()
}

/// Runs one settling transaction, again on a transient database failure.
/// `writes_first`: its first statement writes (see [`begin_write_first`]).
async fn retried<T, F, Fut>(db: &DatabaseConnection, what: &str, writes_first: bool, run: F) -> Result<T, AppError>
where
    F: Fn(WriteTxn) -> Fut,
    Fut: Future<Output = Result<T, ChangeError>>,
{
    let run = &run;
    let once = move || async move {
        let txn = if writes_first { begin_write_first(db).await? } else { begin_write(db).await? };
        run(txn).await
    };
    Ok(retrying(what, once).await?)
}

/// Order `order_id`, locked until the transaction ends (on PostgreSQL
/// `FOR UPDATE`; SQLite writers already go one at a time), so checkout and
/// the recovery job settling it at once take turns.
async fn locked(txn: &WriteTxn, order_id: i32) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find_by_id(order_id).lock(LockType::Update).one(txn).await
}

/// What [`confirm`] found.
#[derive(Debug)]
pub enum Confirmed {
    /// The order is paid and confirmed now.
    Now(order::Model),
    /// It was settled before (by checkout or by the recovery job).
    Before(order::Model),
    /// The reservation is gone: released because its payment was not
    /// found in time. The charge must be refunded.
    Released,
}

/// What checkout knows when it confirms its own reservation (the recovery
/// job knows none of it).
#[derive(Debug, Clone, Copy)]
pub struct ByCheckout<'a> {
    /// The signed-in customer placing the order.
    pub customer: &'a CurrentUser,
    /// The card charged, named in the email.
    pub card: &'a str,
    /// The recovery job queued with the reservation, no longer needed.
    pub settle_job: i32,
}

/// Confirms reservation `order_id`, paid by `receipt`: records the
/// payment, confirms the order (audit, version, live events), takes what
/// was bought out of the cart, queues the confirmation email and, from
/// checkout, drops the recovery job — one transaction, whose events are
/// published after commit.
pub async fn confirm(
    db: &DatabaseConnection,
    events: &dyn EventBus,
    order_id: i32,
    receipt: &Receipt,
    checkout: Option<ByCheckout<'_>>,
) -> Result<Confirmed, AppError> {
    // The guarded update that confirms comes first and takes the write lock.
    let (confirmed, recorded) = retried(db, "confirming a paid order", true, |txn| async move {
        let mut staged = Staged::default();
        let placer = checkout.map(|c| c.customer);
        let Some((confirmed, customer)) = confirm_paid(&txn, order_id, &receipt.reference, placer, &mut staged).await? else {
            // Not an unsettled reservation: settled before, or released.
            let outcome = match order::Entity::find_by_id(order_id).one(&txn).await? {
                Some(settled) => Confirmed::Before(settled),
                None => Confirmed::Released,
            };
            return Ok((outcome, Recorded::default()));
        };
        // Only what was bought: anything added meanwhile stays in the cart.
        let bought = Query::select()
            .column(order_item::Column::VariantId)
            .from(order_item::Entity)
            .and_where(order_item::Column::OrderId.eq(order_id))
            .to_owned();
        cart_item::Entity::delete_many()
            .filter(cart_item::Column::UserId.eq(confirmed.user_id))
            .filter(cart_item::Column::VariantId.in_subquery(bought))
            .exec(&txn)
            .await?;
        let mut recorded = enqueue(&txn, confirmation_email(&confirmed, &customer, checkout.map(|c| c.card))).await?;
        if let Some(checkout) = checkout {
            job::Entity::delete_by_id(checkout.settle_job).exec(&txn).await?;
        }
        recorded.extend(staged.write(&txn).await?);
        txn.commit().await?;
        Ok((Confirmed::Now(confirmed), recorded))
    })
    .await?;
    recorded.publish(events);
    Ok(confirmed)
}

fn confirmation_email(order: &order::Model, customer: &Customer, card: Option<&str>) -> Email {
    let total = Money::new(order.total_cents, order.currency);
    let charged = match card {
        Some(card) => format!("Total charged: {total} (card {}).", masked(card)),
        None => format!("Total charged: {total}."),
    };
    Email {
        to: customer.email.clone(),
        subject: format!("Your Bazaar order #{} is confirmed", order.id),
        body: format!(
            "Hello {},\n\nThank you for your order #{}.\n{charged}\n\nFollow it at /orders/{}.\n\n— Bazaar\n",
            customer.name, order.id, order.id
        ),
    }
}

/// Releases reservation `order_id`, whose card was not charged: its stock
/// goes back (movements noting `why`), the order and its items are
/// deleted (a customer whose card was declined has no order), its page is
/// told it is cancelled, and the recovery `job` is dropped. The cart is
/// untouched. Returns whether there
/// was a reservation to release.
pub async fn release(db: &DatabaseConnection, events: &dyn EventBus, order_id: i32, why: &str, job: Option<i32>) -> Result<bool, AppError> {
    let (released, recorded) = retried(db, "releasing a reservation", false, |txn| async move {
        let Some(reserved) = locked(&txn, order_id).await?.filter(is_unsettled) else {
            return Ok((false, Recorded::default()));
        };
        let mut items = order_item::Entity::find().filter(order_item::Column::OrderId.eq(order_id)).all(&txn).await?;
        // In variant-id order, like checkout, so the two never deadlock.
        items.sort_by_key(|item| item.variant_id);
        let note = format!("Checkout #{}: {why}", reserved.id);
        let mut staged = Staged::default();
        for item in items {
            let put_back = Movement {
                variant: item.variant_id,
                delta: item.quantity,
                reason: MovementReason::Cancellation,
                note: &note,
                mover: Mover::System("Checkout"),
                order: None,
                floor: Floor::Refuse,
            };
            match move_stock_staged(&txn, put_back, None, &mut staged).await {
                Ok(_) | Err(StockError::NoVariant) => {}
                Err(StockError::Db(err)) => return Err(err.into()),
                Err(other) => return Err(AppError::from(other).into()),
            }
        }
        order_item::Entity::delete_many().filter(order_item::Column::OrderId.eq(order_id)).exec(&txn).await?;
        order::Entity::delete_by_id(order_id).exec(&txn).await?;
        // A customer watching the pending order's page learns it is off.
        let off = OrderUpdate { id: order_id, version: reserved.version + 1, status: OrderStatus::Cancelled, tracking_number: None };
        staged.push(Topic::Order(order_id), EventBody::OrderUpdated(off));
        if let Some(job) = job {
            job::Entity::delete_by_id(job).exec(&txn).await?;
        }
        let recorded = staged.write(&txn).await?;
        txn.commit().await?;
        Ok((true, recorded))
    })
    .await?;
    recorded.publish(events);
    Ok(released)
}

/// Why the recovery job could not settle an order yet.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The provider could not say; ask again later.
    #[error("the payment provider could not be asked: {0}")]
    Provider(PaymentError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// How the recovery job left an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Paid: confirmed.
    Confirmed,
    /// Not paid: released.
    Released,
    /// Checkout had settled it already, or it is gone.
    Nothing,
}

/// The recovery job's work for reservation `order_id`: asks the provider
/// whether its key was charged, then confirms or releases it.
pub async fn settle(
    db: &DatabaseConnection,
    payments: &dyn PaymentProvider,
    events: &dyn EventBus,
    order_id: i32,
) -> Result<Settlement, SettleError> {
    let Some(reserved) = order::Entity::find_by_id(order_id).one(db).await?.filter(is_unsettled) else {
        return Ok(Settlement::Nothing);
    };
    match payments.find(&payment_key(&reserved)).await.map_err(SettleError::Provider)? {
        Some(receipt) => match confirm(db, events, order_id, &receipt, None).await? {
            Confirmed::Now(_) => Ok(Settlement::Confirmed),
            Confirmed::Before(_) | Confirmed::Released => Ok(Settlement::Nothing),
        },
        None => {
            let released = release(db, events, order_id, "payment not completed", None).await?;
            Ok(if released { Settlement::Released } else { Settlement::Nothing })
        }
    }
}
