//! The job table's operations. A job is enqueued in the transaction of the
//! change that causes it; a worker claims due jobs in one atomic statement
//! for a lease it keeps extending while it runs; a job whose worker died is
//! claimed again once its lease has run out. The outcome of an attempt is
//! written only by the claim that still holds the job, so a worker that
//! lost its lease can never overwrite the work of the one that took over.

use crate::db::write_turn;
use crate::entity::job::{self, JobStatus};
use crate::error::AppError;
use crate::live::protocol::EventBody;
use crate::live::ssr::Recorded;
use crate::live::topic::Topic;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, Statement};
use serde_json::Value;

/// The queues, each with its own workers.
pub mod queues {
    /// Emails, refunds and housekeeping.
    pub const DEFAULT: &str = "default";
    /// Shopify webhook deliveries: a burst of them never delays an email.
    pub const SHOPIFY: &str = "shopify";
    /// Every queue, for the runner to start workers for.
    pub const ALL: [&str; 2] = [DEFAULT, SHOPIFY];
}

/// Attempts before a job is dead, unless it says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 3;

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub queue: String,
    pub kind: String,
    pub payload: Value,
    pub max_attempts: i32,
    pub dedupe_key: Option<String>,
    pub run_at: Option<DateTime<Utc>>,
}

impl NewJob {
    /// A job of `kind` on `queue` with `payload`, due now, with the
    /// default attempts.
    pub fn new(queue: &str, kind: &str, payload: Value) -> Self {
        NewJob {
            queue: queue.to_string(),
            kind: kind.to_string(),
            payload,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedupe_key: None,
            run_at: None,
        }
    }

    /// Gives up after `attempts` instead.
    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Enqueued only if no job ever had `key` (an hourly prune, say).
    pub fn dedupe(mut self, key: String) -> Self {
        self.dedupe_key = Some(key);
        self
    }
}

/// What enqueueing did.
#[derive(Debug)]
#[must_use = "publish `recorded` after commit so a worker starts at once"]
pub struct Enqueued {
    /// The new job, or `None` when its dedupe key was taken.
    pub id: Option<i32>,
    /// Wakes the queue's workers once published after commit.
    pub recorded: Recorded,
}

/// Inserts `new` in `db`'s transaction.
pub async fn enqueue(db: &impl ConnectionTrait, new: NewJob) -> Result<Enqueued, AppError> {
    let now = Utc::now();
    let table = job::Entity;
    let insert = Query::insert()
        .into_table(table)
        .columns([
            job::Column::Queue,
            job::Column::Kind,
            job::Column::Payload,
            job::Column::Status,
            job::Column::Attempts,
            job::Column::MaxAttempts,
            job::Column::RunAt,
            job::Column::DedupeKey,
            job::Column::CreatedAt,
            job::Column::UpdatedAt,
        ])
        .values_panic([
            new.queue.clone().into(),
            new.kind.into(),
            new.payload.to_string().into(),
            JobStatus::Pending.into(),
            0i32.into(),
            new.max_attempts.into(),
            new.run_at.unwrap_or(now).into(),
            new.dedupe_key.into(),
            now.into(),
            now.into(),
        ])
        .on_conflict(OnConflict::column(job::Column::DedupeKey).do_nothing().to_owned())
        .returning_col(job::Column::Id)
        .to_owned();
    let id = match db.query_one(db.get_database_backend().build(&insert)).await? {
        Some(row) => Some(row.try_get_by_index::<i32>(0)?),
        None => None,
    };
    let mut recorded = Recorded::default();
    // A job due later is found by the workers' poll once due; waking them
    // now would only send them looking for nothing.
    if id.is_some() && new.run_at.is_none_or(|at| at <= now) {
        recorded.extend(wake(&new.queue));
    }
    Ok(Enqueued { id, recorded })
}

/// The signal that wakes `queue`'s workers once published after commit
/// (for a new job, or one a person made due again). It is not stored:
/// a worker that misses it finds the job on its next poll, so recording
/// it would cost every enqueue two writes, and on PostgreSQL a lock on
/// one counter row that every enqueueing transaction would queue for.
pub fn wake(queue: &str) -> Recorded {
    Recorded::signal(Topic::Jobs, EventBody::JobQueued { queue: queue.to_string() })
}

/// A job claimed by one worker: only this claim may extend its lease or
/// record its outcome.
#[derive(Debug, Clone)]
pub struct Claim {
    pub job: job::Model,
    /// Written into `jobs.worker` by this claim (unique per claim).
    pub token: String,
}

/// Parameter `n` in the backend's numbered style (repeatable in a
/// statement): `$n` on PostgreSQL, `?n` on SQLite.
fn param(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

/// Claims up to `limit` due jobs of `queue` for `lease` under `token`,
/// which must be new for every call (the runner numbers its claims). Due:
/// pending or failed with `run_at` past, or running with an expired lease
/// (its worker died). One statement: on PostgreSQL rows another worker is
/// claiming are skipped (`SKIP LOCKED`); SQLite has a single writer, so the
/// statement is atomic as it is.
pub async fn claim(db: &DatabaseConnection, queue: &str, token: &str, limit: u64, lease: Duration) -> Result<Vec<Claim>, DbErr> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let p = |n| param(backend, n);
    let skip_locked = if backend == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE jobs SET status = {running}, attempts = attempts + 1, lease_until = {lease}, worker = {token}, updated_at = {now} \
         WHERE id IN (SELECT id FROM jobs WHERE queue = {queue} AND \
           ((status IN ({pending}, {failed}) AND run_at <= {now}) OR (status = {running} AND lease_until < {now})) \
           ORDER BY run_at, id LIMIT {limit}{skip_locked}) \
         RETURNING *",
        running = p(1),
        lease = p(2),
        token = p(3),
        now = p(4),
        queue = p(5),
        pending = p(6),
        failed = p(7),
    );
    let values: [sea_orm::Value; 7] = [
        JobStatus::Running.into(),
        (now + lease).into(),
        token.into(),
        now.into(),
        queue.into(),
        JobStatus::Pending.into(),
        JobStatus::Failed.into(),
    ];
    let _turn = write_turn(db).await?;
    let mut claimed = job::Entity::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, values)).all(db).await?;
    claimed.sort_by_key(|job| job.id);
    Ok(claimed.into_iter().map(|job| Claim { job, token: token.to_string() }).collect())
}

/// The rows of `claim`'s job, while `claim` still holds it.
fn held(claim: &Claim) -> sea_orm::UpdateMany<job::Entity> {
    job::Entity::update_many()
        .filter(job::Column::Id.eq(claim.job.id))
        .filter(job::Column::Worker.eq(claim.token.clone()))
        .filter(job::Column::Status.eq(JobStatus::Running))
}

/// Extends `claim`'s lease to `lease` from now; `false` if the job was
/// lost meanwhile (the lease ran out and another worker took it).
pub async fn extend(db: &DatabaseConnection, claim: &Claim, lease: Duration) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await?;
    let updated = held(claim).col_expr(job::Column::LeaseUntil, Expr::value(Utc::now() + lease)).exec(db).await?;
    Ok(updated.rows_affected == 1)
}

/// Marks `claim`'s job done; `false` if it was lost meanwhile.
pub async fn complete(db: &DatabaseConnection, claim: &Claim) -> Result<bool, DbErr> {
    let now = Utc::now();
    let _turn = write_turn(db).await?;
    let updated = held(claim)
        .col_expr(job::Column::Status, Expr::value(JobStatus::Done))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// It runs again at this time.
    Retry(DateTime<Utc>),
    /// Out of attempts (or not worth retrying): dead.
    Dead,
    /// The claim had lost the job; nothing was written.
    Lost,
}

/// Records that `claim`'s attempt failed with `error`: dead if it was the
/// last attempt or `permanent`, else due again after `backoff`.
pub async fn fail(db: &DatabaseConnection, claim: &Claim, error: &str, permanent: bool, backoff: Duration) -> Result<Failure, DbErr> {
    let now = Utc::now();
    let dead = permanent || claim.job.attempts >= claim.job.max_attempts;
    let retry_at = now + backoff;
    let mut update = held(claim)
        .col_expr(job::Column::Status, Expr::value(if dead { JobStatus::Dead } else { JobStatus::Failed }))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::LastError, Expr::value(error.chars().take(2000).collect::<String>()))
        .col_expr(job::Column::UpdatedAt, Expr::value(now));
    if dead {
        update = update.col_expr(job::Column::FinishedAt, Expr::value(now));
    } else {
        update = update.col_expr(job::Column::RunAt, Expr::value(retry_at));
    }
    let _turn = write_turn(db).await?;
    Ok(match update.exec(db).await?.rows_affected {
        0 => Failure::Lost,
        _ if dead => Failure::Dead,
        _ => Failure::Retry(retry_at),
    })
}

/// Deletes jobs that finished (done) before `cutoff`; returns how many.
/// Dead jobs stay until a person retries or discards them.
pub async fn prune_done(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let _turn = write_turn(db).await?;
    let deleted = job::Entity::delete_many()
        .filter(job::Column::Status.eq(JobStatus::Done))
        .filter(job::Column::FinishedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// The delay before attempt `attempts + 1`: `base` doubled per attempt
/// (at most an hour), with ±25 % jitter so jobs that failed together do
/// not all come back together.
pub fn backoff(base: std::time::Duration, attempts: i32, jitter: f64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let millis = u64::try_from(base.as_millis()).unwrap_or(u64::MAX).saturating_mul(1u64 << exponent).min(3_600_000);
    // Jitter is a fraction in [-0.25, 0.25] chosen by the caller.
    let jittered = (millis as f64 * (1.0 + jitter.clamp(-0.25, 0.25))) as i64;
    Duration::milliseconds(jittered.max(1))
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_with_bounded_jitter_up_to_an_hour() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 1, 0.0).num_milliseconds(), 2_000);
        assert_eq!(backoff(base, 2, 0.0).num_milliseconds(), 4_000);
        assert_eq!(backoff(base, 3, 0.25).num_milliseconds(), 10_000);
        assert_eq!(backoff(base, 3, -0.9).num_milliseconds(), 6_000, "jitter is clamped to a quarter");
        assert_eq!(backoff(base, 40, 0.0).num_milliseconds(), 3_600_000);
    }
}
