//! The timed phase: every buyer checks out once, concurrently.

use std::time::{Duration, Instant};

use crate::{error::ApiError, pool::run_bounded, setup::Buyer};

/// How one checkout ended.
#[derive(Debug)]
pub enum Outcome {
    /// HTTP 200: the order with this id was placed.
    Placed(i64),
    /// HTTP 409 `OutOfStock`: the variant ran out first.
    SoldOut,
    /// Anything else: another status, a transport error or a timeout.
    Failed(ApiError),
}

/// One buyer's checkout.
#[derive(Debug)]
pub struct Checkout {
    /// The buyer's index.
    pub buyer: usize,
    /// Whether the buyer wanted the contended variant.
    pub contended: bool,
    /// The idempotency key sent (kept for the replays).
    pub key: String,
    /// From sending the request until the whole answer was read.
    pub latency: Duration,
    /// How it ended.
    pub outcome: Outcome,
}

impl Checkout {
    /// The order id, if an order was placed.
    pub fn order_id(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Placed(id) => Some(id),
            _ => None,
        }
    }
}

/// The result of the timed phase.
#[derive(Debug)]
pub struct TimedRun {
    /// One entry per buyer, in buyer order.
    pub checkouts: Vec<Checkout>,
    /// From the start until the last answer arrived.
    pub elapsed: Duration,
}

/// The idempotency key of buyer `buyer`'s checkout in run `run_id`.
pub fn idempotency_key(run_id: &str, buyer: usize) -> String {
    format!("bench-{run_id}-{buyer}")
}

/// Checks out every buyer, at most `concurrency` at once, each with a
/// unique idempotency key.
pub async fn check_out_all(
    buyers: &[Buyer],
    run_id: &str,
    concurrency: usize,
) -> Result<TimedRun, tokio::task::JoinError> {
    let start = Instant::now();
    let checkouts = run_bounded(buyers.to_vec(), concurrency, |i, buyer| {
        let key = idempotency_key(run_id, i);
        async move {
            let sent = Instant::now();
            let answer = buyer.session.checkout(&key, &buyer.name).await;
            let latency = sent.elapsed();
            let outcome = match answer {
                Ok(id) => Outcome::Placed(id),
                Err(e) if e.is_out_of_stock() => Outcome::SoldOut,
                Err(e) => Outcome::Failed(e),
            };
            Checkout {
                buyer: i,
                contended: buyer.contended,
                key,
                latency,
                outcome,
            }
        }
    })
    .await?;
    Ok(TimedRun {
        checkouts,
        elapsed: start.elapsed(),
    })
}
