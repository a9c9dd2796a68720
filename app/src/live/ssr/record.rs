//! Recording events in the change's transaction.

use super::bus::EventBus;
use crate::entity::event;
use crate::error::AppError;
use crate::live::protocol::{EventBody, LiveEvent};
use crate::live::topic::Topic;
use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Events recorded in a transaction, published once it has committed:
/// nothing is announced that rolled back.
#[must_use = "publish the events once the transaction has committed"]
#[derive(Debug, Default)]
pub struct Recorded(Vec<Arc<LiveEvent>>);

impl Recorded {
    /// A signal (typing, presence, a queue's wake-up): published like an
    /// event, but never stored and not numbered (`seq` 0), so a client that
    /// was away misses it and nothing replays it.
    pub fn signal(topic: Topic, body: EventBody) -> Self {
        Recorded(vec![Arc::new(LiveEvent { topic: topic.to_string(), seq: 0, body })])
    }

    /// Adds `event` to those to publish.
    pub fn push(&mut self, event: LiveEvent) {
        self.0.push(Arc::new(event));
    }

    /// Adds every event of `other`.
    pub fn extend(&mut self, other: Recorded) {
        self.0.extend(other.0);
    }

    /// Hands the events to `bus`. Call after commit.
    pub fn publish(self, bus: &dyn EventBus) {
        for event in self.0 {
            bus.publish(event);
        }
    }
}

/// Events a transaction records, written together once its changes are
/// made: one statement numbers them all and one stores them, where
/// [`record`] spends two per event. Writing them last also holds the
/// topics' counters (a lock every writer of a busy topic such as `catalog`
/// queues for) only from then until commit.
#[must_use = "write the staged events in the change's transaction"]
#[derive(Debug, Default)]
pub struct Staged(Vec<(Topic, EventBody)>);

impl Staged {
    /// Adds `body` on `topic`; events of one topic are numbered in the
    /// order they were staged.
    pub fn push(&mut self, topic: Topic, body: EventBody) {
        self.0.push((topic, body));
    }

    /// Adds every event of `other`, after these.
    pub fn extend(&mut self, other: Staged) {
        self.0.extend(other.0);
    }

    /// Records the events in `db` (the change's transaction) and returns
    /// them with their sequence numbers, to publish once it has committed.
    pub async fn write(self, db: &impl ConnectionTrait) -> Result<Recorded, AppError> {
        if self.0.is_empty() {
            return Ok(Recorded::default());
        }
        let events: Vec<(String, EventBody)> = self.0.into_iter().map(|(topic, body)| (topic.to_string(), body)).collect();
        // Counted per topic in name order: every transaction takes the
        // counters it needs in the same order, so none waits on another
        // in a cycle.
        let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
        for (topic, _) in &events {
            *counts.entry(topic.as_str()).or_default() += 1;
        }
        let mut next = take_seqs(db, &counts).await?;
        let now = Utc::now();
        let mut rows = Vec::with_capacity(events.len());
        let mut recorded = Recorded::default();
        for (topic, body) in events {
            let seq = next.get_mut(&topic).ok_or_else(|| {
                tracing::error!(topic, "the topic counter upsert left out a topic");
                AppError::Internal
            })?;
            rows.push(event::ActiveModel {
                id: NotSet,
                topic: Set(topic.clone()),
                seq: Set(*seq),
                kind: Set(body.kind().to_string()),
                payload: Set(payload_of(&body)?),
                created_at: Set(now),
            });
            recorded.push(LiveEvent { topic, seq: *seq, body });
            *seq += 1;
        }
        event::Entity::insert_many(rows).exec_without_returning(db).await?;
        Ok(recorded)
    }
}

/// Moves each topic's counter on by its count in one upsert; returns the
/// first number each topic's events take. Like [`next_seq`], it locks the
/// counters until the transaction ends.
async fn take_seqs(db: &impl ConnectionTrait, counts: &BTreeMap<&str, i64>) -> Result<HashMap<String, i64>, AppError> {
    let table = Alias::new("event_topics");
    let topic = Alias::new("topic");
    let last_seq = Alias::new("last_seq");
    let mut upsert = Query::insert();
    upsert.into_table(table.clone()).columns([topic.clone(), last_seq.clone()]);
    for (name, count) in counts {
        upsert.values_panic([(*name).into(), (*count).into()]);
    }
    upsert
        .on_conflict(
            OnConflict::column(topic.clone())
                .value(last_seq.clone(), Expr::col((table, last_seq.clone())).add(Expr::col((Alias::new("excluded"), last_seq.clone()))))
                .to_owned(),
        )
        .returning(Query::returning().columns([topic, last_seq]));
    let mut first = HashMap::with_capacity(counts.len());
    for row in db.query_all(db.get_database_backend().build(&upsert)).await? {
        let name: String = row.try_get("", "topic")?;
        let last: i64 = row.try_get("", "last_seq")?;
        let count = counts.get(name.as_str()).copied().unwrap_or(0);
        first.insert(name, last - count + 1);
    }
    Ok(first)
}

/// The stored payload of `body`: its wire form's `payload`.
fn payload_of(body: &EventBody) -> Result<String, AppError> {
    match serde_json::to_value(body) {
        Ok(Value::Object(mut wire)) => Ok(wire.remove("payload").unwrap_or(Value::Null).to_string()),
        Ok(_) | Err(_) => {
            tracing::error!(kind = body.kind(), "an event body did not serialize to an object");
            Err(AppError::Internal)
        }
    }
}

/// The next sequence number of `topic`. The upsert locks the topic's row
/// until the transaction ends, so a later transaction on the same topic
/// waits for this one to commit and numbers follow commit order. A change
/// whose own rows carry the number (a chat message's `seq`) takes it here
/// and records its event with [`record_at`].
pub async fn next_seq(db: &impl ConnectionTrait, topic: Topic) -> Result<i64, AppError> {
    let topic = topic.to_string();
    let topic = topic.as_str();
    let table = Alias::new("event_topics");
    let last_seq = Alias::new("last_seq");
    let upsert = Query::insert()
        .into_table(table.clone())
        .columns([Alias::new("topic"), last_seq.clone()])
        .values_panic([topic.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(Alias::new("topic"))
                .value(last_seq.clone(), Expr::col((table, last_seq.clone())).add(1))
                .to_owned(),
        )
        .returning_col(last_seq)
        .to_owned();
    let row = db.query_one(db.get_database_backend().build(&upsert)).await?.ok_or_else(|| {
        tracing::error!(topic, "the topic counter upsert returned no row");
        AppError::Internal
    })?;
    Ok(row.try_get::<i64>("", "last_seq")?)
}

/// Records `body` on `topic` in `db` (the change's transaction) and
/// returns it with its sequence number.
pub async fn record(db: &impl ConnectionTrait, topic: Topic, body: EventBody) -> Result<LiveEvent, AppError> {
    let seq = next_seq(db, topic).await?;
    record_at(db, topic, seq, body).await
}

/// Records `body` on `topic` as number `seq`, which [`next_seq`] gave in
/// this transaction.
pub async fn record_at(db: &impl ConnectionTrait, topic: Topic, seq: i64, body: EventBody) -> Result<LiveEvent, AppError> {
    let topic = topic.to_string();
    let payload = payload_of(&body)?;
    event::Entity::insert(event::ActiveModel {
        id: NotSet,
        topic: Set(topic.clone()),
        seq: Set(seq),
        kind: Set(body.kind().to_string()),
        payload: Set(payload),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(LiveEvent { topic, seq, body })
}

/// The event a stored row holds.
pub fn from_row(row: event::Model) -> Result<LiveEvent, AppError> {
    let payload: Value = serde_json::from_str(&row.payload).map_err(|err| {
        tracing::error!(event = row.id, error = %err, "stored event payload is not JSON");
        AppError::Internal
    })?;
    let mut wire = serde_json::Map::new();
    wire.insert("kind".into(), Value::String(row.kind));
    if !payload.is_null() {
        wire.insert("payload".into(), payload);
    }
    let body = serde_json::from_value(Value::Object(wire)).map_err(|err| {
        tracing::error!(event = row.id, error = %err, "stored event does not match its kind");
        AppError::Internal
    })?;
    Ok(LiveEvent { topic: row.topic, seq: row.seq, body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::protocol::KpiChange;
    use crate::orders::status::OrderStatus;
    use sea_orm::{Database, DatabaseConnection, QueryOrder, Schema};

    async fn store() -> DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.expect("in-memory SQLite");
        let backend = db.get_database_backend();
        db.execute(backend.build(&Schema::new(backend).create_table_from_entity(event::Entity))).await.expect("events table");
        db.execute_unprepared("CREATE TABLE event_topics (topic TEXT PRIMARY KEY, last_seq BIGINT NOT NULL)").await.expect("counters");
        db
    }

    fn kpi(order_id: i32) -> EventBody {
        EventBody::KpiChanged(KpiChange { order_id, status: OrderStatus::Confirmed })
    }

    #[tokio::test]
    async fn staged_events_are_numbered_per_topic_after_those_recorded_before() {
        let db = store().await;
        let earlier = record(&db, Topic::Kpi, kpi(1)).await.expect("recorded one by one");
        assert_eq!(earlier.seq, 1);
        let mut staged = Staged::default();
        staged.push(Topic::Order(7), kpi(2));
        staged.push(Topic::Kpi, kpi(3));
        staged.push(Topic::Order(7), kpi(4));
        staged.push(Topic::Kpi, kpi(5));
        let written = staged.write(&db).await.expect("written together");
        let numbered: Vec<(String, i64)> = written.0.iter().map(|e| (e.topic.clone(), e.seq)).collect();
        let expected = [("order:7", 1), ("kpi", 2), ("order:7", 2), ("kpi", 3)].map(|(topic, seq)| (topic.to_string(), seq));
        assert_eq!(numbered, expected, "in staging order, each topic counting on from its last number");
        let stored: Vec<(String, i64, String)> = event::Entity::find()
            .order_by_asc(event::Column::Id)
            .all(&db)
            .await
            .expect("events")
            .into_iter()
            .map(|row| (row.topic, row.seq, row.payload))
            .collect();
        assert_eq!(stored.len(), 5);
        assert_eq!((stored[4].0.as_str(), stored[4].1), ("kpi", 3));
        assert!(stored[4].2.contains("\"order_id\":5"), "the payload is the wire form's: {}", stored[4].2);
        assert_eq!(next_seq(&db, Topic::Kpi).await.expect("counter"), 4, "the counter moved past every staged event");
        assert!(Staged::default().write(&db).await.expect("nothing to write").0.is_empty());
    }
}
