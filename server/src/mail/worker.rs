//! Delivers due outbox emails: at once when the event bus announces one
//! (`EMAIL_QUEUED`, published after the commit that queued it), and on a
//! timer for retries. Each worker first claims the rows it will send for a
//! lease, so two instances sharing a database never send the same email
//! twice. A failed send is retried with exponential backoff; after
//! [`MAX_ATTEMPTS`] the email is marked `failed` and logged.

use super::{Mailer, OutgoingEmail};
use app::entity::outbox_email::{self, OutboxStatus};
use chrono::{Duration as ChronoDuration, Utc};
use sea_orm::ActiveValue::Set;
use app::live::protocol::{EventBody, LiveEvent};
use app::live::ssr::EventBus;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Statement};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

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

/// How long a claim keeps other workers off an email: far longer than a
/// send takes, short enough that a crashed worker's emails go out soon.
const LEASE: ChronoDuration = ChronoDuration::seconds(60);

/// Claims up to [`BATCH`] due, unclaimed emails for this worker, in one
/// statement: on PostgreSQL rows another worker is claiming are skipped
/// (`SKIP LOCKED`); SQLite has a single writer, so the statement is
/// atomic as it is.
async fn claim_due(db: &DatabaseConnection) -> Result<Vec<outbox_email::Model>, DbErr> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let (p, skip_locked) = match backend {
        DbBackend::Postgres => (["$1", "$2", "$3", "$4"], " FOR UPDATE SKIP LOCKED"),
        _ => (["?", "?", "?", "?"], ""),
    };
    let sql = format!(
        "UPDATE outbox_emails SET claimed_until = {} WHERE id IN (\
           SELECT id FROM outbox_emails WHERE status = {} AND next_attempt_at <= {} \
           AND (claimed_until IS NULL OR claimed_until < {}) ORDER BY id LIMIT {BATCH}{skip_locked}) \
         RETURNING *",
        p[0], p[1], p[2], p[3]
    );
    let values = [(now + LEASE).into(), OutboxStatus::Pending.into(), now.into(), now.into()];
    outbox_email::Entity::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, values)).all(db).await
}

/// Sends every email that is due and not claimed by another worker.
/// Returns how many were sent.
pub async fn deliver_due(db: &DatabaseConnection, mailer: &dyn Mailer, from: &str) -> Result<usize, DbErr> {
    let mut due = claim_due(db).await?;
    due.sort_by_key(|row| row.id);
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
        update.claimed_until = Set(None);
        match mailer.send(&email).await {
            Ok(()) => {
                update.status = Set(OutboxStatus::Sent);
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
                    update.status = Set(OutboxStatus::Failed);
                }
            }
        }
        update.update(db).await?;
    }
    Ok(sent)
}

/// Waits until an email is queued (or [`POLL`] passes, for retries).
async fn next_wake(events: &mut broadcast::Receiver<Arc<LiveEvent>>) {
    let queued = async {
        loop {
            match events.recv().await {
                Ok(event) if matches!(event.body, EventBody::EmailQueued) => return,
                Ok(_) => {}
                // Missed some: one of them may have been an email.
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    };
    tokio::select! {
        () = queued => {}
        () = tokio::time::sleep(POLL) => {}
    }
}

/// Runs the worker until the process ends.
pub fn spawn(db: DatabaseConnection, mailer: Arc<dyn Mailer>, from: String, bus: &dyn EventBus) {
    let mut events = bus.subscribe();
    tokio::spawn(async move {
        loop {
            if let Err(err) = deliver_due(&db, mailer.as_ref(), &from).await {
                tracing::error!(error = %err, "outbox worker");
            }
            next_wake(&mut events).await;
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
