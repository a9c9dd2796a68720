//! The untimed setup: register buyers, find in-stock variants, pick the
//! contended one and give every buyer a one-line cart.

use std::{collections::HashSet, sync::Arc, time::Duration};

use rand::{rngs::StdRng, seq::SliceRandom, Rng};

use crate::{
    api::{Product, Session},
    error::{ApiError, BenchError},
    pool::run_bounded,
    target::Target,
};

/// Every buyer's password: 10+ characters, not a common one, and not
/// containing the email's local part (`buyer…`).
const PASSWORD: &str = "Quince-Tallow-7319";
/// Email domain of the buyers (`.test` is reserved, never delivered).
const EMAIL_DOMAIN: &str = "bench.bazaar.test";

/// An in-stock variant found in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The product's slug (to re-read the stock).
    pub slug: String,
    /// The product's name.
    pub product: String,
    /// The variant's SKU.
    pub sku: String,
    /// The variant's label.
    pub label: String,
    /// Units in stock when it was found.
    pub stock: i64,
}

/// One signed-in customer with one cart line.
#[derive(Debug, Clone)]
pub struct Buyer {
    /// The customer's browser session.
    pub session: Session,
    /// The customer's name, also used on the shipping address.
    pub name: String,
    /// The variant in the cart (1 unit).
    pub sku: String,
    /// True if `sku` is the contended variant.
    pub contended: bool,
}

/// Everything setup produced.
#[derive(Debug)]
pub struct Prepared {
    /// All buyers: `buyers / 2` spread first, then the contended ones.
    pub buyers: Vec<Buyer>,
    /// The variant the second half of the buyers all want.
    pub contended: Candidate,
    /// A session for catalog reads that is no buyer's.
    pub reader: Session,
    /// In-stock variants found.
    pub variants_found: usize,
    /// Search pages read.
    pub pages_read: u64,
    /// Distinct variants the spread buyers' carts hold.
    pub spread_variants: usize,
    /// Time spent registering buyers.
    pub register_time: Duration,
    /// Total setup time.
    pub setup_time: Duration,
}

/// What the setup needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Number of buyers.
    pub buyers: usize,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Preferred stock of the contended variant.
    pub contended_stock: u64,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Plan {
    /// Buyers `0..spread()` get a variant each; the rest share one.
    pub fn spread(&self) -> usize {
        self.buyers / 2
    }
}

/// Runs the whole setup. `run_id` makes emails unique across runs against
/// the same database; `rng` decides the spread.
pub async fn prepare(
    target: &Arc<Target>,
    plan: Plan,
    run_id: &str,
    rng: &mut StdRng,
) -> Result<Prepared, BenchError> {
    let started = std::time::Instant::now();
    eprintln!("-> setup: registering {} buyers", plan.buyers);
    let sessions = register(target, plan, run_id).await?;
    let register_time = started.elapsed();

    eprintln!("-> setup: looking for in-stock variants");
    let reader = Session::new(target, plan.timeout)?;
    let (candidates, pages_read) = discover(&reader, plan).await?;
    let contended_at =
        choose_contended(&candidates, plan.contended_stock).ok_or(BenchError::NoInStockVariant)?;
    let mut pool = candidates.clone();
    let contended = pool.remove(contended_at);
    pool.shuffle(rng);
    let slots = spread_slots(&pool, plan.spread())?;
    let spread_variants = {
        let mut distinct: Vec<usize> = slots.clone();
        distinct.sort_unstable();
        distinct.dedup();
        distinct.len()
    };

    let buyers: Vec<Buyer> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, (session, name))| {
            let spread_pick = slots.get(i).and_then(|&v| pool.get(v));
            match spread_pick {
                Some(variant) => Buyer {
                    session,
                    name,
                    sku: variant.sku.clone(),
                    contended: false,
                },
                None => Buyer {
                    session,
                    name,
                    sku: contended.sku.clone(),
                    contended: true,
                },
            }
        })
        .collect();
    eprintln!("-> setup: filling {} carts", buyers.len());
    fill_carts(&buyers, plan.concurrency).await?;

    Ok(Prepared {
        buyers,
        contended,
        reader,
        variants_found: candidates.len(),
        pages_read,
        spread_variants,
        register_time,
        setup_time: started.elapsed(),
    })
}

/// A short random id for this run's emails and idempotency keys.
pub fn new_run_id() -> String {
    let n: u32 = rand::thread_rng().gen();
    format!("{n:08x}")
}

/// Registers `plan.buyers` customers, each in its own session.
async fn register(
    target: &Arc<Target>,
    plan: Plan,
    run_id: &str,
) -> Result<Vec<(Session, String)>, BenchError> {
    let mut sessions = Vec::with_capacity(plan.buyers);
    for _ in 0..plan.buyers {
        sessions.push(Session::new(target, plan.timeout)?);
    }
    let results = run_bounded(sessions, plan.concurrency, |i, session| {
        let email = format!("buyer{i}-{run_id}@{EMAIL_DOMAIN}");
        let name = format!("Bench Buyer {i}");
        async move {
            session
                .register(&email, PASSWORD, &name)
                .await
                .map(|()| (session, name))
                .map_err(|source| BenchError::Setup {
                    step: format!("registering buyer {i} ({email})"),
                    source,
                })
        }
    })
    .await?;
    results.into_iter().collect()
}

/// Reads search pages of in-stock products (cheapest first) and their
/// variants until there are more variants than spread buyers and one has
/// exactly the preferred stock, or the catalog ends. Returns the variants
/// with stock ≥ 1 and the number of pages read.
async fn discover(reader: &Session, plan: Plan) -> Result<(Vec<Candidate>, u64), BenchError> {
    let mut candidates = Vec::new();
    // Pages of a sort with ties may overlap; count each variant once.
    let mut seen = HashSet::new();
    let mut page = 1;
    loop {
        let results = reader
            .search_in_stock(page)
            .await
            .map_err(|source| BenchError::Setup {
                step: format!("searching in-stock products, page {page}"),
                source,
            })?;
        if results.products.is_empty() {
            break;
        }
        let slugs: Vec<String> = results.products.into_iter().map(|p| p.slug).collect();
        let products = run_bounded(slugs, plan.concurrency, |_, slug| {
            let reader = reader.clone();
            async move {
                let product = reader.product(&slug).await;
                (slug, product)
            }
        })
        .await?;
        for (slug, product) in products {
            let product = product.map_err(|source| BenchError::Setup {
                step: format!("reading product `{slug}`"),
                source,
            })?;
            candidates.extend(in_stock(&slug, product).filter(|c| seen.insert(c.sku.clone())));
        }
        let exact = candidates
            .iter()
            .any(|c| u64::try_from(c.stock).ok() == Some(plan.contended_stock));
        if (exact && candidates.len() > plan.spread())
            || page.saturating_mul(results.per_page) >= results.total
        {
            break;
        }
        page += 1;
    }
    Ok((candidates, page))
}

/// The variants of `product` with stock ≥ 1.
fn in_stock(slug: &str, product: Product) -> impl Iterator<Item = Candidate> + '_ {
    let name = product.name;
    product
        .variants
        .into_iter()
        .filter(|v| v.stock >= 1)
        .map(move |v| Candidate {
            slug: slug.to_owned(),
            product: name.clone(),
            sku: v.sku,
            label: v.label,
            stock: v.stock,
        })
}

/// Index of the variant whose stock is closest to `preferred` (ties: the
/// lower stock, then the first found); `None` if there is none.
pub fn choose_contended(candidates: &[Candidate], preferred: u64) -> Option<usize> {
    let preferred = i64::try_from(preferred).unwrap_or(i64::MAX);
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.stock >= 1)
        .min_by_key(|(i, c)| (c.stock.abs_diff(preferred), c.stock, *i))
        .map(|(i, _)| i)
}

/// Assigns `needed` spread buyers to variants of `pool` (already shuffled):
/// a different variant each while there are enough, then round after round
/// over the variants that still have a unit, so no variant is given to more
/// buyers than it has units and no spread buyer should ever be sold out.
/// Returns an index into `pool` per buyer.
pub fn spread_slots(pool: &[Candidate], needed: usize) -> Result<Vec<usize>, BenchError> {
    let mut slots = Vec::with_capacity(needed);
    let mut round: i64 = 0;
    while slots.len() < needed {
        let before = slots.len();
        for (i, _) in pool.iter().enumerate().filter(|(_, c)| c.stock > round) {
            if slots.len() == needed {
                break;
            }
            slots.push(i);
        }
        if slots.len() == before {
            return Err(BenchError::NotEnoughStock {
                needed,
                available: pool
                    .iter()
                    .map(|c| u64::try_from(c.stock).unwrap_or(0))
                    .sum(),
            });
        }
        round += 1;
    }
    Ok(slots)
}

/// Puts 1 unit of each buyer's variant in their cart.
async fn fill_carts(buyers: &[Buyer], concurrency: usize) -> Result<(), BenchError> {
    let results = run_bounded(buyers.to_vec(), concurrency, |i, buyer| async move {
        buyer
            .session
            .add_to_cart(&buyer.sku, 1)
            .await
            .map_err(|source: ApiError| BenchError::Setup {
                step: format!("adding {} to buyer {i}'s cart", buyer.sku),
                source,
            })
    })
    .await?;
    results.into_iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
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
    fn contended_is_closest_to_the_preferred_stock() {
        let c = [
            candidate("a", 50),
            candidate("b", 18),
            candidate("c", 22),
            candidate("d", 3),
        ];
        // 18 and 22 are equally close: the lower stock wins.
        assert_eq!(choose_contended(&c, 20), Some(1));
        assert_eq!(choose_contended(&c, 1), Some(3));
        assert_eq!(choose_contended(&c, 1000), Some(0));
        assert_eq!(choose_contended(&[], 20), None);
        assert_eq!(choose_contended(&[candidate("z", 0)], 20), None);
    }

    #[test]
    fn spread_prefers_distinct_variants_and_respects_stock() {
        let pool = [candidate("a", 1), candidate("b", 3), candidate("c", 2)];
        assert_eq!(spread_slots(&pool, 3).unwrap(), vec![0, 1, 2]);
        // Second round skips `a` (1 unit), third round only `b` is left.
        assert_eq!(spread_slots(&pool, 6).unwrap(), vec![0, 1, 2, 1, 2, 1]);
        assert!(matches!(
            spread_slots(&pool, 7),
            Err(BenchError::NotEnoughStock {
                needed: 7,
                available: 6
            })
        ));
        assert!(spread_slots(&pool, 0).unwrap().is_empty());
    }
}
