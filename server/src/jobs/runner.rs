//! The workers. Each queue has a loop that claims as many due jobs as it
//! has free workers, runs each under a lease it keeps extending, and
//! records the outcome: done, failed (retried after a backoff with
//! jitter) or dead. It wakes when a job is queued (`JOB_QUEUED`, published
//! after the enqueueing commit), when a worker frees up, when a retry falls
//! due, and on a poll for jobs queued by another instance.

use super::JobsConfig;
use app::entity::job;
use app::jobs::ssr::queue::{self, Claim, Failure};
use app::live::protocol::{EventBody, LiveEvent};
use app::live::ssr::EventBus;
use rand::Rng;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{broadcast, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a mail server down, a busy database).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (a payload that names nothing): dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<sea_orm::DbErr> for JobError {
    fn from(err: sea_orm::DbErr) -> Self {
        JobError::Retry(format!("database: {err}"))
    }
}

impl From<app::error::AppError> for JobError {
    fn from(err: app::error::AppError) -> Self {
        JobError::Retry(err.to_string())
    }
}

/// Runs one kind of job. A handler must tolerate running a job again
/// after a crash between its effect and the job's completion (at least
/// once): each of ours checks whether its effect already happened.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync {
    async fn run(&self, job: &job::Model) -> Result<(), JobError>;

    /// Called once when the job goes dead, to mark what it was for.
    async fn dead(&self, _job: &job::Model) {}
}

/// The handler of each job kind.
#[derive(Default, Clone)]
pub struct Handlers(HashMap<&'static str, Arc<dyn JobHandler>>);

impl Handlers {
    /// Runs jobs of `kind` with `handler`.
    pub fn with(mut self, kind: &'static str, handler: impl JobHandler + 'static) -> Self {
        self.0.insert(kind, Arc::new(handler));
        self
    }
}

/// What every worker shares.
struct Shared {
    db: DatabaseConnection,
    handlers: Handlers,
    config: JobsConfig,
    /// `config.lease`, as the queue's operations take it.
    lease: chrono::Duration,
    /// Names this process's claims: `{name}:{n}`.
    name: String,
    claims: AtomicU64,
}

/// The running workers of every queue.
pub struct Runner {
    stop: watch::Sender<bool>,
    queues: Vec<tokio::task::JoinHandle<()>>,
}

impl Runner {
    /// Starts the workers of `queues` on `db`, woken by `bus` (the server
    /// runs every queue, `queues::ALL`).
    pub fn start(db: DatabaseConnection, bus: &dyn EventBus, config: JobsConfig, handlers: Handlers, queues: &[&'static str]) -> Runner {
        let name = format!("{}-{:08x}", std::process::id(), rand::thread_rng().gen::<u32>());
        let lease = chrono::Duration::from_std(config.lease).unwrap_or(chrono::Duration::seconds(30));
        let shared = Arc::new(Shared { db, handlers, config, lease, name, claims: AtomicU64::new(0) });
        let (stop, stopped) = watch::channel(false);
        let queues = queues
            .iter()
            .copied()
            .map(|queue| tokio::spawn(run_queue(shared.clone(), queue, bus.subscribe(), stopped.clone())))
            .collect();
        Runner { stop, queues }
    }

    /// Stops claiming, lets running jobs finish for the configured grace
    /// period, and leaves the rest (their leases run out) and every job
    /// not yet claimed for the next start.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for queue in self.queues {
            if let Err(err) = queue.await {
                tracing::warn!(error = %err, "a job queue's loop ended abnormally");
            }
        }
    }
}

/// Waits for a `JOB_QUEUED` on `queue`.
async fn queued(events: &mut broadcast::Receiver<Arc<LiveEvent>>, queue: &str) {
    loop {
        match events.recv().await {
            Ok(event) if matches!(&event.body, EventBody::JobQueued { queue: q } if q == queue) => return,
            Ok(_) => {}
            // Missed some: one of them may have been a job.
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

async fn run_queue(shared: Arc<Shared>, queue: &'static str, mut events: broadcast::Receiver<Arc<LiveEvent>>, mut stop: watch::Receiver<bool>) {
    let workers = Arc::new(Semaphore::new(shared.config.workers_for(queue)));
    let mut running: JoinSet<Option<Instant>> = JoinSet::new();
    // The earliest retry this loop scheduled, so a short backoff is not
    // stretched to the poll interval.
    let mut next_retry: Option<Instant> = None;
    while !*stop.borrow() {
        let free = workers.available_permits();
        if free > 0 {
            let token = format!("{}:{}", shared.name, shared.claims.fetch_add(1, Ordering::Relaxed));
            match queue::claim(&shared.db, queue, &token, u64::try_from(free).unwrap_or(1), shared.lease).await {
                Ok(claims) => {
                    for claim in claims {
                        let Ok(permit) = workers.clone().try_acquire_owned() else { break };
                        running.spawn(run_one(shared.clone(), claim, permit));
                    }
                }
                Err(err) => tracing::warn!(queue, error = %err, "could not claim jobs"),
            }
        }
        let poll = Instant::now() + shared.config.poll;
        let wake_at = next_retry.map_or(poll, |retry| retry.min(poll));
        tokio::select! {
            _ = stop.changed() => {}
            () = queued(&mut events, queue) => {}
            Some(done) = running.join_next(), if !running.is_empty() => {
                if let Ok(Some(retry)) = done {
                    next_retry = Some(next_retry.map_or(retry, |r| r.min(retry)));
                }
            }
            () = tokio::time::sleep_until(wake_at) => {
                if next_retry.is_some_and(|r| r <= Instant::now()) {
                    next_retry = None;
                }
            }
        }
    }
    let grace = shared.config.shutdown_grace;
    if tokio::time::timeout(grace, async { while running.join_next().await.is_some() {} }).await.is_err() {
        tracing::warn!(queue, still_running = running.len(), "shutting down: jobs still running are left to their leases");
        running.abort_all();
    }
}

/// Runs one claimed job and records its outcome; returns when it is due
/// again if it failed and will be retried.
async fn run_one(shared: Arc<Shared>, claim: Claim, _worker: OwnedSemaphorePermit) -> Option<Instant> {
    let job = &claim.job;
    let handler = shared.handlers.0.get(job.kind.as_str()).cloned();
    let outcome = match &handler {
        // Claimed again after its worker died on the last attempt.
        _ if job.attempts > job.max_attempts => {
            Err(JobError::Permanent(format!("its worker stopped during the last of {} attempts", job.max_attempts)))
        }
        None => Err(JobError::Permanent(format!("no handler for jobs of kind {}", job.kind))),
        Some(handler) => with_lease(&shared, &claim, handler.run(job)).await,
    };
    let result = match outcome {
        Ok(()) => queue::complete(&shared.db, &claim).await.map(|held| {
            if !held {
                tracing::warn!(job = job.id, kind = %job.kind, "job finished after its lease was taken over");
            }
            None
        }),
        Err(err) => {
            let permanent = matches!(err, JobError::Permanent(_));
            let jitter = rand::thread_rng().gen_range(-0.25..=0.25);
            let backoff = queue::backoff(shared.config.backoff, job.attempts, jitter);
            match queue::fail(&shared.db, &claim, &err.to_string(), permanent, backoff).await {
                Ok(Failure::Retry(_)) => {
                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %err, "job failed; will retry");
                    Ok(Some(Instant::now() + backoff.to_std().unwrap_or_default()))
                }
                Ok(Failure::Dead) => {
                    tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %err, "job is dead: see /admin/jobs");
                    if let Some(handler) = &handler {
                        handler.dead(job).await;
                    }
                    Ok(None)
                }
                Ok(Failure::Lost) => Ok(None),
                Err(db) => Err(db),
            }
        }
    };
    result.unwrap_or_else(|err| {
        // Its lease runs out and the job runs again.
        tracing::warn!(job = job.id, error = %err, "could not record a job's outcome");
        None
    })
}

/// Runs `work`, extending `claim`'s lease every third of it meanwhile.
async fn with_lease(shared: &Shared, claim: &Claim, work: impl std::future::Future<Output = Result<(), JobError>>) -> Result<(), JobError> {
    let renew_every = shared.config.lease / 3;
    let mut renew = tokio::time::interval_at(Instant::now() + renew_every, renew_every);
    tokio::pin!(work);
    loop {
        tokio::select! {
            outcome = &mut work => return outcome,
            _ = renew.tick() => match queue::extend(&shared.db, claim, shared.lease).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(job = claim.job.id, "lost a running job's lease"),
                Err(err) => tracing::warn!(job = claim.job.id, error = %err, "could not extend a job's lease"),
            },
        }
    }
}
