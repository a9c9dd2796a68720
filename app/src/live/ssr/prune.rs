//! Forgetting old events. A client that was away longer than the
//! retention period is told to refetch rather than replayed.

use crate::db::write_turn;
use crate::entity::event;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Deletes events recorded before `cutoff`; returns how many. Topic
/// counters stay, so sequence numbers never restart.
pub async fn prune(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> Result<u64, AppError> {
    let _turn = write_turn(db).await?;
    Ok(event::Entity::delete_many().filter(event::Column::CreatedAt.lt(cutoff)).exec(db).await?.rows_affected)
}
