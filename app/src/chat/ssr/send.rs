//! Writing a message: stored with its sequence number and its event in
//! one transaction, before anyone is told; a retried send with the same
//! client id returns the message it made.

use super::limits::ChatLimits;
use super::party::Party;
use super::read::{conversation_for, describe_one};
use crate::chat::model::{check_client_id, check_text, Author, ChatMessage, ConversationStatus};
use crate::db::{begin_write, is_unique_violation};
use crate::entity::{chat_conversation, chat_message, order};
use crate::error::AppError;
use crate::live::protocol::EventBody;
use crate::live::ssr::record::{next_seq, record_at};
use crate::live::ssr::{record, Recorded};
use crate::live::topic::Topic;
use chrono::{TimeDelta, Utc};
use sea_orm::sea_query::Query;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

/// Characters of a message kept as the conversation's last message.
const PREVIEW_CHARS: usize = 120;

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Where: required for support; a customer without one writes in their
    /// open conversation, or starts one.
    pub conversation: Option<i32>,
    pub client_id: String,
    pub text: String,
    /// The customer's order this is about.
    pub order: Option<i32>,
}

fn invalid(field: &str, message: String) -> AppError {
    AppError::Validation { field: field.into(), message }
}

/// The message `party` already sent as `client_id`, if any.
async fn already_sent(db: &impl ConnectionTrait, party: &Party, client_id: &str) -> Result<Option<ChatMessage>, AppError> {
    let mut select = chat_message::Entity::find().filter(chat_message::Column::ClientId.eq(client_id));
    select = match (party, party.owns()) {
        (Party::Support(user), _) => {
            select.filter(chat_message::Column::Author.eq(Author::Support)).filter(chat_message::Column::AuthorUserId.eq(user.id))
        }
        (_, Some(owns)) => select.filter(
            chat_message::Column::ConversationId
                .in_subquery(Query::select().column(chat_conversation::Column::Id).from(chat_conversation::Entity).cond_where(owns).to_owned()),
        ),
        (_, None) => return Ok(None),
    };
    Ok(select.order_by_asc(chat_message::Column::Id).one(db).await?.map(ChatMessage::from))
}

/// The conversation the message goes to, started now if the customer has
/// no open one.
async fn target(
    db: &impl ConnectionTrait,
    limits: &ChatLimits,
    party: &Party,
    id: Option<i32>,
) -> Result<chat_conversation::Model, Attempt> {
    if let Some(id) = id {
        let conversation = conversation_for(db, party, id).await?;
        if conversation.status == ConversationStatus::Closed && !matches!(party, Party::Support(_)) {
            return Err(AppError::Conflict(
                "This conversation is closed. Send your message without a conversation to start a new one.".into(),
            )
            .into());
        }
        return Ok(conversation);
    }
    let Some(owns) = party.owns() else {
        return Err(invalid("conversation", "Choose the conversation to reply in.".into()).into());
    };
    let open = chat_conversation::Entity::find()
        .filter(owns)
        .filter(chat_conversation::Column::Status.eq(ConversationStatus::Open))
        .order_by_desc(chat_conversation::Column::Id)
        .one(db)
        .await?;
    if let Some(open) = open {
        return Ok(open);
    }
    let now = Utc::now();
    if let Party::Guest(key) = party {
        let allowed = limits.rates().guest_conversations_per_hour;
        let started = chat_conversation::Entity::find()
            .filter(chat_conversation::Column::GuestKey.eq(key.clone()))
            .filter(chat_conversation::Column::CreatedAt.gt(now - TimeDelta::hours(1)))
            .count(db)
            .await?;
        if allowed > 0 && started >= u64::from(allowed) {
            return Err(AppError::TooFast { retry_after_secs: 3600 }.into());
        }
    }
    let (user_id, guest_key) = match party {
        Party::Customer(user) => (Some(user.id), None),
        Party::Guest(key) => (None, Some(key.clone())),
        Party::Support(_) => (None, None),
    };
    let started = chat_conversation::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        guest_key: Set(guest_key),
        customer_name: Set(party.display_name()),
        status: Set(ConversationStatus::Open),
        assignee_id: Set(None),
        order_id: Set(None),
        last_seq: Set(0),
        customer_read_seq: Set(0),
        support_read_seq: Set(0),
        last_message: Set(String::new()),
        last_message_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await;
    match started {
        Ok(conversation) => Ok(conversation),
        // Another send of this party started one first (the open
        // conversation's unique index).
        Err(err) if is_unique_violation(&err) => Err(Attempt::Raced),
        Err(err) => Err(AppError::from(err).into()),
    }
}

/// Why one try at sending did not commit.
enum Attempt {
    /// A concurrent send of the same party committed first (the same
    /// client id, or its new conversation): look again.
    Raced,
    Failed(AppError),
}

impl From<AppError> for Attempt {
    fn from(err: AppError) -> Self {
        Attempt::Failed(err)
    }
}

impl From<sea_orm::DbErr> for Attempt {
    fn from(err: sea_orm::DbErr) -> Self {
        Attempt::Failed(err.into())
    }
}

/// The order a customer asks about: theirs, or "not found".
async fn asked_about(db: &impl ConnectionTrait, party: &Party, order_id: i32) -> Result<i32, AppError> {
    let Party::Customer(user) = party else {
        return Err(AppError::NotFound("Order".into()));
    };
    match order::Entity::find_by_id(order_id).one(db).await? {
        Some(row) if row.user_id == user.id => Ok(row.id),
        _ => Err(AppError::NotFound("Order".into())),
    }
}

/// Sends `outgoing` as `party`. The message, its `CHAT_MESSAGE` event on
/// `chat:{id}` and the conversation's `CONVERSATION_CHANGED` on `support`
/// commit together; the events are returned for publishing. A client id
/// `party` already used returns that message and records nothing.
pub async fn send(
    db: &DatabaseConnection,
    limits: &ChatLimits,
    party: &Party,
    outgoing: Outgoing,
) -> Result<(ChatMessage, Recorded), AppError> {
    check_text(&outgoing.text).map_err(|m| invalid("text", m))?;
    check_client_id(&outgoing.client_id).map_err(|m| invalid("client_id", m))?;
    if let Some(sent) = already_sent(db, party, &outgoing.client_id).await? {
        return Ok((sent, Recorded::default()));
    }
    // After the duplicate check: a retry of a message that went through
    // is answered, not refused.
    limits.take_send(&party.rate_key())?;
    // A race is lost at most a few times in a row: each loss means the
    // other send committed, and the next look finds what it made.
    for _ in 0..3 {
        match attempt(db, limits, party, &outgoing).await {
            Ok(sent) => return Ok(sent),
            Err(Attempt::Failed(err)) => return Err(err),
            Err(Attempt::Raced) => {
                if let Some(sent) = already_sent(db, party, &outgoing.client_id).await? {
                    return Ok((sent, Recorded::default()));
                }
            }
        }
    }
    tracing::error!("a chat send lost three races in a row");
    Err(AppError::Internal)
}

/// One transaction's try at sending `outgoing`.
async fn attempt(
    db: &DatabaseConnection,
    limits: &ChatLimits,
    party: &Party,
    outgoing: &Outgoing,
) -> Result<(ChatMessage, Recorded), Attempt> {
    let txn = begin_write(db).await?;
    let conversation = match target(&txn, limits, party, outgoing.conversation).await {
        Ok(conversation) => conversation,
        Err(lost) => {
            txn.rollback().await?;
            return Err(lost);
        }
    };
    let order_id = match outgoing.order {
        Some(id) => Some(asked_about(&txn, party, id).await?),
        None => conversation.order_id,
    };
    let topic = Topic::Chat(conversation.id);
    // The topic's counter row stays locked until commit, so two sends to
    // one conversation are numbered in commit order.
    let seq = next_seq(&txn, topic).await?;
    let now = Utc::now();
    let (author, author_user_id) = match party {
        Party::Customer(user) => (Author::Customer, Some(user.id)),
        Party::Guest(_) => (Author::Customer, None),
        Party::Support(user) => (Author::Support, Some(user.id)),
    };
    let inserted = chat_message::ActiveModel {
        id: NotSet,
        conversation_id: Set(conversation.id),
        seq: Set(seq),
        client_id: Set(outgoing.client_id.clone()),
        author: Set(author),
        author_user_id: Set(author_user_id),
        author_name: Set(party.display_name()),
        body: Set(outgoing.text.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await;
    let message = match inserted {
        Ok(row) => ChatMessage::from(row),
        Err(err) if is_unique_violation(&err) => {
            // The same client id raced in from a second request, which
            // committed first: its message is the answer.
            txn.rollback().await?;
            return Err(Attempt::Raced);
        }
        Err(err) => return Err(err.into()),
    };
    let mut row: chat_conversation::ActiveModel = conversation.into();
    row.last_seq = Set(seq);
    row.last_message = Set(message.text.chars().take(PREVIEW_CHARS).collect());
    row.last_message_at = Set(now);
    row.updated_at = Set(now);
    row.order_id = Set(order_id);
    // Writing answers everything before: the sender has read it all.
    match author {
        Author::Customer => row.customer_read_seq = Set(seq),
        Author::Support => row.support_read_seq = Set(seq),
    }
    let conversation = row.update(&txn).await?;
    let mut recorded = Recorded::default();
    recorded.push(record_at(&txn, topic, seq, EventBody::ChatMessage(message.clone())).await?);
    let summary = describe_one(&txn, conversation).await?;
    recorded.push(record(&txn, Topic::Support, EventBody::ConversationChanged(summary)).await?);
    txn.commit().await?;
    Ok((message, recorded))
}
