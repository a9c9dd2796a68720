//! Settling a checkout that never heard its charge's answer (a provider
//! timeout, a crash between charge and confirmation), as a job queued in
//! the reservation's transaction: `app::checkout::settle` does the work.

use super::{JobError, JobHandler};
use app::checkout::settle::{settle, SettleError};
use app::checkout::payment::PaymentProvider;
use app::entity::job;
use app::live::ssr::EventBus;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
struct Payload {
    order: i32,
}

/// Asks the provider whether a reserved order was paid, then confirms or
/// releases it.
pub struct Settle {
    pub db: DatabaseConnection,
    pub payments: Arc<dyn PaymentProvider>,
    pub events: Arc<dyn EventBus>,
}

#[async_trait::async_trait]
impl JobHandler for Settle {
    async fn run(&self, job: &job::Model) -> Result<(), JobError> {
        let payload: Payload = serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("payload: {e}")))?;
        match settle(&self.db, self.payments.as_ref(), self.events.as_ref(), payload.order).await {
            Ok(settlement) => {
                tracing::info!(order = payload.order, ?settlement, "checkout settled by the recovery job");
                Ok(())
            }
            Err(SettleError::Db(err)) => Err(err.into()),
            Err(err) => Err(JobError::Retry(err.to_string())),
        }
    }

    async fn dead(&self, job: &job::Model) {
        tracing::error!(job = job.id, payload = %job.payload, "CHECKOUT NOT SETTLED: once the payment provider answers again, Retry this job on /admin/jobs");
    }
}
