//! Writing to the outbox.

use crate::entity::outbox_email::{self, OutboxStatus};
use crate::error::AppError;
use crate::jobs::ssr::queue::{self, queues, NewJob};
use crate::live::ssr::Recorded;
use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, EntityTrait};

/// The job that sends an outbox email: `{"email": id}`.
pub const SEND_EMAIL: &str = "email.send";

/// Attempts at sending an email: a mail server may be down for a while.
pub const MAX_ATTEMPTS: i32 = 10;

/// An email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues `email` with the job that sends it; pass the transaction of the
/// change it reports. Publish the returned events after commit to wake a
/// worker at once.
pub async fn enqueue(db: &impl ConnectionTrait, email: Email) -> Result<Recorded, AppError> {
    let now = Utc::now();
    let id = outbox_email::Entity::insert(outbox_email::ActiveModel {
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
    })
    .exec(db)
    .await?
    .last_insert_id;
    let job = NewJob::new(queues::DEFAULT, SEND_EMAIL, serde_json::json!({ "email": id })).max_attempts(MAX_ATTEMPTS);
    Ok(queue::enqueue(db, job).await?.recorded)
}
