//! After the timed phase: does the contended variant's stock add up, do the
//! orders hold what was bought, and does replaying a checkout with its key
//! return the same order?

use crate::{
    api::Session,
    error::BenchError,
    pool::run_bounded,
    run::{Attempt, Outcome},
    setup::{Buyer, Candidate},
};

/// The contended variant's stock, judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockCheck {
    /// S0: stock right before the timed phase.
    pub before: i64,
    /// S1: stock right after it.
    pub after: i64,
    /// Contended attempts whose checkout answered 200.
    pub sold: u64,
    /// `max(0, sold − S0)`: units promised to buyers that did not exist.
    pub oversold: u64,
    /// `S1 == S0 − sold` and `S1 ≥ 0`.
    pub balanced: bool,
}

impl StockCheck {
    /// Judges the stock before and after against the units sold.
    pub fn new(before: i64, after: i64, sold: u64) -> Self {
        let sold_signed = i64::try_from(sold).unwrap_or(i64::MAX);
        Self {
            before,
            after,
            sold,
            oversold: u64::try_from(sold_signed.saturating_sub(before.max(0))).unwrap_or(0),
            balanced: after >= 0 && Some(after) == before.checked_sub(sold_signed),
        }
    }

    /// The stock S0 − sold that S1 should equal.
    pub fn expected_after(&self) -> i64 {
        self.before
            .saturating_sub(i64::try_from(self.sold).unwrap_or(i64::MAX))
    }
}

/// Reads the contended variant's current stock.
pub async fn read_stock(reader: &Session, variant: &Candidate) -> Result<i64, BenchError> {
    let product = reader
        .product(&variant.slug)
        .await
        .map_err(|source| BenchError::Setup {
            step: format!("reading the stock of {}", variant.sku),
            source,
        })?;
    product
        .variants
        .iter()
        .find(|v| v.sku == variant.sku)
        .map(|v| v.stock)
        .ok_or_else(|| BenchError::VariantVanished(variant.sku.clone()))
}

/// What reading every placed order back with `/api/orders/get` showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadBack {
    /// Orders read.
    pub read: u64,
    /// Orders that could not be read.
    pub failed: u64,
    /// Orders that are not exactly 1 unit of what the buyer put in the cart.
    pub wrong_contents: u64,
    /// Units of the contended variant over all orders read.
    pub contended_units: u64,
    /// The first problem, for diagnosis.
    pub first_problem: Option<String>,
}

/// Reads every placed order back through its buyer's session: buyers in
/// parallel, each buyer's orders one after the other, so each buyer keeps
/// using its one connection (a buyer's orders read at once would open a
/// connection each, past the server's connection cap).
pub async fn read_back(
    buyers: &[Buyer],
    attempts: &[Attempt],
    contended_sku: &str,
    concurrency: usize,
) -> Result<ReadBack, BenchError> {
    let mut orders: Vec<Vec<(String, i64)>> = vec![Vec::new(); buyers.len()];
    for a in attempts {
        if let (Some(list), Some(id)) = (orders.get_mut(a.buyer), a.order_id()) {
            list.push((a.sku.clone(), id));
        }
    }
    let jobs: Vec<(Buyer, Vec<(String, i64)>)> = buyers.iter().cloned().zip(orders).collect();
    let answers = run_bounded(jobs, concurrency, |_, (buyer, orders)| async move {
        let mut answers = Vec::with_capacity(orders.len());
        for (sku, id) in orders {
            answers.push((sku, id, buyer.session.order(id).await));
        }
        answers
    })
    .await?
    .into_iter()
    .flatten();
    let mut result = ReadBack::default();
    for (sku, id, answer) in answers {
        let order = match answer {
            Ok(order) => order,
            Err(e) => {
                result.failed += 1;
                result
                    .first_problem
                    .get_or_insert_with(|| format!("order {id}: {e}"));
                continue;
            }
        };
        result.read += 1;
        result.contended_units += order
            .lines
            .iter()
            .filter(|l| l.sku == contended_sku)
            .map(|l| u64::from(l.quantity))
            .sum::<u64>();
        let exact = order.id == id
            && order.lines.len() == 1
            && order.lines.iter().all(|l| l.sku == sku && l.quantity == 1);
        if !exact {
            result.wrong_contents += 1;
            result.first_problem.get_or_insert_with(|| {
                format!("order {id} should hold 1 × {sku}, holds {:?}", order.lines)
            });
        }
    }
    Ok(result)
}

/// What replaying checkouts with their keys showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replays {
    /// Checkouts replayed.
    pub tried: u64,
    /// Replays that answered 200 with the original order id.
    pub same: u64,
    /// The first replay that did not, for diagnosis.
    pub first_problem: Option<String>,
}

/// Up to `count` placed orders to replay, taken alternately from the
/// contended ones (whose variant is now sold out, so a replay that does not
/// recognise its key would answer 409) and the others.
pub fn pick_replays(attempts: &[Attempt], count: usize) -> Vec<usize> {
    let placed = |contended: bool| {
        attempts
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.contended == contended && c.order_id().is_some())
            .map(|(i, _)| i)
    };
    let (mut contended, mut spread) = (placed(true), placed(false));
    let mut picked = Vec::with_capacity(count);
    while picked.len() < count {
        let before = picked.len();
        picked.extend(contended.next());
        if picked.len() < count {
            picked.extend(spread.next());
        }
        if picked.len() == before {
            break;
        }
    }
    picked
}

/// Replays the checkouts at `picks` with their original keys.
pub async fn replay(
    buyers: &[Buyer],
    attempts: &[Attempt],
    picks: &[usize],
) -> Result<Replays, BenchError> {
    let jobs: Vec<(Buyer, String, i64)> = picks
        .iter()
        .filter_map(|&i| {
            let a = attempts.get(i)?;
            Some((buyers.get(a.buyer)?.clone(), a.key.clone(), a.order_id()?))
        })
        .collect();
    // One at a time: this checks correctness, not speed.
    let answers = run_bounded(jobs, 1, |_, (buyer, key, original)| async move {
        let answer = buyer.session.checkout(&key, &buyer.name).await;
        (key, original, answer)
    })
    .await?;
    let mut result = Replays::default();
    for (key, original, answer) in answers {
        result.tried += 1;
        match answer {
            Ok(id) if id == original => result.same += 1,
            Ok(id) => {
                result.first_problem.get_or_insert_with(|| {
                    format!("key {key}: order {id} instead of {original}")
                });
            }
            Err(e) => {
                result
                    .first_problem
                    .get_or_insert_with(|| format!("key {key} (order {original}): {e}"));
            }
        }
    }
    Ok(result)
}

/// Placed orders of the contended variant.
pub fn contended_sold(attempts: &[Attempt]) -> u64 {
    attempts
        .iter()
        .filter(|a| a.contended && matches!(a.outcome, Outcome::Placed(_)))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stock_arithmetic() {
        let ok = StockCheck::new(20, 0, 20);
        assert_eq!((ok.oversold, ok.balanced), (0, true));
        let plenty = StockCheck::new(120, 20, 100);
        assert_eq!((plenty.oversold, plenty.balanced), (0, true));
        assert_eq!(plenty.expected_after(), 20);
        // Two units sold twice: the database still says 0.
        let oversold = StockCheck::new(20, 0, 22);
        assert_eq!((oversold.oversold, oversold.balanced), (2, false));
        // Sold 20 but the stock only went down by 19 (a lost update).
        let lost = StockCheck::new(20, 1, 20);
        assert_eq!((lost.oversold, lost.balanced), (0, false));
        let negative = StockCheck::new(20, -2, 22);
        assert_eq!((negative.oversold, negative.balanced), (2, false));
    }

    fn checkout(buyer: usize, contended: bool, placed: bool) -> Attempt {
        Attempt {
            buyer,
            contended,
            sku: "SKU".into(),
            key: format!("k{buyer}"),
            cart_latency: Duration::from_millis(1),
            checkout_latency: Some(Duration::from_millis(1)),
            outcome: if placed {
                Outcome::Placed(buyer as i64 + 100)
            } else {
                Outcome::SoldOut
            },
        }
    }

    #[test]
    fn replays_alternate_between_groups() {
        let c = vec![
            checkout(0, false, true),
            checkout(1, false, true),
            checkout(2, false, true),
            checkout(3, true, false),
            checkout(4, true, true),
        ];
        assert_eq!(pick_replays(&c, 10), vec![4, 0, 1, 2]);
        assert_eq!(pick_replays(&c, 2), vec![4, 0]);
        assert_eq!(pick_replays(&c, 0), Vec::<usize>::new());
        assert_eq!(contended_sold(&c), 1);
    }
}
