//! Writing to the outbox.

use crate::entity::outbox_email::{self, OutboxStatus};
use crate::error::AppError;
use crate::live::protocol::{EventBody, LiveEvent};
use crate::live::ssr::record;
use crate::live::topic::Topic;
use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, EntityTrait};

/// An email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues `email`; pass the transaction of the change it reports. The
/// returned event wakes the outbox worker once it is published after
/// commit.
pub async fn enqueue(db: &impl ConnectionTrait, email: Email) -> Result<LiveEvent, AppError> {
    let now = Utc::now();
    outbox_email::Entity::insert(outbox_email::ActiveModel {
        id: NotSet,
        to_address: Set(email.to),
        subject: Set(email.subject),
        body_text: Set(email.body),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        claimed_until: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    record(db, Topic::Outbox, EventBody::EmailQueued).await
}
