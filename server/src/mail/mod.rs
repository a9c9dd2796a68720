//! Sending email from the outbox. Checkout and order changes write emails
//! to the `outbox_emails` table inside their transactions, each with an
//! `email.send` job; the job queue delivers them after commit through a
//! [`Mailer`], retrying with backoff while the mailer is down, so a
//! confirmation is never lost.

mod file;
mod smtp;
pub mod job;

pub use file::FileMailer;
pub use smtp::SmtpMailer;

/// An email ready to hand to a mailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The outbox row's id; unique, so files and logs can name it.
    pub id: i32,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Why an email could not be sent this time; it will be retried.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("writing the email file: {0}")]
    Io(#[from] std::io::Error),
    #[error("building the message: {0}")]
    Message(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}

/// Delivers one email.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError>;
}
