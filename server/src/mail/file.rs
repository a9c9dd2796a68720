//! The default mailer: each email becomes an `.eml` file in a folder
//! (`data/outbox/` unless configured), readable by any mail client.

use super::{MailError, Mailer, OutgoingEmail};
use std::path::PathBuf;

/// Writes emails as RFC 5322 files.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    /// Writes into `dir`, creating it when the first email is sent.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileMailer { dir: dir.into() }
    }
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let message = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <outbox-{}@bazaar.local>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
            email.from,
            email.to,
            email.subject,
            email.id,
            email.body.replace('\n', "\r\n")
        );
        // Written under a temporary name and renamed, so a reader never
        // sees half an email.
        let path = self.dir.join(format!("{:08}.eml", email.id));
        let partial = self.dir.join(format!(".{:08}.eml.partial", email.id));
        tokio::fs::write(&partial, message).await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(())
    }
}
