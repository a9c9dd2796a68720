//! How fast one person may send chat messages, and how many conversations
//! a guest may start.

use crate::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Sends between sweeps of senders back at a full allowance.
const SWEEP_EVERY: u64 = 1024;

/// The limits, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatRates {
    /// Messages one sender may send per `window`; 0 lifts the limit.
    pub messages: u32,
    pub window: Duration,
    /// Conversations one guest session may start per hour; 0 lifts it.
    pub guest_conversations_per_hour: u32,
}

impl Default for ChatRates {
    /// 5 messages per 10 s, 3 guest conversations an hour.
    fn default() -> Self {
        ChatRates { messages: 5, window: Duration::from_secs(10), guest_conversations_per_hour: 3 }
    }
}

/// The send limiter, shared by every request of this instance.
#[derive(Clone)]
pub struct ChatLimits {
    rates: ChatRates,
    senders: Option<Arc<DefaultKeyedRateLimiter<String>>>,
    sends: Arc<AtomicU64>,
}

impl std::fmt::Debug for ChatLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatLimits").field("rates", &self.rates).finish_non_exhaustive()
    }
}

impl ChatLimits {
    /// A burst of `messages`, then one more every `window / messages`: at
    /// most `messages` in any `window` after a quiet one.
    pub fn new(rates: ChatRates) -> Self {
        let senders = NonZeroU32::new(rates.messages).and_then(|burst| {
            let period = rates.window.checked_div(burst.get()).filter(|p| !p.is_zero())?;
            Quota::with_period(period).map(|quota| Arc::new(DefaultKeyedRateLimiter::dashmap(quota.allow_burst(burst))))
        });
        ChatLimits { rates, senders, sends: Arc::new(AtomicU64::new(0)) }
    }

    pub fn rates(&self) -> ChatRates {
        self.rates
    }

    /// Takes one send from `key`'s allowance, or says when to try again.
    pub fn take_send(&self, key: &str) -> Result<(), AppError> {
        let Some(senders) = &self.senders else { return Ok(()) };
        if self.sends.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // Senders at a full allowance again need no entry.
            senders.retain_recent();
        }
        senders.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooFast { retry_after_secs: u32::try_from(wait.as_secs_f64().ceil() as u64).unwrap_or(u32::MAX).max(1) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_then_too_fast() {
        let limits = ChatLimits::new(ChatRates::default());
        for _ in 0..5 {
            limits.take_send("u:1").expect("within the burst");
        }
        match limits.take_send("u:1") {
            Err(AppError::TooFast { retry_after_secs }) => assert!((1..=2).contains(&retry_after_secs), "{retry_after_secs}"),
            other => panic!("expected TooFast, got {other:?}"),
        }
        limits.take_send("u:2").expect("another sender has their own allowance");
    }

    #[test]
    fn zero_lifts_the_limit() {
        let limits = ChatLimits::new(ChatRates { messages: 0, ..ChatRates::default() });
        for _ in 0..100 {
            limits.take_send("u:1").expect("no limit");
        }
    }
}
