//! The timed phase: every buyer shops at once, order after order, until
//! the phase's time is up.
//!
//! A buyer's cart is kept by the shop per customer, so one buyer has one
//! order in flight at a time: the buyers are the concurrency. Each order is
//! one `/api/cart/add` of 1 unit and one `/api/checkout`, both timed into
//! the phase (the shop cannot place a customer's next order without the
//! cart add). A contending buyer goes for the contended variant until it
//! is sold out to them, then takes units from the shelf like the others.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::task::{JoinError, JoinSet};

use crate::{error::ApiError, setup::Buyer, shelf::Shelf};

/// How one order attempt ended.
#[derive(Debug)]
pub enum Outcome {
    /// HTTP 200: the order with this id was placed.
    Placed(i64),
    /// HTTP 409 `OutOfStock`, at the cart add or at checkout: the variant
    /// ran out first.
    SoldOut,
    /// Anything else: another status, a transport error or a timeout.
    Failed(ApiError),
}

/// One order attempt: a cart add and, if it succeeded, a checkout.
#[derive(Debug)]
pub struct Attempt {
    /// The buyer's index.
    pub buyer: usize,
    /// Whether it was for the contended variant.
    pub contended: bool,
    /// The variant bought (1 unit).
    pub sku: String,
    /// The checkout's idempotency key (kept for the replays).
    pub key: String,
    /// The cart add, from sending it until the answer was read.
    pub cart_latency: Duration,
    /// The checkout, likewise; `None` when the cart add already failed.
    pub checkout_latency: Option<Duration>,
    /// How it ended.
    pub outcome: Outcome,
}

impl Attempt {
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
    /// Every attempt, by buyer, in the order each buyer made them.
    pub attempts: Vec<Attempt>,
    /// From the start until the last buyer's last answer arrived.
    pub elapsed: Duration,
    /// Buyers that stopped early because the shelf was empty.
    pub out_of_shelf: usize,
    /// Buyers that stopped early because a failed attempt's line could not
    /// be taken out of their cart (their next order would hold it too).
    pub stuck: usize,
}

/// The idempotency key of buyer `buyer`'s `n`th order in run `run_id`.
pub fn idempotency_key(run_id: &str, buyer: usize, n: usize) -> String {
    format!("bench-{run_id}-{buyer}-{n}")
}

/// Why a buyer stopped.
enum Stop {
    /// The phase's time is up.
    Time,
    /// Nothing left on the shelf.
    Shelf,
    /// A line could not be removed from the cart.
    Stuck,
}

/// Lets every buyer shop, each on its own task, until `duration` has
/// passed since the start: no attempt starts after that, and the phase
/// ends when the last one in flight has its answer.
pub async fn shop(
    buyers: &[Buyer],
    shelf: &Arc<Shelf>,
    contended_sku: &str,
    run_id: &str,
    duration: Duration,
) -> Result<TimedRun, JoinError> {
    let start = Instant::now();
    let mut set = JoinSet::new();
    for (index, buyer) in buyers.iter().cloned().enumerate() {
        let shelf = Arc::clone(shelf);
        let contended_sku = contended_sku.to_owned();
        let run_id = run_id.to_owned();
        set.spawn(async move {
            let mut attempts = Vec::new();
            let mut contending = buyer.contends;
            let stop = loop {
                if start.elapsed() >= duration {
                    break Stop::Time;
                }
                let sku = if contending {
                    contended_sku.clone()
                } else {
                    match shelf.take() {
                        Some(sku) => sku,
                        None => break Stop::Shelf,
                    }
                };
                let key = idempotency_key(&run_id, index, attempts.len());
                let attempt = order_one(&buyer, index, contending, sku, key).await;
                // A lost contest (or a failure) ends the contest for this
                // buyer: the contended variant is then (about to be) gone.
                contending &= attempt.order_id().is_some();
                let left_in_cart =
                    attempt.checkout_latency.is_some() && attempt.order_id().is_none();
                let cleared =
                    !left_in_cart || buyer.session.remove_from_cart(&attempt.sku).await.is_ok();
                attempts.push(attempt);
                if !cleared {
                    break Stop::Stuck;
                }
            };
            (index, attempts, stop)
        });
    }
    let mut by_buyer = Vec::with_capacity(buyers.len());
    let (mut out_of_shelf, mut stuck) = (0, 0);
    while let Some(done) = set.join_next().await {
        let (index, attempts, stop) = done?;
        match stop {
            Stop::Time => {}
            Stop::Shelf => out_of_shelf += 1,
            Stop::Stuck => stuck += 1,
        }
        by_buyer.push((index, attempts));
    }
    let elapsed = start.elapsed();
    by_buyer.sort_by_key(|(index, _)| *index);
    Ok(TimedRun {
        attempts: by_buyer.into_iter().flat_map(|(_, a)| a).collect(),
        elapsed,
        out_of_shelf,
        stuck,
    })
}

/// One order: 1 unit of `sku` into the cart, then checkout.
async fn order_one(
    buyer: &Buyer,
    index: usize,
    contended: bool,
    sku: String,
    key: String,
) -> Attempt {
    let sent = Instant::now();
    let added = buyer.session.add_to_cart(&sku, 1).await;
    let cart_latency = sent.elapsed();
    let (checkout_latency, answer) = match added {
        Ok(()) => {
            let sent = Instant::now();
            let answer = buyer.session.checkout(&key, &buyer.name).await;
            (Some(sent.elapsed()), answer)
        }
        Err(e) => (None, Err(e)),
    };
    let outcome = match answer {
        Ok(id) => Outcome::Placed(id),
        Err(e) if e.is_out_of_stock() => Outcome::SoldOut,
        Err(e) => Outcome::Failed(e),
    };
    Attempt {
        buyer: index,
        contended,
        sku,
        key,
        cart_latency,
        checkout_latency,
        outcome,
    }
}
