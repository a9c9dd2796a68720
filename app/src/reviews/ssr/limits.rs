//! How many reviews one customer may write in a while.

use crate::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Writes between sweeps of writers back at a full allowance.
const SWEEP_EVERY: u64 = 1024;

/// The limit, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewRates {
    /// Reviews one customer may write (or rewrite) per `window`; 0 lifts
    /// the limit.
    pub writes: u32,
    pub window: Duration,
}

impl Default for ReviewRates {
    /// 5 reviews a minute.
    fn default() -> Self {
        ReviewRates { writes: 5, window: Duration::from_secs(60) }
    }
}

/// The write limiter, shared by every request of this instance.
#[derive(Clone)]
pub struct ReviewLimits {
    rates: ReviewRates,
    writers: Option<Arc<DefaultKeyedRateLimiter<i32>>>,
    writes: Arc<AtomicU64>,
}

impl std::fmt::Debug for ReviewLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReviewLimits").field("rates", &self.rates).finish_non_exhaustive()
    }
}

impl ReviewLimits {
    /// A burst of `writes`, then one more every `window / writes`: at most
    /// `writes` in any `window` after a quiet one.
    pub fn new(rates: ReviewRates) -> Self {
        let writers = NonZeroU32::new(rates.writes).and_then(|burst| {
            let period = rates.window.checked_div(burst.get()).filter(|p| !p.is_zero())?;
            Quota::with_period(period).map(|quota| Arc::new(DefaultKeyedRateLimiter::dashmap(quota.allow_burst(burst))))
        });
        ReviewLimits { rates, writers, writes: Arc::new(AtomicU64::new(0)) }
    }

    /// Takes one write from user `user_id`'s allowance, or says when to
    /// try again (`TooFast`).
    pub fn take_write(&self, user_id: i32) -> Result<(), AppError> {
        let Some(writers) = &self.writers else { return Ok(()) };
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // Writers at a full allowance again need no entry.
            writers.retain_recent();
        }
        writers.check_key(&user_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooFast { retry_after_secs: u32::try_from(wait.as_secs_f64().ceil() as u64).unwrap_or(u32::MAX).max(1) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_a_minute_then_too_fast() {
        let limits = ReviewLimits::new(ReviewRates::default());
        for _ in 0..5 {
            limits.take_write(1).expect("within the burst");
        }
        match limits.take_write(1) {
            Err(AppError::TooFast { retry_after_secs }) => assert!((1..=12).contains(&retry_after_secs), "{retry_after_secs}"),
            other => panic!("expected TooFast, got {other:?}"),
        }
        limits.take_write(2).expect("another customer has their own allowance");
    }

    #[test]
    fn zero_lifts_the_limit() {
        let limits = ReviewLimits::new(ReviewRates { writes: 0, ..ReviewRates::default() });
        for _ in 0..100 {
            limits.take_write(1).expect("no limit");
        }
    }
}
