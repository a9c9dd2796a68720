//! What happens to a conversation besides messages: support assigns,
//! closes and reopens it, and either side reads it.

use super::party::Party;
use super::read::{conversation_for, describe_one};
use crate::auth::CurrentUser;
use crate::chat::model::{Conversation, ConversationStatus};
use crate::db::begin_write;
use crate::entity::chat_conversation;
use crate::error::AppError;
use crate::live::protocol::EventBody;
use crate::live::ssr::{record, Recorded};
use crate::live::topic::Topic;
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr};

/// A support action on a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportAction {
    /// Make the acting admin its assignee.
    AssignToMe,
    Close,
    Reopen,
    /// Support has read up to this sequence number.
    Read(i64),
}

/// Applies `action` by admin `staff` to conversation `id`, with its
/// `CONVERSATION_CHANGED` event on `support` in the same transaction.
pub async fn act(db: &DatabaseConnection, staff: &CurrentUser, id: i32, action: SupportAction) -> Result<(Conversation, Recorded), AppError> {
    let txn = begin_write(db).await?;
    let conversation = conversation_for(&txn, &Party::Support(staff.clone()), id).await?;
    let unchanged = match action {
        SupportAction::AssignToMe => conversation.assignee_id == Some(staff.id),
        SupportAction::Close => conversation.status == ConversationStatus::Closed,
        SupportAction::Reopen => conversation.status == ConversationStatus::Open,
        SupportAction::Read(seq) => seq.min(conversation.last_seq) <= conversation.support_read_seq,
    };
    if unchanged {
        // Asking twice (two admins clicking Close) is not an error and
        // tells nobody anything new.
        txn.rollback().await?;
        return Ok((describe_one(db, conversation).await?, Recorded::default()));
    }
    let last_seq = conversation.last_seq;
    let mut row: chat_conversation::ActiveModel = conversation.into();
    match action {
        SupportAction::AssignToMe => row.assignee_id = Set(Some(staff.id)),
        SupportAction::Close => row.status = Set(ConversationStatus::Closed),
        SupportAction::Reopen => row.status = Set(ConversationStatus::Open),
        SupportAction::Read(seq) => row.support_read_seq = Set(seq.min(last_seq)),
    }
    row.updated_at = Set(Utc::now());
    let updated = match row.update(&txn).await {
        Ok(updated) => updated,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AppError::Conflict("This customer has another open conversation; answer there.".into()));
        }
        Err(err) => return Err(err.into()),
    };
    let summary = describe_one(&txn, updated).await?;
    let mut recorded = Recorded::default();
    recorded.push(record(&txn, Topic::Support, EventBody::ConversationChanged(summary.clone())).await?);
    txn.commit().await?;
    Ok((summary, recorded))
}

/// The customer (or guest) has read conversation `id` up to `seq`. Only
/// their own read mark moves, so support's list does not change.
pub async fn customer_read(db: &DatabaseConnection, party: &Party, id: i32, seq: i64) -> Result<Conversation, AppError> {
    let conversation = conversation_for(db, party, id).await?;
    let seq = seq.min(conversation.last_seq);
    if seq <= conversation.customer_read_seq {
        return describe_one(db, conversation).await;
    }
    // Guarded so that two tabs reading at once never move it backwards.
    chat_conversation::Entity::update_many()
        .col_expr(chat_conversation::Column::CustomerReadSeq, Expr::value(seq))
        .filter(chat_conversation::Column::Id.eq(id))
        .filter(chat_conversation::Column::CustomerReadSeq.lt(seq))
        .exec(db)
        .await?;
    describe_one(db, conversation_for(db, party, id).await?).await
}
