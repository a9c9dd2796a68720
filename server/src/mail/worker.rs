//! Delivers due outbox emails: at once when woken after a commit, and on a
//! timer for retries. A failed send is retried with exponential backoff;
//! after [`MAX_ATTEMPTS`] the email is marked `failed` and logged.

use super::{Mailer, OutgoingEmail};
use app::entity::outbox_email;
use chrono::{Duration as ChronoDuration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Sends per pass.
const BATCH: u64 = 50;
/// Attempts before an email is given up on.
pub const MAX_ATTEMPTS: i32 = 10;
/// How often retries are looked for when nothing wakes the worker.
const POLL: Duration = Duration::from_secs(5);

/// Wait before attempt `attempts + 1`: 2, 4, 8 … seconds, at most an hour.
fn backoff(attempts: i32) -> ChronoDuration {
    ChronoDuration::seconds(2i64.saturating_pow(u32::try_from(attempts.clamp(1, 12)).unwrap_or(12)).min(3600))
}

/// Sends every email that is due. Returns how many were sent.
pub async fn deliver_due(db: &DatabaseConnection, mailer: &dyn Mailer, from: &str) -> Result<usize, DbErr> {
    let due = outbox_email::Entity::find()
        .filter(outbox_email::Column::Status.eq("pending"))
        .filter(outbox_email::Column::NextAttemptAt.lte(Utc::now()))
        .order_by_asc(outbox_email::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut sent = 0;
    for row in due {
        let email = OutgoingEmail {
            id: row.id,
            from: from.to_string(),
            to: row.to_address.clone(),
            subject: row.subject.clone(),
            body: row.body_text.clone(),
        };
        let attempts = row.attempts + 1;
        let mut update: outbox_email::ActiveModel = row.into();
        update.attempts = Set(attempts);
        match mailer.send(&email).await {
            Ok(()) => {
                update.status = Set("sent".into());
                update.sent_at = Set(Some(Utc::now()));
                update.last_error = Set(None);
                sent += 1;
            }
            Err(err) => {
                tracing::warn!(email = email.id, attempts, error = %err, "email not sent; will retry");
                update.last_error = Set(Some(err.to_string()));
                update.next_attempt_at = Set(Utc::now() + backoff(attempts));
                if attempts >= MAX_ATTEMPTS {
                    tracing::error!(email = email.id, "email failed permanently");
                    update.status = Set("failed".into());
                }
            }
        }
        update.update(db).await?;
    }
    Ok(sent)
}

/// Runs the worker until the process ends.
pub fn spawn(db: DatabaseConnection, mailer: Arc<dyn Mailer>, from: String, wake: Arc<Notify>) {
    tokio::spawn(async move {
        loop {
            if let Err(err) = deliver_due(&db, mailer.as_ref(), &from).await {
                tracing::error!(error = %err, "outbox worker");
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1).num_seconds(), 2);
        assert_eq!(backoff(2).num_seconds(), 4);
        assert_eq!(backoff(5).num_seconds(), 32);
        assert_eq!(backoff(12).num_seconds(), 3600);
        assert_eq!(backoff(40).num_seconds(), 3600);
    }
}
