//! Hourly housekeeping as a job: forget live events older than the
//! retention period (a client away longer is told to refetch) and
//! finished jobs as old. Each hour's job has its own dedupe key, so several
//! instances sharing a database run it once.

use super::{JobError, JobHandler};
use app::entity::job;
use app::jobs::ssr::queue::{self, queues, NewJob};
use app::live::ssr::EventBus;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// The job's kind.
pub const PRUNE: &str = "events.prune";

const EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes events and finished jobs older than `retention`.
pub struct Prune {
    pub db: DatabaseConnection,
    pub retention: chrono::Duration,
}

#[async_trait::async_trait]
impl JobHandler for Prune {
    async fn run(&self, _job: &job::Model) -> Result<(), JobError> {
        let cutoff = Utc::now() - self.retention;
        let events = app::live::ssr::prune::prune(&self.db, cutoff).await?;
        let jobs = queue::prune_done(&self.db, cutoff).await?;
        if events + jobs > 0 {
            tracing::info!(events, jobs, "pruned old live events and finished jobs");
        }
        Ok(())
    }
}

/// Queues this hour's prune now and every hour after.
pub fn schedule(db: DatabaseConnection, events: Arc<dyn EventBus>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            let key = format!("{PRUNE}:{}", Utc::now().format("%Y-%m-%dT%H"));
            let job = NewJob::new(queues::DEFAULT, PRUNE, serde_json::json!({})).dedupe(key);
            match queue::enqueue(&db, job).await {
                Ok(enqueued) => enqueued.recorded.publish(events.as_ref()),
                Err(err) => tracing::warn!(error = %err, "could not queue the hourly prune"),
            }
        }
    });
}
