//! Every write to an order goes through [`apply`]: it checks the lifecycle
//! and the version the writer read, bumps the version, stamps the status
//! time, puts back the stock of a cancelled order, queues the customer's
//! email, writes the audit log and records the live events — all in the
//! caller's transaction. [`update`] and [`cancel`] wrap it in one.
//! Checkout confirms a paid reservation with [`confirm_paid`]: the same
//! move and bookkeeping, in one guarded statement. A cancelled order's
//! refund is a job queued in the same transaction, so a refund that fails
//! is retried rather than lost.

use super::status::{IllegalTransition, OrderStatus};
use crate::auth::CurrentUser;
use crate::admin::model::{AdminOrderRow, MAX_NOTES_CHARS, MAX_TRACKING_CHARS};
use crate::checkout::payment::PaymentProvider;
use crate::db::retry::{is_transient, retrying, Transient};
use crate::db::WriteTxn;
use crate::entity::{order, order_audit, order_item, user};
use crate::inventory::model::MovementReason;
use crate::inventory::ssr::movement::{move_stock, Floor, Movement, Mover, StockError};
use crate::error::AppError;
use crate::live::protocol::{EventBody, KpiChange, OrderUpdate};
use crate::live::ssr::{EventBus, Recorded, Staged};
use crate::live::topic::Topic;
use crate::jobs::ssr::queue::{self, queues, NewJob};
use crate::mail::ssr::{enqueue, Email};
use crate::money::Money;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryTrait};

/// A requested change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub status: Option<OrderStatus>,
    /// `Some("")` clears the tracking number.
    pub tracking_number: Option<String>,
    pub notes: Option<String>,
    /// The status must move: asking for the one the order already has is
    /// refused like any other forbidden transition (a customer cancelling
    /// twice), instead of being a harmless repeat (an admin saving the
    /// form unchanged).
    pub insist: bool,
    /// The status may move forward past the statuses in between, as when
    /// an integration reports where the order is now (Pending → Shipped).
    pub leap: bool,
}

/// Who makes a change, for the audit log.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// The shop itself (checkout confirming its own order).
    Shop,
    /// A signed-in person.
    User(&'a CurrentUser),
    /// Another system, by name ("Shopify"). It tells its customers itself,
    /// so its changes send no email.
    Integration(&'static str),
}

/// The job that refunds a cancelled order: `{"order": id}`.
pub const REFUND: &str = "payment.refund";

/// Attempts at a refund before a person has to look at it.
const REFUND_ATTEMPTS: i32 = 10;

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The order moved past the version the writer read; here it is now.
    #[error("the order changed since it was read")]
    Stale(Box<order::Model>),
    #[error(transparent)]
    Refused(#[from] AppError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl Transient for ChangeError {
    fn is_transient(&self) -> bool {
        matches!(self, ChangeError::Db(err) if is_transient(err))
    }
}

impl From<ChangeError> for AppError {
    fn from(err: ChangeError) -> Self {
        match err {
            ChangeError::Stale(_) => AppError::Conflict("This order was changed by someone else; reload it and try again.".into()),
            ChangeError::Refused(app) => app,
            ChangeError::Db(db) => db.into(),
        }
    }
}

/// RFC 3339 in UTC, as the wire types carry times.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Who placed an order, as its admin row and emails name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub name: String,
    pub email: String,
}

impl From<&user::Model> for Customer {
    fn from(user: &user::Model) -> Self {
        Customer { name: user.name.clone(), email: user.email.clone() }
    }
}

/// The admin table's row for `row`, whose customer is `customer`.
pub fn admin_row(row: &order::Model, customer: &user::Model) -> AdminOrderRow {
    row_of(row, &Customer::from(customer))
}

fn row_of(row: &order::Model, customer: &Customer) -> AdminOrderRow {
    AdminOrderRow {
        id: row.id,
        version: row.version,
        status: row.status,
        customer_name: customer.name.clone(),
        customer_email: customer.email.clone(),
        total: Money::new(row.total_cents, row.currency),
        tracking_number: row.tracking_number.clone(),
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    }
}

fn checked_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::Validation { field: field.into(), message: format!("At most {max} characters, please.") });
    }
    Ok(value.to_string())
}

/// The customer's emails about a status change.
fn email_for(order: &order::Model, customer: &user::Model) -> Option<Email> {
    let id = order.id;
    let (subject, news) = match order.status {
        OrderStatus::Shipped => (
            format!("Your Bazaar order #{id} has shipped"),
            match &order.tracking_number {
                Some(tracking) => format!("Your order #{id} is on its way. Tracking number: {tracking}."),
                None => format!("Your order #{id} is on its way."),
            },
        ),
        OrderStatus::Cancelled => {
            (format!("Your Bazaar order #{id} was cancelled"), format!("Your order #{id} was cancelled and will be refunded in full."))
        }
        OrderStatus::Delivered => (format!("Your Bazaar order #{id} was delivered"), format!("Your order #{id} was delivered.")),
        OrderStatus::Pending | OrderStatus::Confirmed => return None,
    };
    Some(Email {
        to: customer.email.clone(),
        subject,
        body: format!("Hello {},\n\n{news}\n\nFollow it at /orders/{id}.\n\n— Bazaar\n", customer.name),
    })
}

/// Records the events of `order` after a change in `db`'s transaction:
/// see [`stage_events`].
async fn record_events(
    db: &impl ConnectionTrait,
    order: &order::Model,
    customer: &user::Model,
    customer_visible: bool,
    status_moved: bool,
) -> Result<Recorded, AppError> {
    let mut events = Staged::default();
    stage_events(&mut events, order, &Customer::from(customer), customer_visible, status_moved);
    events.write(db).await
}

/// Stages the events of `order` after a change: the admin table's row on
/// `orders`; when `customer_visible`, the status and tracking on
/// `order:{id}`; when `status_moved`, a `kpi` change.
fn stage_events(events: &mut Staged, order: &order::Model, customer: &Customer, customer_visible: bool, status_moved: bool) {
    if customer_visible {
        let update =
            OrderUpdate { id: order.id, version: order.version, status: order.status, tracking_number: order.tracking_number.clone() };
        events.push(Topic::Order(order.id), EventBody::OrderUpdated(update));
    }
    events.push(Topic::Orders, EventBody::OrderSynced(row_of(order, customer)));
    if status_moved {
        events.push(Topic::Kpi, EventBody::KpiChanged(KpiChange { order_id: order.id, status: order.status }));
    }
}

/// Records the events of a newly created `order` of `customer` (the
/// admin table's row and a KPI change) in `db`'s transaction.
pub async fn record_new(db: &impl ConnectionTrait, order: &order::Model, customer: &user::Model) -> Result<Recorded, AppError> {
    record_events(db, order, customer, false, true).await
}

/// Applies `change` to `order`, read at `version`, by `actor`. Returns the new row and the events to publish after
/// commit; an order with nothing to change is returned as it is.
pub async fn apply(
    db: &WriteTxn,
    order: order::Model,
    version: i32,
    change: &Change,
    actor: Actor<'_>,
) -> Result<(order::Model, Recorded), ChangeError> {
    if order.version != version {
        return Err(ChangeError::Stale(Box::new(order)));
    }
    let mut next = order.clone();
    if let Some(to) = change.status.filter(|to| *to != order.status || change.insist) {
        let allowed = if change.leap { order.status.can_reach(to) } else { order.status.can_become(to) };
        if !allowed {
            let err = IllegalTransition { from: order.status, to };
            return Err(AppError::Validation { field: "status".into(), message: format!("{err}.") }.into());
        }
        next.status = to;
    }
    if let Some(tracking) = &change.tracking_number {
        let tracking = checked_text("tracking_number", tracking, MAX_TRACKING_CHARS)?;
        next.tracking_number = Some(tracking).filter(|t| !t.is_empty());
    }
    if let Some(notes) = &change.notes {
        next.notes = checked_text("notes", notes, MAX_NOTES_CHARS)?;
    }
    let fields: Vec<(&str, Option<String>, Option<String>)> = [
        ("status", Some(order.status.to_string()), Some(next.status.to_string())),
        ("tracking_number", order.tracking_number.clone(), next.tracking_number.clone()),
        ("notes", Some(order.notes.clone()).filter(|n| !n.is_empty()), Some(next.notes.clone()).filter(|n| !n.is_empty())),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .collect();
    if fields.is_empty() {
        return Ok((order, Recorded::default()));
    }

    let now = Utc::now();
    next.version = order.version + 1;
    next.updated_at = now;
    let stamp = match next.status {
        _ if next.status == order.status => None,
        OrderStatus::Confirmed => Some(order::Column::ConfirmedAt),
        OrderStatus::Shipped => Some(order::Column::ShippedAt),
        OrderStatus::Delivered => Some(order::Column::DeliveredAt),
        OrderStatus::Cancelled => Some(order::Column::CancelledAt),
        OrderStatus::Pending => None,
    };
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(next.status))
        .col_expr(order::Column::TrackingNumber, Expr::value(next.tracking_number.clone()))
        .col_expr(order::Column::Notes, Expr::value(next.notes.clone()))
        .col_expr(order::Column::Version, Expr::value(next.version))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Version.eq(order.version));
    if let Some(column) = stamp {
        update = update.col_expr(column, Expr::value(now));
        match column {
            order::Column::ConfirmedAt => next.confirmed_at = Some(now),
            order::Column::ShippedAt => next.shipped_at = Some(now),
            order::Column::DeliveredAt => next.delivered_at = Some(now),
            _ => next.cancelled_at = Some(now),
        }
    }
    if update.exec(db).await?.rows_affected == 0 {
        let current = order::Entity::find_by_id(order.id).one(db).await?.ok_or_else(|| AppError::NotFound("Order".into()))?;
        return Err(ChangeError::Stale(Box::new(current)));
    }

    let mut restocked = Recorded::default();
    if next.status == OrderStatus::Cancelled && order.status != OrderStatus::Cancelled {
        // In variant-id order, like checkout, so the two never deadlock.
        let mut items = order_item::Entity::find().filter(order_item::Column::OrderId.eq(order.id)).all(db).await?;
        items.sort_by_key(|item| item.variant_id);
        let mover = match actor {
            Actor::Shop => Mover::System("Shop"),
            Actor::User(user) => Mover::Person(user),
            Actor::Integration(name) => Mover::System(name),
        };
        for item in items {
            let put_back = Movement {
                variant: item.variant_id,
                delta: item.quantity,
                reason: MovementReason::Cancellation,
                note: "",
                mover,
                order: Some(order.id),
                floor: Floor::Refuse,
            };
            match move_stock(db, put_back).await {
                Ok(moved) => restocked.extend(moved.recorded),
                // A variant deleted since it was sold has nothing to put back.
                Err(StockError::NoVariant) => {}
                Err(StockError::Db(err)) => return Err(err.into()),
                Err(other) => return Err(AppError::from(other).into()),
            }
        }
    }

    let (actor_id, actor_name) = match actor {
        Actor::Shop => (None, None),
        Actor::User(user) => (Some(user.id), None),
        Actor::Integration(name) => (None, Some(name.to_string())),
    };
    order_audit::Entity::insert_many(fields.iter().map(|(field, old, new)| order_audit::ActiveModel {
        id: NotSet,
        order_id: Set(order.id),
        actor_id: Set(actor_id),
        actor_name: Set(actor_name.clone()),
        field: Set((*field).to_string()),
        old_value: Set(old.clone()),
        new_value: Set(new.clone()),
        changed_at: Set(now),
    }))
    .exec_without_returning(db)
    .await?;

    let customer = user::Entity::find_by_id(order.user_id).one(db).await?.ok_or(AppError::Internal)?;
    let mut recorded = restocked;
    if next.status != order.status && !matches!(actor, Actor::Integration(_)) {
        if let Some(email) = email_for(&next, &customer) {
            recorded.extend(enqueue(db, email).await?);
        }
    }
    if next.status == OrderStatus::Cancelled && order.status != OrderStatus::Cancelled && !order.payment_reference.is_empty() {
        let refund = NewJob::new(queues::DEFAULT, REFUND, serde_json::json!({ "order": order.id })).max_attempts(REFUND_ATTEMPTS);
        recorded.extend(queue::enqueue(db, refund).await?.recorded);
    }
    let customer_visible = next.status != order.status || next.tracking_number != order.tracking_number;
    recorded.extend(record_events(db, &next, &customer, customer_visible, next.status != order.status).await?);
    Ok((next, recorded))
}

/// Confirms reservation `id`, paid with `reference`: checkout's own move
/// from pending to confirmed, made in one guarded statement that finds the
/// order still pending and unpaid (so checkout and its recovery job settle
/// it once between them) and writes the reference, the status, the next
/// version and `confirmed_at` together. Writes the audit row and stages
/// the events [`apply`] would for the same move; returns the order and its
/// customer, or `None` when it is not an unsettled reservation. `placer`
/// is the signed-in user whose checkout this is, if any (the recovery job
/// has none): the customer is read only when it is not the order's.
pub async fn confirm_paid(
    db: &WriteTxn,
    id: i32,
    reference: &str,
    placer: Option<&CurrentUser>,
    events: &mut Staged,
) -> Result<Option<(order::Model, Customer)>, ChangeError> {
    let now = Utc::now();
    let mut pay = order::Entity::update_many()
        .col_expr(order::Column::PaymentReference, Expr::value(reference))
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Confirmed))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .col_expr(order::Column::ConfirmedAt, Expr::value(now))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::Status.eq(OrderStatus::Pending))
        .filter(order::Column::PaymentReference.eq(""))
        .filter(order::Column::ShopifyOrderId.is_null())
        .into_query();
    pay.returning_all();
    let Some(confirmed) = order::Entity::find().from_raw_sql(db.get_database_backend().build(&pay)).one(db).await? else {
        return Ok(None);
    };
    order_audit::Entity::insert(order_audit::ActiveModel {
        id: NotSet,
        order_id: Set(id),
        actor_id: Set(None),
        actor_name: Set(None),
        field: Set("status".into()),
        old_value: Set(Some(OrderStatus::Pending.to_string())),
        new_value: Set(Some(OrderStatus::Confirmed.to_string())),
        changed_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    let customer = match placer.filter(|user| user.id == confirmed.user_id) {
        Some(user) => Customer { name: user.name.clone(), email: user.email.clone() },
        None => user::Entity::find_by_id(confirmed.user_id).one(db).await?.map(|user| Customer::from(&user)).ok_or(AppError::Internal)?,
    };
    stage_events(events, &confirmed, &customer, true, true);
    Ok(Some((confirmed, customer)))
}

/// What [`update`] and [`cancel`] need from the running shop.
#[derive(Clone, Copy)]
pub struct Services<'a> {
    pub db: &'a DatabaseConnection,
    pub payments: &'a dyn PaymentProvider,
    pub events: &'a dyn EventBus,
}

impl<'a> From<&'a crate::state::AppState> for Services<'a> {
    fn from(state: &'a crate::state::AppState) -> Self {
        Services { db: &state.db, payments: state.payments.as_ref(), events: state.events.as_ref() }
    }
}

/// Applies `change` to order `id` (read at `version`) in its own
/// transaction, retrying transient database failures, and publishes the
/// events after commit. `may_see` says whether
/// the writer may see the order at all (anyone else's is "not found").
pub async fn update(
    services: Services<'_>,
    id: i32,
    version: Option<i32>,
    change: &Change,
    actor: Actor<'_>,
    may_see: impl Fn(&order::Model) -> bool,
) -> Result<order::Model, ChangeError> {
    let may_see = &may_see;
    let once = move || async move {
        let txn = crate::db::begin_write(services.db).await?;
        let run = async {
            let order = order::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|o| may_see(o))
                .ok_or_else(|| AppError::NotFound("Order".into()))?;
            // Checkout or its recovery job settles it; cancelled meanwhile,
            // a charge landing after would be kept with no order to refund.
            if crate::checkout::settle::is_unsettled(&order) {
                return Err(AppError::Conflict("This order's payment is still being confirmed. Please try again in a minute.".into()).into());
            }
            apply(&txn, order.clone(), version.unwrap_or(order.version), change, actor).await
        }
        .await;
        match run {
            Ok(done) => {
                txn.commit().await?;
                Ok(done)
            }
            Err(err) => {
                if let Err(rollback) = txn.rollback().await {
                    tracing::warn!(error = %rollback, "rollback after a failed order update");
                }
                Err(err)
            }
        }
    };
    let (after, recorded) = retrying("an order update", once).await?;
    recorded.publish(services.events);
    Ok(after)
}

/// `user` cancels their own order `id`: it is cancelled, restocked,
/// announced and its refund queued, or refused if it already shipped.
pub async fn cancel(services: Services<'_>, user: &CurrentUser, id: i32) -> Result<order::Model, AppError> {
    let change = Change { status: Some(OrderStatus::Cancelled), insist: true, ..Change::default() };
    update(services, id, None, &change, Actor::User(user), |order| order.user_id == user.id).await.map_err(|err| match err {
        ChangeError::Refused(AppError::Validation { message, .. }) => AppError::Conflict(format!("This order cannot be changed: {message}")),
        other => other.into(),
    })
}
