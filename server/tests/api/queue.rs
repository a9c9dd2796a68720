//! The job queue on the real database: retries with backoff, dead after
//! the last attempt, a dead worker's job run again once its lease runs
//! out, graceful shutdown, and several runners (as several instances on
//! one database) never running the same job twice.

use crate::checkout::scalar;
use crate::helpers::{on_both_backends, TestApp};
use app::entity::job::{self, JobStatus};
use app::jobs::ssr::queue::{self, NewJob};
use app::live::ssr::InProcessBus;
use app::mail::ssr::{enqueue, Email};
use sea_orm::{EntityTrait, TransactionTrait};
use server::jobs::{Handlers, JobError, JobHandler, JobsConfig, Runner};
use server::mail::job::SendEmail;
use server::mail::{MailError, Mailer, OutgoingEmail};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A queue the server's own runner never touches.
const TEST_QUEUE: &str = "test";
const KIND: &str = "test.job";

fn fast() -> JobsConfig {
    JobsConfig { backoff: Duration::from_millis(10), poll: Duration::from_millis(50), lease: Duration::from_secs(2), ..JobsConfig::default() }
}

/// Fails its first `failures` runs, then succeeds; counts runs and deaths.
#[derive(Default, Clone)]
struct Flaky {
    failures: usize,
    permanent: bool,
    runs: Arc<AtomicUsize>,
    deaths: Arc<AtomicUsize>,
    /// How long each run takes.
    takes: Duration,
}

#[async_trait::async_trait]
impl JobHandler for Flaky {
    async fn run(&self, _job: &job::Model) -> Result<(), JobError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.takes).await;
        match run <= self.failures {
            true if self.permanent => Err(JobError::Permanent(format!("refused on run {run}"))),
            true => Err(JobError::Retry(format!("failed on run {run}"))),
            false => Ok(()),
        }
    }

    async fn dead(&self, _job: &job::Model) {
        self.deaths.fetch_add(1, Ordering::SeqCst);
    }
}

async fn add_job(app: &TestApp) -> i32 {
    let enqueued = queue::enqueue(&app.db, NewJob::new(TEST_QUEUE, KIND, serde_json::json!({ "n": 1 }))).await.expect("enqueue");
    enqueued.id.expect("a new job")
}

fn start(app: &TestApp, handler: Flaky, config: JobsConfig) -> (Runner, Arc<InProcessBus>) {
    let bus = Arc::new(InProcessBus::default());
    let runner = Runner::start(app.db.clone(), bus.as_ref(), config, Handlers::default().with(KIND, handler), &[TEST_QUEUE]);
    (runner, bus)
}

async fn job_row(app: &TestApp, id: i32) -> job::Model {
    job::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("the job")
}

/// Waits until job `id` is in `status`.
async fn wait_for(app: &TestApp, id: i32, status: JobStatus) -> job::Model {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = job_row(app, id).await;
        if row.status == status {
            return row;
        }
        assert!(Instant::now() < deadline, "job {id} never became {status:?}: {row:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_job_that_fails_twice_then_succeeds_runs_three_times(app: TestApp) {
    let flaky = Flaky { failures: 2, ..Flaky::default() };
    let id = add_job(&app).await;
    let (runner, _bus) = start(&app, flaky.clone(), fast());
    let done = wait_for(&app, id, JobStatus::Done).await;
    assert_eq!(done.attempts, 3, "three attempts recorded");
    assert_eq!(flaky.runs.load(Ordering::SeqCst), 3);
    assert_eq!(done.last_error, None, "success clears the error");
    assert!(done.finished_at.is_some());
    runner.shutdown().await;
}

async fn a_job_that_always_fails_is_dead_after_three_attempts(app: TestApp) {
    let flaky = Flaky { failures: usize::MAX, ..Flaky::default() };
    let id = add_job(&app).await;
    let (runner, _bus) = start(&app, flaky.clone(), fast());
    let dead = wait_for(&app, id, JobStatus::Dead).await;
    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.last_error.as_deref(), Some("failed on run 3"));
    runner.shutdown().await;
    assert_eq!(flaky.runs.load(Ordering::SeqCst), 3, "never run after it died");
    assert_eq!(flaky.deaths.load(Ordering::SeqCst), 1, "told once that it died");
}

async fn a_permanent_failure_is_dead_at_once(app: TestApp) {
    let flaky = Flaky { failures: usize::MAX, permanent: true, ..Flaky::default() };
    let id = add_job(&app).await;
    let (runner, _bus) = start(&app, flaky.clone(), fast());
    let dead = wait_for(&app, id, JobStatus::Dead).await;
    assert_eq!((dead.attempts, flaky.runs.load(Ordering::SeqCst)), (1, 1));
    runner.shutdown().await;
}

async fn a_job_whose_worker_died_runs_again_once_its_lease_expires(app: TestApp) {
    let id = add_job(&app).await;
    // A worker claims it and dies: nothing extends the lease or finishes it.
    let dead_worker = queue::claim(&app.db, TEST_QUEUE, "dead-worker:1", 10, chrono::Duration::milliseconds(300)).await.expect("claim");
    assert_eq!(dead_worker.len(), 1);
    assert_eq!(job_row(&app, id).await.status, JobStatus::Running);
    let flaky = Flaky::default();
    let (runner, _bus) = start(&app, flaky.clone(), fast());
    let done = wait_for(&app, id, JobStatus::Done).await;
    assert_eq!(flaky.runs.load(Ordering::SeqCst), 1, "its effect happened once");
    assert_eq!(done.attempts, 2, "the dead worker's attempt counts");
    // The dead worker coming back cannot overwrite the outcome.
    assert!(!queue::complete(&app.db, &dead_worker[0]).await.expect("complete"), "a lost claim records nothing");
    let failed = queue::fail(&app.db, &dead_worker[0], "late", false, chrono::Duration::zero()).await.expect("fail");
    assert_eq!(failed, queue::Failure::Lost);
    assert_eq!(job_row(&app, id).await.status, JobStatus::Done);
    runner.shutdown().await;
}

async fn a_long_job_keeps_its_lease(app: TestApp) {
    // Runs for three leases: extended meanwhile, so no second worker runs it.
    let slow = Flaky { takes: Duration::from_millis(1_500), ..Flaky::default() };
    let id = add_job(&app).await;
    let config = JobsConfig { lease: Duration::from_millis(500), ..fast() };
    let (first, _a) = start(&app, slow.clone(), config.clone());
    let (second, _b) = start(&app, slow.clone(), config);
    wait_for(&app, id, JobStatus::Done).await;
    assert_eq!(slow.runs.load(Ordering::SeqCst), 1, "ran once although it outlived its first lease");
    first.shutdown().await;
    second.shutdown().await;
}

async fn shutdown_lets_the_running_job_finish_and_leaves_the_rest(app: TestApp) {
    let slow = Flaky { takes: Duration::from_millis(400), ..Flaky::default() };
    let ids = [add_job(&app).await, add_job(&app).await, add_job(&app).await];
    let (runner, _bus) = start(&app, slow.clone(), JobsConfig { workers: 1, ..fast() });
    wait_for(&app, ids[0], JobStatus::Running).await;
    runner.shutdown().await;
    assert_eq!(job_row(&app, ids[0]).await.status, JobStatus::Done, "the running job finished");
    for id in &ids[1..] {
        assert_eq!(job_row(&app, *id).await.status, JobStatus::Pending, "job {id} waits for the next start");
    }
}

/// Counts what it is asked to send, slowly, so workers overlap.
#[derive(Default)]
struct CountingMailer {
    sent: Mutex<Vec<i32>>,
}

#[async_trait::async_trait]
impl Mailer for CountingMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.sent.lock().map_err(|_| MailError::Message("poisoned".into()))?.push(email.id);
        Ok(())
    }
}

async fn three_runners_never_send_the_same_email(app: TestApp) {
    const EMAILS: usize = 60;
    let (first, second) = (Arc::new(CountingMailer::default()), Arc::new(CountingMailer::default()));
    let bus = Arc::new(InProcessBus::default());
    let runner = |mailer: Arc<CountingMailer>| {
        let handler = SendEmail { db: app.db.clone(), mailer, from: "shop@example.com".into() };
        let handlers = Handlers::default().with(app::mail::ssr::SEND_EMAIL, handler);
        Runner::start(app.db.clone(), bus.as_ref(), fast(), handlers, &[app::jobs::ssr::queue::queues::DEFAULT])
    };
    let (a, b) = (runner(first.clone()), runner(second.clone()));
    let txn = app.db.begin().await.expect("begin");
    for n in 0..EMAILS {
        let recorded = enqueue(&txn, Email { to: format!("reader{n}@example.com"), subject: format!("Note {n}"), body: "Hello".into() })
            .await
            .expect("enqueue");
        // Published to our runners' bus; the server's own finds them on its poll.
        recorded.publish(bus.as_ref());
    }
    txn.commit().await.expect("commit");
    let deadline = Instant::now() + Duration::from_secs(20);
    while scalar(&app, "SELECT COUNT(*) FROM outbox_emails WHERE status = 'sent'").await < EMAILS as i64 {
        assert!(Instant::now() < deadline, "every email is sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.shutdown().await;
    b.shutdown().await;
    let mut times_sent: HashMap<i32, usize> = HashMap::new();
    for id in first.sent.lock().expect("lock").iter().chain(second.sent.lock().expect("lock").iter()) {
        *times_sent.entry(*id).or_default() += 1;
    }
    // The server's runner (a third) writes what it sends as files.
    for entry in std::fs::read_dir(app.outbox.path()).map(|dir| dir.filter_map(Result::ok).collect::<Vec<_>>()).unwrap_or_default() {
        if let Some(id) = entry.file_name().to_string_lossy().strip_suffix(".eml").and_then(|n| n.parse::<i32>().ok()) {
            *times_sent.entry(id).or_default() += 1;
        }
    }
    assert!(times_sent.values().all(|n| *n == 1), "every email sent once: {times_sent:?}");
    assert_eq!(times_sent.len(), EMAILS, "and none lost");
    // The server's own runner is still running: an email it has just sent
    // has its job finished a moment later.
    let unfinished = "SELECT COUNT(*) FROM jobs WHERE kind = 'email.send' AND status <> 'done'";
    while scalar(&app, unfinished).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(scalar(&app, unfinished).await, 0);
}

on_both_backends!(
    a_job_that_fails_twice_then_succeeds_runs_three_times,
    a_job_that_always_fails_is_dead_after_three_attempts,
    a_permanent_failure_is_dead_at_once,
    a_job_whose_worker_died_runs_again_once_its_lease_expires,
    a_long_job_keeps_its_lease,
    shutdown_lets_the_running_job_finish_and_leaves_the_rest,
    three_runners_never_send_the_same_email,
);
