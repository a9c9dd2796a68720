//! Sending an outbox email, as the `email.send` job queued in the same
//! transaction as the email. The email's row says whether it went out, so
//! a job run again after a crash does not send it twice (unless the crash
//! fell between the send and that write: at least once, as with any mail
//! system).

use super::{Mailer, OutgoingEmail};
use crate::jobs::{JobError, JobHandler};
use app::db::write_turn;
use app::entity::job;
use app::entity::outbox_email::{self, OutboxStatus};
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
struct Payload {
    email: i32,
}

/// Sends outbox emails through a [`Mailer`].
pub struct SendEmail {
    pub db: DatabaseConnection,
    pub mailer: Arc<dyn Mailer>,
    /// The sender address.
    pub from: String,
}

impl SendEmail {
    async fn row(&self, job: &job::Model) -> Result<outbox_email::Model, JobError> {
        let payload: Payload = serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("payload: {e}")))?;
        outbox_email::Entity::find_by_id(payload.email)
            .one(&self.db)
            .await?
            .ok_or_else(|| JobError::Permanent(format!("outbox email {} does not exist", payload.email)))
    }
}

#[async_trait::async_trait]
impl JobHandler for SendEmail {
    async fn run(&self, job: &job::Model) -> Result<(), JobError> {
        let row = self.row(job).await?;
        if row.status == OutboxStatus::Sent {
            return Ok(());
        }
        let email = OutgoingEmail {
            id: row.id,
            from: self.from.clone(),
            to: row.to_address.clone(),
            subject: row.subject.clone(),
            body: row.body_text.clone(),
        };
        let sent = self.mailer.send(&email).await;
        let mut update: outbox_email::ActiveModel = row.into();
        update.attempts = Set(job.attempts);
        match &sent {
            Ok(()) => {
                update.status = Set(OutboxStatus::Sent);
                update.sent_at = Set(Some(Utc::now()));
                update.last_error = Set(None);
            }
            Err(err) => update.last_error = Set(Some(err.to_string())),
        }
        // In the writers' queue, so it never leaves a checkout's
        // transaction sleeping in SQLite's busy handler.
        let turn = write_turn(&self.db).await?;
        update.update(&self.db).await?;
        drop(turn);
        sent.map_err(|err| JobError::Retry(err.to_string()))
    }

    async fn dead(&self, job: &job::Model) {
        let Ok(row) = self.row(job).await else { return };
        let mut update: outbox_email::ActiveModel = row.into();
        update.status = Set(OutboxStatus::Failed);
        if let Err(err) = update.update(&self.db).await {
            tracing::warn!(job = job.id, error = %err, "could not mark an email failed");
        }
    }
}
