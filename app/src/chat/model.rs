//! Chat's wire types, shared by the widget, the support console, the
//! server functions and the live events (docs/live.md, docs/api.md).

use crate::money::Money;
use crate::orders::status::OrderStatus;
use serde::{Deserialize, Serialize};

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest client id: a UUID is 36.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Who wrote a message. On the server also the `chat_messages.author`
/// column, stored by its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::prelude::StringLen::N(16))"))]
#[serde(rename_all = "lowercase")]
pub enum Author {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "customer"))]
    Customer,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "support"))]
    Support,
}

/// Whether support still works on a conversation. On the server also the
/// `chat_conversations.status` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::prelude::StringLen::N(16))"))]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "open"))]
    Open,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "closed"))]
    Closed,
}

/// One message as both sides see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub conversation: i32,
    /// 1, 2, 3… within the conversation, in commit order; also the
    /// sequence number of its event on `chat:{conversation}`.
    pub seq: i64,
    /// The id its sender gave it.
    pub client_id: String,
    pub author: Author,
    pub author_name: String,
    pub text: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
}

impl ChatMessage {
    /// "HH:MM" (UTC) of `sent_at`, for a compact timestamp.
    pub fn time_of_day(&self) -> &str {
        self.sent_at.get(11..16).unwrap_or("")
    }
}

/// A staff member, as a conversation's assignee.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Staff {
    pub id: i32,
    pub name: String,
}

/// The order a conversation is about, as support sees it beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBrief {
    pub id: i32,
    pub status: OrderStatus,
    pub total: Money,
}

/// A conversation's state, without its messages. It is also the payload of
/// `CONVERSATION_CHANGED` on the `support` topic, so the console's list
/// follows every message, read, assignment and closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: i32,
    pub status: ConversationStatus,
    pub customer_name: String,
    /// Whether the customer has an account (false: a guest).
    pub signed_in: bool,
    pub assignee: Option<Staff>,
    pub order: Option<OrderBrief>,
    /// The last message's sequence number.
    pub last_seq: i64,
    pub customer_read_seq: i64,
    pub support_read_seq: i64,
    /// The start of the last message ("" before the first).
    pub last_message: String,
    /// RFC 3339, UTC.
    pub last_message_at: String,
}

impl Conversation {
    /// Messages support has not read yet. Sending marks everything before
    /// as read by the sender, so the difference counts the other side's.
    pub fn unread_by_support(&self) -> i64 {
        (self.last_seq - self.support_read_seq).max(0)
    }

    /// Messages the customer has not read yet.
    pub fn unread_by_customer(&self) -> i64 {
        (self.last_seq - self.customer_read_seq).max(0)
    }
}

/// A conversation with its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatThread {
    /// `None` for a customer who has not written yet.
    pub conversation: Option<Conversation>,
    pub messages: Vec<ChatMessage>,
}

impl ChatThread {
    /// Where to subscribe to `chat:{id}` from: the last message read.
    pub fn live_seq(&self) -> i64 {
        self.conversation.as_ref().map_or(0, |c| c.last_seq)
    }
}

/// Which conversations the console lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueFilter {
    #[default]
    Open,
    Closed,
    /// Open or closed, assigned to the admin looking.
    Mine,
    All,
}

impl QueueFilter {
    pub const ALL: [QueueFilter; 4] = [QueueFilter::Open, QueueFilter::Closed, QueueFilter::Mine, QueueFilter::All];

    /// The name in URLs and requests.
    pub fn key(self) -> &'static str {
        match self {
            QueueFilter::Open => "open",
            QueueFilter::Closed => "closed",
            QueueFilter::Mine => "mine",
            QueueFilter::All => "all",
        }
    }

    /// The filter named `key`, if any.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            QueueFilter::Open => "Open",
            QueueFilter::Closed => "Closed",
            QueueFilter::Mine => "Mine",
            QueueFilter::All => "All",
        }
    }

    /// Whether `conversation` belongs in this list for admin `me`.
    pub fn admits(self, conversation: &Conversation, me: i32) -> bool {
        match self {
            QueueFilter::Open => conversation.status == ConversationStatus::Open,
            QueueFilter::Closed => conversation.status == ConversationStatus::Closed,
            QueueFilter::Mine => conversation.assignee.as_ref().is_some_and(|a| a.id == me),
            QueueFilter::All => true,
        }
    }
}

/// The console's list, newest activity first, and the `support` topic's
/// sequence number it was read at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportQueue {
    pub conversations: Vec<Conversation>,
    pub live_seq: i64,
    /// The admin reading it, for the "mine" filter of live updates.
    pub me: i32,
}

/// Someone is typing in a conversation (a signal: never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typing {
    pub conversation: i32,
    pub author: Author,
}

/// Trims nothing but refuses what cannot be sent: an empty message, or one
/// over [`MAX_MESSAGE_CHARS`]. Line breaks are kept.
pub fn check_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("Write a message first.".into());
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(format!("A message can be at most {MAX_MESSAGE_CHARS} characters; this one has {chars}."));
    }
    Ok(())
}

/// A client id is 1–64 letters, digits, `-` or `_`.
pub fn check_client_id(client_id: &str) -> Result<(), String> {
    let valid = !client_id.is_empty()
        && client_id.chars().count() <= MAX_CLIENT_ID_CHARS
        && client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!("A client id is 1 to {MAX_CLIENT_ID_CHARS} letters, digits, '-' or '_'."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_must_have_content_and_fit() {
        assert!(check_text("hello\nthere").is_ok());
        assert!(check_text(" \n\t").is_err());
        assert!(check_text("").is_err());
        assert!(check_text(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok(), "the limit counts characters, not bytes");
        let long = check_text(&"a".repeat(MAX_MESSAGE_CHARS + 1)).expect_err("over the limit");
        assert!(long.contains("4000"), "{long}");
    }

    #[test]
    fn client_ids_are_short_and_plain() {
        assert!(check_client_id("0b9f1c3e-8f1e-4a0e-9d55-5c0c8b3c2f11").is_ok());
        for bad in ["", "a b", "<x>", &"a".repeat(65)] {
            assert!(check_client_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_round_trip_and_admit() {
        for filter in QueueFilter::ALL {
            assert_eq!(QueueFilter::parse(filter.key()), Some(filter));
        }
        let mut c = Conversation {
            id: 1,
            status: ConversationStatus::Open,
            customer_name: "Ann".into(),
            signed_in: true,
            assignee: Some(Staff { id: 7, name: "Sam".into() }),
            order: None,
            last_seq: 5,
            customer_read_seq: 5,
            support_read_seq: 3,
            last_message: "hi".into(),
            last_message_at: "2026-12-02T10:00:00Z".into(),
        };
        assert_eq!(c.unread_by_support(), 2);
        assert_eq!(c.unread_by_customer(), 0);
        assert!(QueueFilter::Open.admits(&c, 1));
        assert!(QueueFilter::Mine.admits(&c, 7));
        assert!(!QueueFilter::Mine.admits(&c, 1));
        c.status = ConversationStatus::Closed;
        assert!(!QueueFilter::Open.admits(&c, 7));
        assert!(QueueFilter::Closed.admits(&c, 7));
    }
}
