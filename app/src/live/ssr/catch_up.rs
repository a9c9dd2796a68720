//! What a reconnecting client missed.

use super::record::from_row;
use crate::entity::event;
use crate::error::AppError;
use crate::live::protocol::LiveEvent;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Most events replayed at once; a client further behind refetches.
pub const MAX_REPLAY: u64 = 1000;

/// The events after a client's last sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchUp {
    /// In sequence order, ending at `head`.
    pub events: Vec<LiveEvent>,
    /// The topic's last committed sequence number (0 if it has none).
    pub head: i64,
    /// The client cannot be caught up event by event (the events were
    /// pruned, or too many): it must reload.
    pub refetch: bool,
}

/// The topic's last committed sequence number.
pub async fn head(db: &impl ConnectionTrait, topic: &str) -> Result<i64, AppError> {
    let select = Query::select()
        .column(Alias::new("last_seq"))
        .from(Alias::new("event_topics"))
        .and_where(Expr::col(Alias::new("topic")).eq(topic))
        .to_owned();
    let row = db.query_one(db.get_database_backend().build(&select)).await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "last_seq")?,
        None => 0,
    })
}

/// Committed events of `topic` with `after < seq <= up_to`, in order.
pub async fn between(db: &impl ConnectionTrait, topic: &str, after: i64, up_to: i64) -> Result<Vec<LiveEvent>, AppError> {
    event::Entity::find()
        .filter(event::Column::Topic.eq(topic))
        .filter(event::Column::Seq.gt(after))
        .filter(event::Column::Seq.lte(up_to))
        .order_by_asc(event::Column::Seq)
        .limit(MAX_REPLAY + 1)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// What a client that last saw `after` on `topic` needs; `None` means it
/// wants only new events.
pub async fn since(db: &impl ConnectionTrait, topic: &str, after: Option<i64>) -> Result<CatchUp, AppError> {
    let head = head(db, topic).await?;
    let Some(after) = after else {
        return Ok(CatchUp { events: Vec::new(), head, refetch: false });
    };
    if after == head {
        return Ok(CatchUp { events: Vec::new(), head, refetch: false });
    }
    // Ahead of the server (its database was replaced) or behind: replay
    // only if every event is still there.
    let events = if after < head { between(db, topic, after, head).await? } else { Vec::new() };
    let complete = after < head
        && events.len() as u64 == u64::try_from(head - after).unwrap_or(u64::MAX)
        && events.first().is_some_and(|e| e.seq == after + 1);
    if complete {
        Ok(CatchUp { events, head, refetch: false })
    } else {
        Ok(CatchUp { events: Vec::new(), head, refetch: true })
    }
}
