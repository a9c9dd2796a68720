//! The one way stock changes: [`move_stock`] locks the variant, changes
//! its stock, writes the movement, raises or resolves its low-stock alert
//! and records the live events, all in the caller's transaction.

use super::alerts::{reconsider, Level};
use super::events::stock_changed;
use crate::auth::CurrentUser;
use crate::db::WriteTxn;
use crate::entity::{product, stock_movement, variant};
use crate::error::AppError;
use crate::inventory::model::MovementReason;
use crate::live::ssr::Recorded;
use chrono::Utc;
use sea_orm::sea_query::LockType;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, QuerySelect};

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

/// Applies `movement` in `txn`.
///
/// The variant's row is locked first (on PostgreSQL `FOR UPDATE`; SQLite
/// write transactions already run one at a time), so concurrent sales and
/// adjustments queue and every movement's `stock_after` is the stock it
/// left: the history adds up to the figure. Callers moving several
/// variants move them in variant-id order, so two transactions never
/// wait for each other's rows in a cycle.
pub async fn move_stock(txn: &WriteTxn, movement: Movement<'_>) -> Result<Moved, StockError> {
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
    let mut row: variant::ActiveModel = before.clone().into();
    row.stock = Set(stock);
    let after = row.update(txn).await?;
    let (actor_id, actor_name) = match movement.mover {
        Mover::Person(user) => (Some(user.id), user.name.clone()),
        Mover::System(name) => (None, name.to_string()),
    };
    stock_movement::ActiveModel {
        id: NotSet,
        variant_id: Set(after.id),
        delta: Set(delta),
        stock_after: Set(stock),
        reason: Set(movement.reason),
        note: Set(movement.note.to_string()),
        actor_id: Set(actor_id),
        actor_name: Set(actor_name),
        order_id: Set(movement.order),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    let product = product::Entity::find_by_id(after.product_id).one(txn).await?.ok_or(StockError::NoVariant)?;
    let alert = reconsider(txn, Level::of(&before), &after, &product).await?;
    let recorded = stock_changed(txn, &after, &product, alert).await?;
    Ok(Moved { variant: after, delta, recorded })
}
