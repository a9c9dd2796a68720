//! The one way stock changes: [`move_stock`] changes a variant's stock in
//! one guarded statement (never below zero: a movement that would go below
//! is refused, or stops at zero when asked to), writes the movement,
//! raises or resolves its low-stock alert and records the live events, all
//! in the caller's transaction.

use super::alerts::{reconsider, Level};
use super::events::stage_stock_changed;
use crate::auth::CurrentUser;
use crate::db::WriteTxn;
use crate::entity::{product, stock_movement, variant};
use crate::error::AppError;
use crate::inventory::model::MovementReason;
use crate::live::ssr::{Recorded, Staged};
use chrono::Utc;
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

/// Who moves stock, for the history.
#[derive(Debug, Clone, Copy)]
pub enum Mover<'a> {
    Person(&'a CurrentUser),
    /// The shop itself or an integration, by name ("Checkout", "Shopify").
    System(&'static str),
}

/// What happens when a movement would take stock below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Floor {
    /// Refuse it: checkout cannot sell what is not there, and a person's
    /// adjustment cannot count below nothing.
    Refuse,
    /// Take what there is: Shopify already sold it elsewhere.
    AtZero,
}

/// A change to one variant's stock.
#[derive(Debug, Clone, Copy)]
pub struct Movement<'a> {
    pub variant: i32,
    pub delta: i32,
    pub reason: MovementReason,
    pub note: &'a str,
    pub mover: Mover<'a>,
    pub order: Option<i32>,
    pub floor: Floor,
}

/// Why stock did not move.
#[derive(Debug, thiserror::Error)]
pub enum StockError {
    /// There is not enough: `available` units are.
    #[error("only {available} in stock")]
    Short { available: i32 },
    #[error("no such variant")]
    NoVariant,
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StockError> for AppError {
    fn from(err: StockError) -> Self {
        match err {
            StockError::Short { available } => AppError::Conflict(format!(
                "Only {available} in stock: stock cannot go below zero."
            )),
            StockError::NoVariant => AppError::NotFound("Variant".into()),
            StockError::Db(db) => db.into(),
            StockError::App(app) => app,
        }
    }
}

/// The variant after a movement, and the events to publish after commit.
#[derive(Debug)]
pub struct Moved {
    pub variant: variant::Model,
    /// What the stock really moved by (less than asked when [`Floor::AtZero`]
    /// took what there was).
    pub delta: i32,
    pub recorded: Recorded,
}

/// A movement made whose events are staged, not yet written.
#[derive(Debug)]
pub struct Shifted {
    pub variant: variant::Model,
    /// As in [`Moved`].
    pub delta: i32,
}

/// Applies `movement` in `txn` and records its events.
///
/// The stock moves in one guarded statement (`UPDATE … WHERE` the result
/// stays in range `RETURNING` the row), which on PostgreSQL locks the row
/// until commit, so concurrent sales and adjustments queue and every
/// movement's `stock_after` is the stock it left: the history adds up to
/// the figure. Callers moving several variants move them in variant-id
/// order, so two transactions never wait for each other's rows in a cycle.
pub async fn move_stock(txn: &WriteTxn, movement: Movement<'_>) -> Result<Moved, StockError> {
    let mut events = Staged::default();
    let Shifted { variant, delta } = move_stock_staged(txn, movement, None, &mut events).await?;
    Ok(Moved { variant, delta, recorded: events.write(txn).await? })
}

/// [`move_stock`] with its events staged in `events`, for the caller to
/// write with the rest of its transaction's. `product` is the variant's,
/// when the caller has it already (else it is read).
pub async fn move_stock_staged(
    txn: &WriteTxn,
    movement: Movement<'_>,
    product: Option<&product::Model>,
    events: &mut Staged,
) -> Result<Shifted, StockError> {
    let (before, after, delta) = match guarded(txn, movement.variant, movement.delta).await? {
        Some(after) => (variant::Model { stock: after.stock - movement.delta, ..after.clone() }, after, movement.delta),
        None => clamped(txn, movement).await?,
    };
    let (actor_id, actor_name) = match movement.mover {
        Mover::Person(user) => (Some(user.id), user.name.clone()),
        Mover::System(name) => (None, name.to_string()),
    };
    stock_movement::Entity::insert(stock_movement::ActiveModel {
        id: NotSet,
        variant_id: Set(after.id),
        delta: Set(delta),
        stock_after: Set(after.stock),
        reason: Set(movement.reason),
        note: Set(movement.note.to_string()),
        actor_id: Set(actor_id),
        actor_name: Set(actor_name),
        order_id: Set(movement.order),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(txn)
    .await?;
    let read;
    let product = match product.filter(|p| p.id == after.product_id) {
        Some(known) => known,
        None => {
            read = product::Entity::find_by_id(after.product_id).one(txn).await?.ok_or(StockError::NoVariant)?;
            &read
        }
    };
    let alert = reconsider(txn, Level::of(&before), &after, product).await?;
    stage_stock_changed(events, &after, product, alert);
    Ok(Shifted { variant: after, delta })
}

/// Moves variant `id`'s stock by `delta` if the result stays between zero
/// and `i32::MAX`, and returns the row as it is now; `None` when it would
/// not, or there is no such variant.
async fn guarded(txn: &WriteTxn, id: i32, delta: i32) -> Result<Option<variant::Model>, DbErr> {
    let mut update = variant::Entity::update_many()
        .col_expr(variant::Column::Stock, Expr::col(variant::Column::Stock).add(delta))
        .filter(variant::Column::Id.eq(id))
        .filter(variant::Column::Stock.between(-i64::from(delta), i64::from(i32::MAX) - i64::from(delta)))
        .into_query();
    update.returning_all();
    variant::Entity::find().from_raw_sql(txn.get_database_backend().build(&update)).one(txn).await
}

/// The movement the guarded statement refused: the variant read and locked
/// (on PostgreSQL `FOR UPDATE`; SQLite write transactions already run one
/// at a time), then refused, taken down to zero ([`Floor::AtZero`]), or
/// made after all if the stock changed in between. Returns the variant
/// before and after, and the delta made.
async fn clamped(txn: &WriteTxn, movement: Movement<'_>) -> Result<(variant::Model, variant::Model, i32), StockError> {
    let before = variant::Entity::find_by_id(movement.variant)
        .lock(LockType::Update)
        .one(txn)
        .await?
        .ok_or(StockError::NoVariant)?;
    let wanted = before.stock.checked_add(movement.delta).ok_or(StockError::Short { available: before.stock })?;
    let (stock, delta) = match (wanted < 0, movement.floor) {
        (false, _) => (wanted, movement.delta),
        (true, Floor::Refuse) => return Err(StockError::Short { available: before.stock }),
        (true, Floor::AtZero) => (0, -before.stock),
    };
    variant::Entity::update_many()
        .col_expr(variant::Column::Stock, Expr::value(stock))
        .filter(variant::Column::Id.eq(before.id))
        .exec(txn)
        .await?;
    let after = variant::Model { stock, ..before.clone() };
    Ok((before, after, delta))
}
