//! Refunding a cancelled order, as a job queued in the cancellation's
//! transaction: a provider that is down is retried, not forgotten.

use super::{JobError, JobHandler};
use app::checkout::payment::{PaymentError, PaymentProvider};
use app::entity::{job, order};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
struct Payload {
    order: i32,
}

/// Gives a cancelled order's payment back through the provider, which
/// refunds a charge at most once however often it is asked.
pub struct Refund {
    pub db: DatabaseConnection,
    pub payments: Arc<dyn PaymentProvider>,
}

#[async_trait::async_trait]
impl JobHandler for Refund {
    async fn run(&self, job: &job::Model) -> Result<(), JobError> {
        let payload: Payload = serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("payload: {e}")))?;
        let order = order::Entity::find_by_id(payload.order)
            .one(&self.db)
            .await?
            .ok_or_else(|| JobError::Permanent(format!("order {} does not exist", payload.order)))?;
        match self.payments.refund(&order.payment_reference).await {
            Ok(()) => Ok(()),
            Err(err @ PaymentError::UnknownCharge(_)) => Err(JobError::Permanent(err.to_string())),
            Err(err) => Err(JobError::Retry(err.to_string())),
        }
    }

    async fn dead(&self, job: &job::Model) {
        tracing::error!(job = job.id, payload = %job.payload, "REFUND FAILED for a cancelled order: refund by hand, then discard the job");
    }
}
