//! A unit of background work in the job queue (see `crate::jobs`).

use sea_orm::entity::prelude::*;

/// Where a job is. Stored by its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum JobStatus {
    /// Waiting for a worker, due at `run_at`.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// A worker holds it until `lease_until`; after that another may take it.
    #[sea_orm(string_value = "running")]
    Running,
    /// Its last attempt failed; it runs again at `run_at`.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Out of attempts; waits for a person to retry or discard it.
    #[sea_orm(string_value = "dead")]
    Dead,
    #[sea_orm(string_value = "done")]
    Done,
}

/// A job row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Which workers run it (each queue has its own concurrency).
    pub queue: String,
    /// Which handler runs it, e.g. `shopify.order`.
    pub kind: String,
    /// The handler's input, as JSON.
    pub payload: String,
    pub status: JobStatus,
    /// Attempts started so far (a claim counts one).
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    /// The worker holding (or that last held) the lease.
    pub worker: Option<String>,
    pub last_error: Option<String>,
    /// At most one job per key.
    pub dedupe_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
