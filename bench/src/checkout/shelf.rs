//! The uncontended variants' units, handed out one at a time.
//!
//! Only the benchmark buys during a run, so the stock it read in setup is
//! the stock there is. Handing each unit to one buyer only means a buyer
//! who is not contending is never told "sold out": such an answer would be
//! a checkout bug, not a lost race.

use std::sync::Mutex;

use crate::setup::Candidate;

/// Units of the uncontended variants not yet handed out.
#[derive(Debug)]
pub struct Shelf {
    stock: Mutex<Stock>,
}

#[derive(Debug)]
struct Stock {
    /// (SKU, units left), in the order they are handed out.
    variants: Vec<(String, i64)>,
    /// Where the next round-robin search starts, so consecutive buyers get
    /// different variants (different rows) while there are several.
    next: usize,
}

impl Shelf {
    /// A shelf holding every unit of `variants`, handed out in this order.
    pub fn new(variants: Vec<Candidate>) -> Self {
        let variants = variants
            .into_iter()
            .filter(|c| c.stock > 0)
            .map(|c| (c.sku, c.stock))
            .collect();
        Self {
            stock: Mutex::new(Stock { variants, next: 0 }),
        }
    }

    /// Units on the shelf.
    pub fn units(&self) -> u64 {
        self.with_stock(|stock| {
            stock
                .variants
                .iter()
                .map(|(_, left)| u64::try_from(*left).unwrap_or(0))
                .sum()
        })
    }

    /// Distinct variants on the shelf.
    pub fn variants(&self) -> usize {
        self.with_stock(|stock| stock.variants.len())
    }

    /// One unit of the next variant that has one left; `None` when the
    /// shelf is empty.
    pub fn take(&self) -> Option<String> {
        self.with_stock(|stock| {
            let count = stock.variants.len();
            let found = (0..count)
                .map(|step| (stock.next + step) % count)
                .find(|&i| stock.variants.get(i).is_some_and(|(_, left)| *left > 0))?;
            stock.next = found + 1;
            let (sku, left) = stock.variants.get_mut(found)?;
            *left -= 1;
            Some(sku.clone())
        })
    }

    fn with_stock<T>(&self, f: impl FnOnce(&mut Stock) -> T) -> T {
        // A panic while holding the lock cannot leave the counts half
        // updated (each change is one decrement), so a poisoned lock is
        // still usable.
        let mut stock = self.stock.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut stock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(sku: &str, stock: i64) -> Candidate {
        Candidate {
            slug: "p".into(),
            product: "P".into(),
            sku: sku.into(),
            label: "L".into(),
            stock,
        }
    }

    #[test]
    fn hands_out_every_unit_once_round_robin() {
        let shelf = Shelf::new(vec![candidate("a", 1), candidate("b", 3), candidate("z", 0)]);
        assert_eq!((shelf.units(), shelf.variants()), (4, 2));
        let taken: Vec<String> = std::iter::from_fn(|| shelf.take()).collect();
        assert_eq!(taken, ["a", "b", "b", "b"]);
        assert_eq!(shelf.units(), 0);
        assert_eq!(shelf.take(), None);
    }

    #[test]
    fn an_empty_shelf_hands_out_nothing() {
        assert_eq!(Shelf::new(Vec::new()).take(), None);
    }
}
