//! How the job queue's workers run (`BAZAAR_JOBS_*`).

use crate::config::{number_from_env, EnvValueError};
use app::jobs::ssr::queue::queues;
use std::time::Duration;

/// The runner's settings; every one has a documented default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsConfig {
    /// Jobs run at once on each queue (`BAZAAR_JOBS_WORKERS`, default 5).
    pub workers: usize,
    /// Queues with a number of their own (`BAZAAR_JOBS_WORKERS_SHOPIFY`,
    /// `BAZAAR_JOBS_WORKERS_DEFAULT`).
    pub queue_workers: Vec<(String, usize)>,
    /// The first retry's delay, doubled for each further attempt
    /// (`BAZAAR_JOBS_BACKOFF_MS`, default 2000).
    pub backoff: Duration,
    /// How long a claim keeps other workers off a job; a running job
    /// extends it every third of it (`BAZAAR_JOBS_LEASE_SECS`, default 30).
    pub lease: Duration,
    /// How often due jobs are looked for when nothing announces one
    /// (`BAZAAR_JOBS_POLL_MS`, default 1000).
    pub poll: Duration,
    /// How long a shutdown waits for running jobs before leaving them to
    /// the next start (`BAZAAR_JOBS_SHUTDOWN_SECS`, default 10).
    pub shutdown_grace: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            workers: 5,
            queue_workers: Vec::new(),
            backoff: Duration::from_secs(2),
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl JobsConfig {
    /// How many jobs of `queue` run at once.
    pub fn workers_for(&self, queue: &str) -> usize {
        self.queue_workers.iter().find(|(q, _)| q == queue).map_or(self.workers, |(_, n)| *n)
    }

    /// The defaults, changed by whichever variables are set.
    pub fn from_env() -> Result<Self, EnvValueError> {
        let defaults = JobsConfig::default();
        let workers = |n: u64| usize::try_from(n.clamp(1, 256)).unwrap_or(5);
        let mut queue_workers = Vec::new();
        for (queue, name) in [(queues::SHOPIFY, "BAZAAR_JOBS_WORKERS_SHOPIFY"), (queues::DEFAULT, "BAZAAR_JOBS_WORKERS_DEFAULT")] {
            if let Some(n) = number_from_env(name)? {
                queue_workers.push((queue.to_string(), workers(n)));
            }
        }
        Ok(JobsConfig {
            workers: number_from_env("BAZAAR_JOBS_WORKERS")?.map_or(defaults.workers, workers),
            queue_workers,
            backoff: number_from_env("BAZAAR_JOBS_BACKOFF_MS")?.map_or(defaults.backoff, |ms| Duration::from_millis(ms.max(1))),
            lease: number_from_env("BAZAAR_JOBS_LEASE_SECS")?.map_or(defaults.lease, |s| Duration::from_secs(s.max(1))),
            poll: number_from_env("BAZAAR_JOBS_POLL_MS")?.map_or(defaults.poll, |ms| Duration::from_millis(ms.max(10))),
            shutdown_grace: number_from_env("BAZAAR_JOBS_SHUTDOWN_SECS")?.map_or(defaults.shutdown_grace, Duration::from_secs),
        })
    }
}
