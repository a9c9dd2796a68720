//! The messages on `/ws`, as JSON text frames. The client sends
//! [`ClientMessage`]s, the server [`ServerMessage`]s; docs/live.md shows
//! examples.

use crate::admin::model::AdminOrderRow;
use crate::chat::model::{ChatMessage, Conversation, Typing};
use crate::inventory::model::StockChange;
use crate::products::model::ProductChange;
use crate::orders::status::OrderStatus;
use serde::{Deserialize, Serialize};

/// What a client asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Start receiving `topic`. With `after`, first every event after that
    /// sequence number (catch-up after a reconnect); without it, only new
    /// events.
    Subscribe { topic: String, after: Option<i64> },
    /// Stop receiving `topic`.
    Unsubscribe { topic: String },
    /// The sender is typing in the chat `topic` it holds (`chat:{id}`).
    /// Throttled by the server; never stored.
    Typing { topic: String },
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// One event, in sequence order within its topic.
    Event(LiveEvent),
    /// The subscription to `topic` is live from `seq` on: every event up to
    /// `seq` was sent (catch-up) or is older than the subscription. With
    /// `refetch`, events the client asked for were pruned: it must reload
    /// what it shows, then continue after `seq`.
    Snapshot { topic: String, seq: i64, refetch: bool },
    /// A refused or malformed request; no data follows for `topic`.
    Error { topic: Option<String>, message: String },
    /// Something only worth knowing now (typing, presence): not stored,
    /// not numbered (`seq` is 0), not replayed after a reconnect.
    Signal(LiveEvent),
}

/// An event as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub topic: String,
    /// Per topic, starting at 1, in commit order.
    pub seq: i64,
    #[serde(flatten)]
    pub body: EventBody,
}

/// What happened, with its data (`kind` and `payload` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventBody {
    /// An order was created or changed (topic `orders`): its row as the
    /// admin table shows it.
    OrderSynced(AdminOrderRow),
    /// An order's status or tracking changed (topic `order:{id}`): what
    /// its customer sees.
    OrderUpdated(OrderUpdate),
    /// An order was placed or its status moved (topic `kpi`): the KPI
    /// figures changed.
    KpiChanged(KpiChange),
    /// A job was queued or re-queued on `queue` (topic `jobs`,
    /// server-internal): wakes that queue's workers.
    JobQueued { queue: String },
    /// A chat message was written (topic `chat:{id}`); the event's `seq`
    /// is the message's.
    ChatMessage(ChatMessage),
    /// A conversation got a message, was read by support, assigned,
    /// closed or reopened (topic `support`).
    ConversationChanged(Conversation),
    /// Someone is typing (signal on `chat:{id}`).
    Typing(Typing),
    /// Whether at least one admin has the support console open (signal
    /// on `presence`).
    SupportPresence { online: bool },
    /// A variant's stock moved, or its low-stock alert was raised,
    /// resolved or dismissed (topics `catalog` and `seller:{id}`).
    StockChanged(StockChange),
    /// A product or one of its variants was created or edited (topics
    /// `catalog` and `seller:{id}`).
    ProductChanged(ProductChange),
    /// A category was created, renamed, moved or deleted (topic `catalog`).
    CategoryChanged { id: i32 },
}

impl EventBody {
    /// The wire name of the event's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::OrderSynced(_) => "ORDER_SYNCED",
            EventBody::OrderUpdated(_) => "ORDER_UPDATED",
            EventBody::KpiChanged(_) => "KPI_CHANGED",
            EventBody::JobQueued { .. } => "JOB_QUEUED",
            EventBody::ChatMessage(_) => "CHAT_MESSAGE",
            EventBody::ConversationChanged(_) => "CONVERSATION_CHANGED",
            EventBody::Typing(_) => "TYPING",
            EventBody::SupportPresence { .. } => "SUPPORT_PRESENCE",
            EventBody::StockChanged(_) => "STOCK_CHANGED",
            EventBody::ProductChanged(_) => "PRODUCT_CHANGED",
            EventBody::CategoryChanged { .. } => "CATEGORY_CHANGED",
        }
    }
}

/// Which order moved the KPI figures, and to what status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiChange {
    pub order_id: i32,
    pub status: OrderStatus,
}

/// The customer-visible part of an order change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderUpdate {
    pub id: i32,
    pub version: i32,
    pub status: OrderStatus,
    pub tracking_number: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_carry_topic_seq_kind_and_payload() {
        let event = ServerMessage::Event(LiveEvent {
            topic: "order:7".into(),
            seq: 3,
            body: EventBody::OrderUpdated(OrderUpdate { id: 7, version: 2, status: OrderStatus::Shipped, tracking_number: Some("1Z".into()) }),
        });
        let wire = serde_json::to_value(&event).expect("an event serializes");
        assert_eq!(
            wire,
            json!({"type": "event", "topic": "order:7", "seq": 3, "kind": "ORDER_UPDATED",
                   "payload": {"id": 7, "version": 2, "status": "SHIPPED", "tracking_number": "1Z"}})
        );
        assert_eq!(serde_json::from_value::<ServerMessage>(wire).expect("and reads back"), event);
    }

    #[test]
    fn client_messages_read_as_documented() {
        let subscribe: ClientMessage = serde_json::from_str(r#"{"type":"subscribe","topic":"orders","after":12}"#).expect("a subscribe");
        assert_eq!(subscribe, ClientMessage::Subscribe { topic: "orders".into(), after: Some(12) });
        let fresh: ClientMessage = serde_json::from_str(r#"{"type":"subscribe","topic":"orders"}"#).expect("a subscribe without after");
        assert_eq!(fresh, ClientMessage::Subscribe { topic: "orders".into(), after: None });
    }
}
