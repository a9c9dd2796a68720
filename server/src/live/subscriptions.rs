//! One socket's topics and the last sequence number it sent of each: the
//! rule that every event goes out once, in order, with no gap.

use app::error::AppError;
use app::live::protocol::{LiveEvent, ServerMessage};
use app::live::ssr::catch_up;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// Topics one socket may hold at once.
pub const MAX_TOPICS: usize = 64;

/// The socket's subscriptions: topic name → last sequence number sent.
#[derive(Debug, Default)]
pub struct Subscriptions(HashMap<String, i64>);

impl Subscriptions {
    /// Whether another topic may be added.
    pub fn is_full(&self) -> bool {
        self.0.len() >= MAX_TOPICS
    }

    /// Whether the socket holds `topic`.
    pub fn holds(&self, topic: &str) -> bool {
        self.0.contains_key(topic)
    }

    /// Subscribes to `topic` as caught up to `seq`.
    pub fn insert(&mut self, topic: String, seq: i64) {
        self.0.insert(topic, seq);
    }

    pub fn remove(&mut self, topic: &str) {
        self.0.remove(topic);
    }

    /// The messages that deliver `event` to this socket: none if it does
    /// not hold the topic or already sent it; a signal (`seq` 0) as it is; the missing events from the
    /// database first if it arrives ahead of one still unsent (two commits
    /// published in the other order).
    pub async fn deliver(&mut self, db: &DatabaseConnection, event: &LiveEvent) -> Result<Vec<ServerMessage>, AppError> {
        let Some(last) = self.0.get_mut(&event.topic) else {
            return Ok(Vec::new());
        };
        if event.seq == 0 {
            // A signal: for whoever holds the topic now, outside the order.
            return Ok(vec![ServerMessage::Signal(event.clone())]);
        }
        if event.seq <= *last {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        if event.seq > *last + 1 {
            for missed in catch_up::between(db, &event.topic, *last, event.seq - 1).await? {
                out.push(ServerMessage::Event(missed));
            }
        }
        *last = event.seq;
        out.push(ServerMessage::Event(event.clone()));
        Ok(out)
    }
}
