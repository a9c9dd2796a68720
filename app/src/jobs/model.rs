//! The wire types of `/admin/jobs`, shared by the server and the browser.
//! Rows of the `jobs` and `webhook_deliveries` tables stay on the server;
//! these are built from them (see `jobs::ssr::admin`).

use serde::{Deserialize, Serialize};

/// At most this many failed/dead jobs and deliveries are listed.
pub const LIST_LIMIT: u64 = 100;

/// Where a job is, as the admin page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Pending,
    Running,
    Failed,
    Dead,
    Done,
}

/// "retried once", "retried 3 times"; nothing for a job never retried.
pub fn retried(retries: u32) -> Option<String> {
    match retries {
        0 => None,
        1 => Some("retried once".to_string()),
        n => Some(format!("retried {n} times")),
    }
}

impl JobState {
    /// The label shown on the page.
    pub fn label(self) -> &'static str {
        match self {
            JobState::Pending => "Pending",
            JobState::Running => "Running",
            JobState::Failed => "Failed",
            JobState::Dead => "Dead",
            JobState::Done => "Done",
        }
    }

    /// Whether a person may retry or discard a job in this state.
    pub fn needs_attention(self) -> bool {
        matches!(self, JobState::Failed | JobState::Dead)
    }
}

/// How many jobs are in each state that still matters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub pending: u64,
    pub running: u64,
    pub failed: u64,
    pub dead: u64,
}

/// One job as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRow {
    pub id: i32,
    pub queue: String,
    pub kind: String,
    /// The Shopify delivery that caused the job, if one did.
    pub webhook_id: Option<String>,
    pub status: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    /// How often a person has retried it (from the audit log).
    pub retries: u32,
    pub last_error: Option<String>,
    /// The job's input, as JSON text.
    pub payload: String,
    /// RFC 3339, UTC: when it is (or was) due.
    pub run_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// What became of a webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryOutcome {
    Queued,
    Applied,
    Stale,
    Ignored,
    Malformed,
    Failed,
}

impl DeliveryOutcome {
    /// The label shown on the page.
    pub fn label(self) -> &'static str {
        match self {
            DeliveryOutcome::Queued => "Queued",
            DeliveryOutcome::Applied => "Applied",
            DeliveryOutcome::Stale => "Stale",
            DeliveryOutcome::Ignored => "Ignored",
            DeliveryOutcome::Malformed => "Malformed",
            DeliveryOutcome::Failed => "Failed",
        }
    }
}

/// One webhook delivery as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: String,
    pub topic: String,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub result: DeliveryOutcome,
    pub error: Option<String>,
}

/// Everything `/admin/jobs` shows, read in one call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsSnapshot {
    pub counts: JobCounts,
    /// Failed and dead jobs, newest change first.
    pub attention: Vec<JobRow>,
    /// The latest deliveries, newest first.
    pub deliveries: Vec<DeliveryRow>,
}

/// What a retry or discard did, for the page's status message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobAction {
    Retried(i32),
    Discarded(i32),
}

impl JobAction {
    /// "Job #N queued again." or "Job #N discarded."
    pub fn message(self) -> String {
        match self {
            JobAction::Retried(id) => format!("Job #{id} queued again."),
            JobAction::Discarded(id) => format!("Job #{id} discarded."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failed_and_dead_jobs_need_attention() {
        assert!(JobState::Failed.needs_attention());
        assert!(JobState::Dead.needs_attention());
        assert!(!JobState::Pending.needs_attention());
        assert!(!JobState::Running.needs_attention());
        assert!(!JobState::Done.needs_attention());
    }

    #[test]
    fn retries_read_as_words() {
        assert_eq!(retried(0), None);
        assert_eq!(retried(1).as_deref(), Some("retried once"));
        assert_eq!(retried(4).as_deref(), Some("retried 4 times"));
    }

    #[test]
    fn action_messages_name_the_job() {
        assert_eq!(JobAction::Retried(42).message(), "Job #42 queued again.");
        assert_eq!(JobAction::Discarded(7).message(), "Job #7 discarded.");
    }
}
