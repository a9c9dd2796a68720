//! The untimed setup: register the buyers, find the in-stock variants, pick
//! the contended one and put the others on the [`Shelf`].

use std::{collections::HashSet, sync::Arc, time::Duration};

use rand::{rngs::StdRng, seq::SliceRandom, Rng};

use crate::{
    api::{Product, Session},
    error::BenchError,
    pool::run_bounded,
    shelf::Shelf,
    target::Target,
};

/// Every buyer's password: 10+ characters, not a common one, and not
/// containing the email's local part (`buyer…`).
const PASSWORD: &str = "Quince-Tallow-7319";
/// Email domain of the buyers (`.test` is reserved, never delivered).
const EMAIL_DOMAIN: &str = "bench.bazaar.test";
/// Discovery stops reading the catalog once the shelf would hold this many
/// units: far more than a 10 s phase sells here (about 5,000 at 500
/// orders/s), so a large catalog is not read whole.
const ENOUGH_UNITS: i64 = 50_000;
/// Setup calls in flight at once: a registration hashes a password (~16 ms of one
/// core), so more would only queue in the server.
const SETUP_CONCURRENCY: usize = 16;

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

/// One signed-in customer.
#[derive(Debug, Clone)]
pub struct Buyer {
    /// The customer's browser session.
    pub session: Session,
    /// The customer's name, also used on the shipping address.
    pub name: String,
    /// True if the buyer goes for the contended variant until it is sold
    /// out to them.
    pub contends: bool,
}

/// Everything setup produced.
#[derive(Debug)]
pub struct Prepared {
    /// All buyers: the first half uncontended, then the contending ones.
    pub buyers: Vec<Buyer>,
    /// The variant the second half of the buyers all want.
    pub contended: Candidate,
    /// The other in-stock variants' units.
    pub shelf: Arc<Shelf>,
    /// A session for catalog reads that is no buyer's.
    pub reader: Session,
    /// In-stock variants found.
    pub variants_found: usize,
    /// Search pages read.
    pub pages_read: u64,
    /// Time spent registering buyers.
    pub register_time: Duration,
    /// Total setup time.
    pub setup_time: Duration,
}

/// What the setup needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Number of buyers, all shopping at once.
    pub buyers: usize,
    /// Preferred stock of the contended variant.
    pub contended_stock: u64,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// Runs the whole setup. `run_id` makes emails unique across runs against
/// the same database; `rng` shuffles the shelf.
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
    let (mut candidates, pages_read) = discover(&reader, plan).await?;
    let variants_found = candidates.len();
    let contended_at =
        choose_contended(&candidates, plan.contended_stock).ok_or(BenchError::NoInStockVariant)?;
    let contended = candidates.remove(contended_at);
    candidates.shuffle(rng);

    let uncontended = plan.buyers / 2;
    let buyers = sessions
        .into_iter()
        .enumerate()
        .map(|(i, (session, name))| Buyer {
            session,
            name,
            contends: i >= uncontended,
        })
        .collect();
    Ok(Prepared {
        buyers,
        contended,
        shelf: Arc::new(Shelf::new(candidates)),
        reader,
        variants_found,
        pages_read,
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
    let results = run_bounded(sessions, SETUP_CONCURRENCY, |i, session| {
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
/// variants until the catalog ends, or the variants found hold
/// [`ENOUGH_UNITS`] and one has exactly the preferred stock. Returns the
/// variants with stock ≥ 1 and the number of pages read.
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
        let products = run_bounded(slugs, SETUP_CONCURRENCY, |_, slug| {
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
        let units: i64 = candidates.iter().map(|c| c.stock).sum();
        if (exact && units >= ENOUGH_UNITS)
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
}
