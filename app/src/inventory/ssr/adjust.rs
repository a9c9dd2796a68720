//! What people do to stock by hand: restock or adjust a variant, and read
//! its movement history; both scoped to the products the person manages.

use super::movement::{move_stock, Floor, Movement, Mover};
use crate::auth::ssr::CatalogScope;
use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::entity::{product, stock_movement, variant};
use crate::error::AppError;
use crate::inventory::model::{check_movement, MovementReason, StockMovement};
use crate::live::ssr::Recorded;
use chrono::SecondsFormat;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Movements shown in a variant's history.
pub const HISTORY_LIMIT: u64 = 200;

/// Variant `id` if `scope` covers its product; "not found" otherwise, so a
/// seller learns nothing about another seller's variants.
pub async fn variant_in(db: &impl ConnectionTrait, scope: CatalogScope, id: i32) -> Result<variant::Model, AppError> {
    let not_found = || AppError::NotFound("Variant".into());
    let (variant, product) = variant::Entity::find_by_id(id).find_also_related(product::Entity).one(db).await?.ok_or_else(not_found)?;
    match product {
        Some(product) if scope.covers(product.seller_id) => Ok(variant),
        _ => Err(not_found()),
    }
}

/// Restocks or adjusts variant `id` by `delta` as `user`; returns its
/// stock now and the events to publish after commit.
pub async fn adjust(
    db: &DatabaseConnection,
    scope: CatalogScope,
    user: &CurrentUser,
    id: i32,
    delta: i32,
    reason: MovementReason,
    note: &str,
) -> Result<(i32, Recorded), AppError> {
    check_movement(delta, reason, note).map_err(|(field, message)| AppError::Validation { field: field.into(), message })?;
    let txn = begin_write(db).await?;
    variant_in(&txn, scope, id).await?;
    let moved = move_stock(
        &txn,
        Movement { variant: id, delta, reason, note: note.trim(), mover: Mover::Person(user), order: None, floor: Floor::Refuse },
    )
    .await
    .map_err(|err| match err {
        super::movement::StockError::Short { available } => AppError::Validation {
            field: "quantity".into(),
            message: format!("Only {available} in stock: an adjustment cannot take stock below zero."),
        },
        other => other.into(),
    })?;
    txn.commit().await?;
    Ok((moved.variant.stock, moved.recorded))
}

/// Variant `id`'s movements, newest first.
pub async fn history(db: &DatabaseConnection, scope: CatalogScope, id: i32) -> Result<Vec<StockMovement>, AppError> {
    variant_in(db, scope, id).await?;
    let rows = stock_movement::Entity::find()
        .filter(stock_movement::Column::VariantId.eq(id))
        .order_by_desc(stock_movement::Column::Id)
        .limit(HISTORY_LIMIT)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| StockMovement {
            id: row.id,
            variant: row.variant_id,
            delta: row.delta,
            stock_after: row.stock_after,
            reason: row.reason,
            note: row.note,
            actor: row.actor_name,
            order: row.order_id,
            at: row.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        })
        .collect())
}
