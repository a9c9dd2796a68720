//! What `/admin/jobs` reads and does: counts per status, the failed and
//! dead jobs, the latest webhook deliveries, and a person's Retry and
//! Discard. Both actions are audited in `audit_log` in the transaction
//! that makes the change, and both touch only a job that is failed or dead
//! at that moment (a worker may have claimed a failed job meanwhile).

use super::queue::wake;
use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::entity::job::{self, JobStatus};
use crate::entity::webhook_delivery::{self, DeliveryResult};
use crate::entity::audit_log;
use crate::error::AppError;
use crate::jobs::model::{DeliveryOutcome, DeliveryRow, JobCounts, JobRow, JobState, JobsSnapshot, LIST_LIMIT};
use crate::live::ssr::Recorded;
use crate::orders::change::timestamp;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The audit actions of Retry and Discard.
const RETRY: &str = "job.retry";
const DISCARD: &str = "job.discard";

/// The audit subject of job `id`.
fn subject(id: i32) -> String {
    format!("job:{id}")
}

/// The states a person may retry or discard.
const ATTENTION: [JobStatus; 2] = [JobStatus::Failed, JobStatus::Dead];

impl From<JobStatus> for JobState {
    fn from(status: JobStatus) -> Self {
        match status {
            JobStatus::Pending => JobState::Pending,
            JobStatus::Running => JobState::Running,
            JobStatus::Failed => JobState::Failed,
            JobStatus::Dead => JobState::Dead,
            JobStatus::Done => JobState::Done,
        }
    }
}

impl From<DeliveryResult> for DeliveryOutcome {
    fn from(result: DeliveryResult) -> Self {
        match result {
            DeliveryResult::Queued => DeliveryOutcome::Queued,
            DeliveryResult::Applied => DeliveryOutcome::Applied,
            DeliveryResult::Stale => DeliveryOutcome::Stale,
            DeliveryResult::Ignored => DeliveryOutcome::Ignored,
            DeliveryResult::Malformed => DeliveryOutcome::Malformed,
            DeliveryResult::Failed => DeliveryOutcome::Failed,
        }
    }
}

impl From<job::Model> for JobRow {
    fn from(row: job::Model) -> Self {
        JobRow {
            id: row.id,
            queue: row.queue,
            kind: row.kind,
            webhook_id: None,
            status: row.status.into(),
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            retries: 0,
            last_error: row.last_error,
            payload: row.payload,
            run_at: timestamp(row.run_at),
            updated_at: timestamp(row.updated_at),
        }
    }
}

/// Jobs per status (done jobs are not counted: they are pruned).
pub async fn counts(db: &impl ConnectionTrait) -> Result<JobCounts, AppError> {
    let rows: Vec<(JobStatus, i64)> = job::Entity::find()
        .select_only()
        .column(job::Column::Status)
        .column_as(Expr::col(job::Column::Id).count(), "n")
        .filter(job::Column::Status.ne(JobStatus::Done))
        .group_by(job::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = JobCounts::default();
    for (status, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match status {
            JobStatus::Pending => counts.pending = n,
            JobStatus::Running => counts.running = n,
            JobStatus::Failed => counts.failed = n,
            JobStatus::Dead => counts.dead = n,
            JobStatus::Done => {}
        }
    }
    Ok(counts)
}

/// Failed and dead jobs, the most recently changed first.
pub async fn needing_attention(db: &impl ConnectionTrait) -> Result<Vec<JobRow>, AppError> {
    let rows = job::Entity::find()
        .filter(job::Column::Status.is_in(ATTENTION))
        .order_by_desc(job::Column::UpdatedAt)
        .order_by_desc(job::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    let mut jobs: Vec<JobRow> = rows.into_iter().map(JobRow::from).collect();
    let webhooks: HashMap<i32, String> = webhook_delivery::Entity::find()
        .select_only()
        .columns([webhook_delivery::Column::JobId, webhook_delivery::Column::WebhookId])
        .filter(webhook_delivery::Column::JobId.is_in(jobs.iter().map(|job| job.id)))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let retries: HashMap<String, i64> = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Subject)
        .column_as(Expr::col(audit_log::Column::Id).count(), "n")
        .filter(audit_log::Column::Action.eq(RETRY))
        .filter(audit_log::Column::Subject.is_in(jobs.iter().map(|job| subject(job.id))))
        .group_by(audit_log::Column::Subject)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for job in &mut jobs {
        job.webhook_id = webhooks.get(&job.id).cloned();
        job.retries = retries.get(&subject(job.id)).map_or(0, |&n| u32::try_from(n).unwrap_or(u32::MAX));
    }
    Ok(jobs)
}

/// A delivery's listed columns: webhook id, topic, received, result, error.
type DeliveryColumns = (String, String, DateTime<Utc>, DeliveryResult, Option<String>);

/// The latest webhook deliveries, newest first, without their bodies.
pub async fn deliveries(db: &impl ConnectionTrait) -> Result<Vec<DeliveryRow>, AppError> {
    let rows: Vec<DeliveryColumns> = webhook_delivery::Entity::find()
        .select_only()
        .columns([
            webhook_delivery::Column::WebhookId,
            webhook_delivery::Column::Topic,
            webhook_delivery::Column::ReceivedAt,
            webhook_delivery::Column::Result,
            webhook_delivery::Column::Error,
        ])
        .order_by_desc(webhook_delivery::Column::ReceivedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(LIST_LIMIT)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(webhook_id, topic, received_at, result, error)| DeliveryRow {
            webhook_id,
            topic,
            received_at: timestamp(received_at),
            result: result.into(),
            error,
        })
        .collect())
}

/// Everything the page shows.
pub async fn overview(db: &impl ConnectionTrait) -> Result<JobsSnapshot, AppError> {
    Ok(JobsSnapshot { counts: counts(db).await?, attention: needing_attention(db).await?, deliveries: deliveries(db).await? })
}

/// Job `id` if a person may act on it now: `NotFound` when it is gone,
/// `Conflict` when it is not failed or dead.
async fn actionable(db: &impl ConnectionTrait, id: i32, verb: &str) -> Result<job::Model, AppError> {
    let row = job::Entity::find_by_id(id).one(db).await?.ok_or_else(|| AppError::NotFound(format!("Job #{id}")))?;
    if ATTENTION.contains(&row.status) {
        Ok(row)
    } else {
        Err(refused(id, JobState::from(row.status), verb))
    }
}

fn refused(id: i32, state: JobState, verb: &str) -> AppError {
    AppError::Conflict(format!(
        "Job #{id} is {}: only failed or dead jobs can be {verb}.",
        state.label().to_lowercase()
    ))
}

/// Records what `actor` did to job `row`.
async fn audit(db: &impl ConnectionTrait, actor: &CurrentUser, action: &str, row: &job::Model, now: DateTime<Utc>) -> Result<(), AppError> {
    let detail = format!(
        "{} on queue {}, {} after {} of {} attempts{}",
        row.kind,
        row.queue,
        JobState::from(row.status).label().to_lowercase(),
        row.attempts,
        row.max_attempts,
        row.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default(),
    );
    audit_log::ActiveModel {
        id: NotSet,
        actor_id: Set(Some(actor.id)),
        action: Set(action.to_string()),
        subject: Set(subject(row.id)),
        detail: Set(detail),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Queues failed or dead job `id` again from its first attempt, due now:
/// its lease is cleared and its last error kept until the next attempt.
/// Returns the wake-up to publish once committed, so a worker takes it at
/// once.
pub async fn retry(db: &DatabaseConnection, actor: &CurrentUser, id: i32) -> Result<Recorded, AppError> {
    let txn = begin_write(db).await?;
    let row = actionable(&txn, id, "retried").await?;
    let now = Utc::now();
    let changed = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Pending))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::LeaseUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(job::Column::Worker, Expr::value(None::<String>))
        .col_expr(job::Column::FinishedAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.is_in(ATTENTION))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        // A worker claimed it between the read and the update.
        return Err(refused(id, JobState::Running, "retried"));
    }
    // Its delivery is waiting on the job again.
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Result, Expr::value(DeliveryResult::Queued))
        .filter(webhook_delivery::Column::JobId.eq(id))
        .filter(webhook_delivery::Column::Result.eq(DeliveryResult::Failed))
        .exec(&txn)
        .await?;
    audit(&txn, actor, RETRY, &row, now).await?;
    let wake_up = wake(&row.queue);
    txn.commit().await?;
    Ok(wake_up)
}

/// Deletes failed or dead job `id` for good (its delivery, if any, stays
/// and keeps its result).
pub async fn discard(db: &DatabaseConnection, actor: &CurrentUser, id: i32) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let row = actionable(&txn, id, "discarded").await?;
    let deleted = job::Entity::delete_many()
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.is_in(ATTENTION))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(refused(id, JobState::Running, "discarded"));
    }
    audit(&txn, actor, DISCARD, &row, Utc::now()).await?;
    txn.commit().await?;
    Ok(())
}
