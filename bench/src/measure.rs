//! Running a load phase against one target and collecting statistics.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use tokio::task::JoinSet;

use crate::{
    args::StopRule,
    client::{Connection, Sample},
    error::{BenchError, RequestError},
    target::Target,
};

/// Histogram range: 1 µs .. 1 h, 3 significant digits (0.1 % error).
const HIST_MAX_US: u64 = 3_600_000_000;
const HIST_SIGFIG: u8 = 3;
/// Pause after a failed connect, so a dead target does not spin the CPU.
const CONNECT_BACKOFF: Duration = Duration::from_millis(10);

/// Everything measured during one phase (per worker, then merged).
#[derive(Debug, Clone)]
pub struct Stats {
    /// Time to first byte (response head), microseconds.
    pub ttfb_us: Histogram<u64>,
    /// Full response time, microseconds.
    pub total_us: Histogram<u64>,
    /// Completed responses (any status).
    pub responses: u64,
    /// Completed responses whose status was not 2xx.
    pub non_2xx: u64,
    /// Failed attempts (connect, I/O, timeout).
    pub errors: u64,
    /// Body bytes over all completed responses.
    pub body_bytes: u64,
    /// TCP connections opened.
    pub connections: u64,
    /// The first error seen, for diagnosis.
    pub first_error: Option<String>,
}

impl Stats {
    /// Empty statistics.
    pub fn new() -> Result<Self, BenchError> {
        let hist = || Histogram::new_with_bounds(1, HIST_MAX_US, HIST_SIGFIG);
        Ok(Self {
            ttfb_us: hist()?,
            total_us: hist()?,
            responses: 0,
            non_2xx: 0,
            errors: 0,
            body_bytes: 0,
            connections: 0,
            first_error: None,
        })
    }

    /// Records a completed exchange.
    pub fn record(&mut self, s: &Sample) {
        self.ttfb_us.saturating_record(micros(s.ttfb));
        self.total_us.saturating_record(micros(s.total));
        self.responses += 1;
        if !s.status.is_success() {
            self.non_2xx += 1;
        }
        self.body_bytes += s.body_bytes;
    }

    /// Records a failed attempt.
    pub fn record_error(&mut self, e: &RequestError) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e.to_string());
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Self) -> Result<(), BenchError> {
        self.ttfb_us.add(&other.ttfb_us)?;
        self.total_us.add(&other.total_us)?;
        self.responses += other.responses;
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        self.body_bytes += other.body_bytes;
        self.connections += other.connections;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
        Ok(())
    }
}

/// Duration in whole microseconds, at least 1 (the histogram's floor).
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Result of one phase.
#[derive(Debug)]
pub struct PhaseResult {
    /// Merged statistics of all workers.
    pub stats: Stats,
    /// Wall time from the start signal until the last worker finished.
    pub elapsed: Duration,
}

/// Shared stop condition: a deadline and an optional request budget.
#[derive(Debug)]
struct Budget {
    deadline: Instant,
    remaining: Option<AtomicU64>,
}

impl Budget {
    /// Claims permission for one more request.
    fn take(&self) -> bool {
        if Instant::now() >= self.deadline {
            return false;
        }
        match &self.remaining {
            None => true,
            Some(r) => r
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }
}

/// Open-loop pacing: request `n` (over all connections) is due at
/// `start + n / rate`. A request sent late still counts from when it was
/// due, so a server that falls behind the rate shows in the percentiles
/// instead of quietly slowing the load (coordinated omission).
#[derive(Debug)]
struct Pace {
    start: Instant,
    interval: Duration,
    next: AtomicU64,
}

impl Pace {
    fn new(start: Instant, rate: f64) -> Self {
        Self { start, interval: Duration::from_secs_f64(1.0 / rate), next: AtomicU64::new(0) }
    }

    /// Claims the next slot: when that request is due.
    fn next_due(&self) -> Instant {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.start + self.interval.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// Runs `concurrency` workers against `target` until `stop` says so, as
/// fast as they go or at `rate` requests/s in all.
///
/// Connections are opened before the clock starts, so the measured phase
/// covers keep-alive traffic only (reconnects after a server-side close are
/// counted in [`Stats::connections`]).
pub async fn run_phase(
    target: &Arc<Target>,
    concurrency: usize,
    stop: StopRule,
    timeout: Duration,
    rate: Option<f64>,
) -> Result<PhaseResult, BenchError> {
    // Open all connections concurrently, before the clock starts.
    let mut opening = JoinSet::new();
    for _ in 0..concurrency {
        let addr = target.addr;
        opening.spawn(async move { Connection::open(addr).await });
    }
    let mut conns = Vec::with_capacity(concurrency);
    while let Some(conn) = opening.join_next().await {
        conns.push(conn?);
    }

    let start = Instant::now();
    let budget = Arc::new(Budget {
        deadline: start + stop.max_time,
        remaining: stop.max_requests.map(AtomicU64::new),
    });
    let pace = rate.map(|rate| Arc::new(Pace::new(start, rate)));
    let mut workers = JoinSet::new();
    for conn in conns {
        let target = Arc::clone(target);
        let budget = Arc::clone(&budget);
        let pace = pace.clone();
        workers.spawn(async move { worker(&target, conn, &budget, pace.as_deref(), timeout).await });
    }
    let mut stats = Stats::new()?;
    while let Some(worker_stats) = workers.join_next().await {
        stats.merge(&worker_stats??)?;
    }
    Ok(PhaseResult {
        stats,
        elapsed: start.elapsed(),
    })
}

/// One worker: a single keep-alive connection issuing requests back to
/// back, or each when its paced slot is due.
async fn worker(
    target: &Target,
    first: Result<Connection, RequestError>,
    budget: &Budget,
    pace: Option<&Pace>,
    timeout: Duration,
) -> Result<Stats, BenchError> {
    let mut stats = Stats::new()?;
    let mut conn = match first {
        Ok(c) => {
            stats.connections += 1;
            Some(c)
        }
        Err(e) => {
            stats.record_error(&e);
            None
        }
    };
    while budget.take() {
        let due = match pace {
            Some(pace) => {
                let due = pace.next_due();
                tokio::time::sleep_until(due.into()).await;
                Some(due)
            }
            None => None,
        };
        let mut current = match conn.take().filter(|c| !c.is_closed()) {
            Some(c) => c,
            None => match Connection::open(target.addr).await {
                Ok(c) => {
                    stats.connections += 1;
                    c
                }
                Err(e) => {
                    stats.record_error(&e);
                    tokio::time::sleep(CONNECT_BACKOFF).await;
                    continue;
                }
            },
        };
        let late = due.map_or(Duration::ZERO, |due| due.elapsed());
        match current.get(target, timeout).await {
            Ok(mut sample) => {
                sample.ttfb += late;
                sample.total += late;
                stats.record(&sample);
                conn = Some(current);
            }
            // The connection is in an unknown state: drop it, reconnect.
            Err(e) => stats.record_error(&e),
        }
    }
    Ok(stats)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
mod tests {
    use super::*;
    use http::StatusCode;

    fn sample(ms: u64, status: StatusCode) -> Sample {
        Sample {
            ttfb: Duration::from_millis(ms),
            total: Duration::from_millis(ms * 2),
            status,
            body_bytes: 100,
        }
    }

    #[test]
    fn records_and_merges() {
        let mut a = Stats::new().unwrap();
        let mut b = Stats::new().unwrap();
        a.record(&sample(1, StatusCode::OK));
        b.record(&sample(3, StatusCode::NOT_FOUND));
        b.record_error(&RequestError::Timeout(Duration::from_secs(1)));
        a.merge(&b).unwrap();
        assert_eq!(a.responses, 2);
        assert_eq!(a.non_2xx, 1);
        assert_eq!(a.errors, 1);
        assert_eq!(a.body_bytes, 200);
        assert!(a.first_error.is_some());
        assert_eq!(a.ttfb_us.max() / 1000, 3);
    }

    #[test]
    fn pace_hands_out_evenly_spaced_slots() {
        let start = Instant::now();
        let pace = Pace::new(start, 1000.0);
        assert_eq!(pace.next_due(), start);
        assert_eq!(pace.next_due(), start + Duration::from_millis(1));
        assert_eq!(pace.next_due(), start + Duration::from_millis(2));
    }

    #[test]
    fn budget_counts_down_and_expires() {
        let b = Budget {
            deadline: Instant::now() + Duration::from_secs(60),
            remaining: Some(AtomicU64::new(2)),
        };
        assert!(b.take() && b.take() && !b.take());
        let expired = Budget {
            deadline: Instant::now(),
            remaining: None,
        };
        assert!(!expired.take());
    }
}
