//! The outbox with several workers (as with several instances on one
//! database): each email is claimed by one worker and sent once.

use crate::helpers::{on_both_backends, TestApp};
use app::mail::ssr::{enqueue, Email};
use sea_orm::TransactionTrait;
use server::mail::worker::deliver_due;
use server::mail::{MailError, Mailer, OutgoingEmail};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts what it is asked to send, slowly, so workers overlap.
#[derive(Default)]
struct CountingMailer {
    sent: Mutex<Vec<i32>>,
}

#[async_trait::async_trait]
impl Mailer for CountingMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.sent.lock().map_err(|_| MailError::Message("poisoned".into()))?.push(email.id);
        Ok(())
    }
}

async fn two_workers_never_send_the_same_email(app: TestApp) {
    const EMAILS: usize = 60;
    let txn = app.db.begin().await.expect("begin");
    for n in 0..EMAILS {
        enqueue(&txn, Email { to: format!("reader{n}@example.com"), subject: format!("Note {n}"), body: "Hello".into() })
            .await
            .expect("enqueue");
    }
    // Committed without publishing: the server's own worker only finds
    // these on its next poll, while ours race for them now.
    txn.commit().await.expect("commit");
    let (first, second) = (Arc::new(CountingMailer::default()), Arc::new(CountingMailer::default()));
    let run = |mailer: Arc<CountingMailer>, db: sea_orm::DatabaseConnection| async move {
        let mut total = 0;
        loop {
            let sent = deliver_due(&db, mailer.as_ref(), "shop@example.com").await.expect("deliver");
            if sent == 0 {
                return total;
            }
            total += sent;
        }
    };
    let (a, b) = tokio::join!(run(first.clone(), app.db.clone()), run(second.clone(), app.db.clone()));
    // Emails the server's worker claimed may still be on their way.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while crate::checkout::scalar(&app, "SELECT COUNT(*) FROM outbox_emails WHERE status = 'sent'").await < EMAILS as i64 {
        assert!(std::time::Instant::now() < deadline, "every email is sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut times_sent: HashMap<i32, usize> = HashMap::new();
    for id in first.sent.lock().expect("lock").iter().chain(second.sent.lock().expect("lock").iter()) {
        *times_sent.entry(*id).or_default() += 1;
    }
    // The server's worker may have taken a few on its own poll: those are
    // files in its outbox folder, and must not have been sent by ours too.
    for entry in std::fs::read_dir(app.outbox.path()).expect("outbox dir").filter_map(Result::ok) {
        if let Some(id) = entry.file_name().to_string_lossy().strip_suffix(".eml").and_then(|n| n.parse::<i32>().ok()) {
            *times_sent.entry(id).or_default() += 1;
        }
    }
    assert!(times_sent.values().all(|n| *n == 1), "every email sent once: {times_sent:?}");
    assert_eq!(times_sent.len(), EMAILS, "and none lost ({a} + {b} by the two workers)");
}

on_both_backends!(two_workers_never_send_the_same_email);
