//! Reading conversations: a customer's own, one thread, and the support
//! console's queue.

use super::party::Party;
use crate::chat::model::{ChatMessage, ChatThread, Conversation, ConversationStatus, OrderBrief, QueueFilter, Staff, SupportQueue};
use crate::entity::{chat_conversation, chat_message, order, user};
use crate::error::AppError;
use crate::live::ssr::catch_up;
use crate::live::topic::Topic;
use crate::money::Money;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Most messages a thread shows: the latest ones.
pub const THREAD_LIMIT: u64 = 500;
/// Most conversations the console lists.
pub const QUEUE_LIMIT: u64 = 200;

/// RFC 3339 in UTC, to the second, as every chat time is sent.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl From<chat_message::Model> for ChatMessage {
    fn from(row: chat_message::Model) -> Self {
        ChatMessage {
            conversation: row.conversation_id,
            seq: row.seq,
            client_id: row.client_id,
            author: row.author,
            author_name: row.author_name,
            text: row.body,
            sent_at: rfc3339(row.created_at),
        }
    }
}

/// The conversations of `rows` as wire types, with their assignees' names
/// and their orders (two queries whatever the number of rows).
pub async fn describe(db: &impl ConnectionTrait, rows: Vec<chat_conversation::Model>) -> Result<Vec<Conversation>, AppError> {
    let assignee_ids: Vec<i32> = rows.iter().filter_map(|c| c.assignee_id).collect();
    let order_ids: Vec<i32> = rows.iter().filter_map(|c| c.order_id).collect();
    let staff: HashMap<i32, String> = if assignee_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find().filter(user::Column::Id.is_in(assignee_ids)).all(db).await?.into_iter().map(|u| (u.id, u.name)).collect()
    };
    let orders: HashMap<i32, OrderBrief> = if order_ids.is_empty() {
        HashMap::new()
    } else {
        order::Entity::find()
            .filter(order::Column::Id.is_in(order_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, OrderBrief { id: o.id, status: o.status, total: Money { cents: o.total_cents, currency: o.currency } }))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|c| Conversation {
            id: c.id,
            status: c.status,
            customer_name: c.customer_name,
            signed_in: c.user_id.is_some(),
            assignee: c.assignee_id.and_then(|id| staff.get(&id).map(|name| Staff { id, name: name.clone() })),
            order: c.order_id.and_then(|id| orders.get(&id).cloned()),
            last_seq: c.last_seq,
            customer_read_seq: c.customer_read_seq,
            support_read_seq: c.support_read_seq,
            last_message: c.last_message,
            last_message_at: rfc3339(c.last_message_at),
        })
        .collect())
}

/// One conversation as a wire type.
pub async fn describe_one(db: &impl ConnectionTrait, row: chat_conversation::Model) -> Result<Conversation, AppError> {
    describe(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

/// Conversation `id` if `party` may use it; "not found" otherwise, so
/// nobody learns which ids exist.
pub async fn conversation_for(db: &impl ConnectionTrait, party: &Party, id: i32) -> Result<chat_conversation::Model, AppError> {
    match chat_conversation::Entity::find_by_id(id).one(db).await? {
        Some(row) if party.may_use(&row) => Ok(row),
        _ => Err(AppError::NotFound("Conversation".into())),
    }
}

/// The party's current conversation: its newest open one, else its newest.
pub async fn current(db: &impl ConnectionTrait, party: &Party) -> Result<Option<chat_conversation::Model>, AppError> {
    let Some(owns) = party.owns() else { return Ok(None) };
    Ok(chat_conversation::Entity::find()
        .filter(owns)
        .order_by_desc(chat_conversation::Column::Status.eq(ConversationStatus::Open))
        .order_by_desc(chat_conversation::Column::Id)
        .one(db)
        .await?)
}

/// The latest [`THREAD_LIMIT`] messages of `conversation`, oldest first.
pub async fn thread(db: &impl ConnectionTrait, conversation: chat_conversation::Model) -> Result<ChatThread, AppError> {
    let mut messages: Vec<ChatMessage> = chat_message::Entity::find()
        .filter(chat_message::Column::ConversationId.eq(conversation.id))
        .order_by_desc(chat_message::Column::Seq)
        .limit(THREAD_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(ChatMessage::from)
        .collect();
    messages.reverse();
    Ok(ChatThread { conversation: Some(describe_one(db, conversation).await?), messages })
}

/// What the customer's chat widget opens on: their current conversation.
pub async fn my_thread(db: &impl ConnectionTrait, party: Option<&Party>) -> Result<ChatThread, AppError> {
    let Some(party) = party else { return Ok(ChatThread { conversation: None, messages: Vec::new() }) };
    match current(db, party).await? {
        Some(conversation) => thread(db, conversation).await,
        None => Ok(ChatThread { conversation: None, messages: Vec::new() }),
    }
}

/// The console's list for admin `me`, newest activity first.
pub async fn queue(db: &impl ConnectionTrait, me: i32, filter: QueueFilter) -> Result<SupportQueue, AppError> {
    // Read before the rows: an event committed in between is replayed
    // from this number, and is never missed.
    let live_seq = catch_up::head(db, &Topic::Support.to_string()).await?;
    let mut select = chat_conversation::Entity::find();
    select = match filter {
        QueueFilter::Open => select.filter(chat_conversation::Column::Status.eq(ConversationStatus::Open)),
        QueueFilter::Closed => select.filter(chat_conversation::Column::Status.eq(ConversationStatus::Closed)),
        QueueFilter::Mine => select.filter(chat_conversation::Column::AssigneeId.eq(me)),
        QueueFilter::All => select,
    };
    let rows = select
        .order_by_desc(chat_conversation::Column::LastMessageAt)
        .order_by_desc(chat_conversation::Column::Id)
        .limit(QUEUE_LIMIT)
        .all(db)
        .await?;
    Ok(SupportQueue { conversations: describe(db, rows).await?, live_seq, me })
}
