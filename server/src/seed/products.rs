//! `server seed-products N`: a large made-up catalog on top of the demo
//! one, for trying out and benchmarking search.
//!
//! Each product is built from the demo catalog's word lists (adjective,
//! material, noun and an edition word only these products use), so that
//! full-text search has realistic words to match, placed in a random leaf
//! category of the demo tree and listed by a demo seller, with one to three
//! variants. The demo categories and sellers must exist first.
//!
//! Products are numbered: number `n` is always the same product (its own
//! ChaCha stream of a fixed seed), and its slug and SKUs carry the number.
//! A run continues after the highest product id, which every earlier
//! seeded product's number is at most, so a second run adds new products
//! without colliding with the first.
//!
//! The rows go in through the ordinary tables: SQLite's FTS5 triggers and
//! PostgreSQL's generated `search_vector` index them as they do a product
//! an admin creates. Nothing is announced on the event bus, so a server
//! already running keeps serving the pages it has cached until it restarts
//! or the catalog changes through it.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use app::entity::{category, product, product_image, seller, variant};
use app::money::Currency;
use chrono::TimeDelta;
use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use super::catalog_tree::{
    LeafDef, VariantScheme, ADJECTIVES, APPAREL_COLOURS, APPAREL_SIZES, LEAVES, SELLERS, SHOE_SIZES,
};
use super::generate::{
    base_price, describe, images, options_json, pick, slugify, stock, tags, word, ImageSeed, VariantSeed,
    BASE_INSTANT,
};

/// Seed of every seeded product; product `n` is stream `n` of it.
pub const PRODUCT_SEED: u64 = 20261205;

/// Words that end some product names ("Aurora Walnut Lamp Voyager"). No
/// demo product has a word starting with one (search matches the last word
/// as a prefix, and stems), so a search for one finds seeded products only.
pub const EDITIONS: &[&str] = &[
    "Classic", "Voyager", "Heritage", "Essential", "Signature", "Atlas", "Ranger", "Deluxe", "Meridian",
    "Expedition",
];

/// Share of products with every variant out of stock.
const SOLD_OUT_RATE: f64 = 0.05;

/// Oldest a product can be: about a year before the demo's base instant.
const MAX_AGE_MINUTES: i64 = 365 * 24 * 60;

/// Products per batch of multi-row INSERTs. Their variants (at most three
/// each, 8 columns) then bind at most 4,800 parameters, their products
/// 2,800 and their images 2,000: well under SQLite's 32,766.
const BATCH_SIZE: usize = 200;

/// Products per transaction: few enough that a failure loses little, many
/// enough that SQLite does not sync after every batch.
const PRODUCTS_PER_TRANSACTION: usize = 5_000;

/// Why the products could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedProductsError {
    #[error(
        "the demo {kind} {slug:?} is missing: start the server once with demo data first \
         (BAZAAR_SEED=demo, the default outside production), then run seed-products"
    )]
    NoDemoCatalog { kind: &'static str, slug: &'static str },
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

/// What [`seed_products`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedProductsReport {
    /// Products inserted.
    pub products: usize,
    /// Variants inserted.
    pub variants: usize,
    /// The first and last product number used (slugs and SKUs carry it).
    pub numbers: (u64, u64),
    /// Wall time.
    pub elapsed: Duration,
}

impl fmt::Display for SeedProductsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Seeded {} products in {:.1} s ({} variants; numbers {}–{})",
            self.products,
            self.elapsed.as_secs_f64(),
            self.variants,
            self.numbers.0,
            self.numbers.1
        )
    }
}

/// Inserts `count` products with their variants and images. Draws a
/// progress bar on stderr when `progress` is set (and stderr is a terminal).
///
/// Products are committed [`PRODUCTS_PER_TRANSACTION`] at a time, so a
/// failure part-way leaves the transactions before it in place.
pub async fn seed_products(
    db: &DatabaseConnection,
    count: usize,
    progress: bool,
) -> Result<SeedProductsReport, SeedProductsError> {
    let started = Instant::now();
    let ids = DemoIds::load(db).await?;
    let bar = super::progress::bar(count, progress, "products");
    bar.set_message("products");

    // Every earlier seeded product's id is at least its number.
    let first = u64::try_from(max_product_id(db).await?).unwrap_or(0) + 1;
    let numbers: Vec<u64> = (first..).take(count).collect();
    let mut variants = 0;
    for chunk in numbers.chunks(PRODUCTS_PER_TRANSACTION) {
        let txn = db.begin().await?;
        for batch in chunk.chunks(BATCH_SIZE) {
            let planned: Vec<PlannedProduct> = batch.iter().map(|&number| plan_product(number)).collect();
            variants += insert_batch(&txn, &planned, &ids).await?;
            bar.inc(batch.len() as u64);
        }
        txn.commit().await?;
    }
    bar.finish_and_clear();

    let report = SeedProductsReport {
        products: count,
        variants,
        numbers: (first, first + count as u64 - 1),
        elapsed: started.elapsed(),
    };
    tracing::info!(products = count, variants, first, "seeded products");
    Ok(report)
}

/// The ids of the demo leaf categories and sellers, by slug.
struct DemoIds {
    categories: HashMap<String, i32>,
    sellers: HashMap<String, i32>,
}

impl DemoIds {
    async fn load(db: &DatabaseConnection) -> Result<Self, SeedProductsError> {
        let categories: HashMap<String, i32> = category::Entity::find()
            .select_only()
            .column(category::Column::Slug)
            .column(category::Column::Id)
            .filter(category::Column::Slug.is_in(LEAVES.iter().map(|leaf| leaf.slug)))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let sellers: HashMap<String, i32> = seller::Entity::find()
            .select_only()
            .column(seller::Column::Slug)
            .column(seller::Column::Id)
            .filter(seller::Column::Slug.is_in(SELLERS.iter().map(|s| s.slug)))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        if let Some(leaf) = LEAVES.iter().find(|leaf| !categories.contains_key(leaf.slug)) {
            return Err(SeedProductsError::NoDemoCatalog { kind: "category", slug: leaf.slug });
        }
        if let Some(s) = SELLERS.iter().find(|s| !sellers.contains_key(s.slug)) {
            return Err(SeedProductsError::NoDemoCatalog { kind: "seller", slug: s.slug });
        }
        Ok(DemoIds { categories, sellers })
    }

    /// Both are present: `load` checked every slug the plan can name.
    fn category(&self, slug: &str) -> Result<i32, DbErr> {
        self.categories.get(slug).copied().ok_or_else(|| DbErr::Custom(format!("seed-products: no category {slug}")))
    }

    fn seller(&self, slug: &str) -> Result<i32, DbErr> {
        self.sellers.get(slug).copied().ok_or_else(|| DbErr::Custom(format!("seed-products: no seller {slug}")))
    }
}

/// One product to insert, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlannedProduct {
    slug: String,
    name: String,
    description: String,
    tags: String,
    leaf: &'static LeafDef,
    seller_slug: &'static str,
    /// The lowest variant price, as the product's own price always is.
    price_cents: i64,
    age_minutes: i64,
    /// One to three.
    variants: Vec<VariantSeed>,
    images: Vec<ImageSeed>,
}

/// Product number `number`: the same every time.
fn plan_product(number: u64) -> PlannedProduct {
    let mut rng = ChaCha8Rng::seed_from_u64(PRODUCT_SEED);
    rng.set_stream(number);
    let rng = &mut rng;

    let leaf = pick(rng, LEAVES);
    let seller_slug = pick(rng, SELLERS).slug;
    let noun = word(rng, leaf.nouns);
    let material = word(rng, leaf.materials);
    let adjective = word(rng, ADJECTIVES);
    let name = product_name(rng, adjective, material, noun);
    let description = describe(rng, leaf, noun, &name, material);
    let tags = tags(rng, leaf.tags);
    let base = base_price(rng, leaf.price_dollars);
    let mut variants = variants(rng, leaf, number, base);
    let sold_out = rng.gen_bool(SOLD_OUT_RATE);
    stock(rng, &mut variants, sold_out);
    let price_cents = variants.iter().map(|v| v.price_cents).min().unwrap_or(base);
    let images = images(rng, leaf.slug, &name);
    PlannedProduct {
        slug: format!("{}-{number}", slugify(&name)),
        name,
        description,
        tags,
        leaf,
        seller_slug,
        price_cents,
        age_minutes: rng.gen_range(1..=MAX_AGE_MINUTES),
        variants,
        images,
    }
}

/// "Aurora Walnut Lamp", "Aurora Lamp Voyager" or "Aurora Walnut Lamp
/// Voyager": the material and the edition make names (and so searches)
/// more varied than the demo's "<Adjective> <Noun>".
fn product_name(rng: &mut ChaCha8Rng, adjective: &str, material: &str, noun: &str) -> String {
    let material = title_case(material);
    match rng.gen_range(0..3) {
        0 => format!("{adjective} {material} {noun}"),
        1 => format!("{adjective} {noun} {}", word(rng, EDITIONS)),
        _ => format!("{adjective} {material} {noun} {}", word(rng, EDITIONS)),
    }
}

/// "frosted glass" → "Frosted Glass".
fn title_case(words: &str) -> String {
    words
        .split(' ')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// One to three variants of the leaf's kind: sizes of one colour for
/// clothing and shoes, values of the leaf's option otherwise. SKUs are
/// `<prefix>-S<number>-…`; the `S` keeps them apart from the demo's.
fn variants(rng: &mut ChaCha8Rng, leaf: &LeafDef, number: u64, base: i64) -> Vec<VariantSeed> {
    let prefix = format!("{}-S{number:06}", leaf.sku_prefix);
    let variant = |position: usize, code: String, label: String, options: String, price_cents: i64| VariantSeed {
        sku: format!("{prefix}-{code}"),
        label,
        options,
        price_cents,
        stock: 0,
        position: position as i32,
    };
    match leaf.variants {
        VariantScheme::Apparel => {
            let colour = APPAREL_COLOURS[rng.gen_range(0..APPAREL_COLOURS.len())];
            some_of(rng, APPAREL_SIZES.len())
                .into_iter()
                .enumerate()
                .map(|(position, i)| {
                    let (size, step) = APPAREL_SIZES[i];
                    variant(
                        position,
                        format!("{size}-{}", colour.code),
                        format!("{size} / {}", colour.name),
                        options_json(&[("size", size), ("colour", colour.name)]),
                        base + step,
                    )
                })
                .collect()
        }
        VariantScheme::Shoes => {
            let colour = APPAREL_COLOURS[rng.gen_range(0..APPAREL_COLOURS.len())];
            some_of(rng, SHOE_SIZES.len())
                .into_iter()
                .enumerate()
                .map(|(position, i)| {
                    let size = SHOE_SIZES[i];
                    variant(
                        position,
                        format!("{size}-{}", colour.code),
                        format!("Size {size} / {}", colour.name),
                        options_json(&[("size", size), ("colour", colour.name)]),
                        base,
                    )
                })
                .collect()
        }
        VariantScheme::Choice { key, values } => {
            some_of(rng, values.len())
                .into_iter()
                .enumerate()
                .map(|(position, i)| {
                    let value = values[i];
                    // The first costs the base price; later ones sometimes more.
                    let surcharge = if position == 0 { 0 } else { [0, 0, 500, 1000][rng.gen_range(0..4)] };
                    variant(
                        position,
                        value.code.to_owned(),
                        value.name.to_owned(),
                        options_json(&[(key, value.name)]),
                        base + surcharge,
                    )
                })
                .collect()
        }
    }
}

/// One to three distinct indexes below `len`, in order.
fn some_of(rng: &mut ChaCha8Rng, len: usize) -> Vec<usize> {
    let count = rng.gen_range(1..=3).min(len);
    let mut picked = index::sample(rng, len, count).into_vec();
    picked.sort_unstable();
    picked
}

/// The highest product id (0 when there are none).
async fn max_product_id(db: &impl ConnectionTrait) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> = product::Entity::find()
        .select_only()
        .column_as(product::Column::Id.max(), "max_id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// Inserts one batch of products, reads their ids back by slug (a
/// multi-row insert does not portably return them), then their variants
/// and images; returns how many variants.
async fn insert_batch(txn: &impl ConnectionTrait, batch: &[PlannedProduct], ids: &DemoIds) -> Result<usize, DbErr> {
    let before = max_product_id(txn).await?;
    let mut rows = Vec::with_capacity(batch.len());
    for p in batch {
        rows.push(product::ActiveModel {
            id: NotSet,
            seller_id: Set(ids.seller(p.seller_slug)?),
            category_id: Set(ids.category(p.leaf.slug)?),
            slug: Set(p.slug.clone()),
            name: Set(p.name.clone()),
            description: Set(p.description.clone()),
            price_cents: Set(p.price_cents),
            currency: Set(Currency::Usd),
            tags: Set(p.tags.clone()),
            active: Set(true),
            // The demo's featured strip stays the demo's.
            featured: Set(false),
            // Ratings come from reviews, and these products have none.
            rating_count: Set(0),
            rating_sum: Set(0),
            created_at: Set(BASE_INSTANT - TimeDelta::minutes(p.age_minutes)),
        });
    }
    product::Entity::insert_many(rows).exec_without_returning(txn).await?;

    // Every id is above the highest before the insert; the slug tells ours
    // from any product an admin created meanwhile.
    let mut by_slug: HashMap<&str, &PlannedProduct> = batch.iter().map(|p| (p.slug.as_str(), p)).collect();
    let inserted: Vec<(i32, String)> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Slug)
        .filter(product::Column::Id.gt(before))
        .into_tuple()
        .all(txn)
        .await?;
    let mut variants = Vec::new();
    let mut images = Vec::new();
    for (product_id, slug) in inserted {
        let Some(planned) = by_slug.remove(slug.as_str()) else { continue };
        variants.extend(planned.variants.iter().map(|v| super::variant_row(product_id, v)));
        images.extend(planned.images.iter().map(|image| super::image_row(product_id, image)));
    }
    if !by_slug.is_empty() {
        return Err(DbErr::Custom(format!("seed-products: {} inserted products could not be read back", by_slug.len())));
    }
    let count = variants.len();
    variant::Entity::insert_many(variants).exec_without_returning(txn).await?;
    product_image::Entity::insert_many(images).exec_without_returning(txn).await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_number_is_always_the_same_product() {
        assert_eq!(plan_product(501), plan_product(501));
        assert_ne!(plan_product(501), plan_product(502));
    }

    #[test]
    fn products_have_one_to_three_variants_and_unique_keys() {
        let plans: Vec<_> = (501..3_501).map(plan_product).collect();
        let mut slugs = HashSet::new();
        let mut skus = HashSet::new();
        for p in &plans {
            assert!(slugs.insert(p.slug.clone()), "slug {} twice", p.slug);
            assert!(p.slug.len() <= 160 && p.name.len() <= 200, "{}", p.slug);
            assert!((1..=3).contains(&p.variants.len()), "{}: {} variants", p.slug, p.variants.len());
            assert_eq!(Some(p.price_cents), p.variants.iter().map(|v| v.price_cents).min());
            for v in &p.variants {
                assert!(skus.insert(v.sku.clone()), "SKU {} twice", v.sku);
                assert!(v.sku.len() <= 64 && v.price_cents > 0 && v.stock >= 0, "{v:?}");
            }
            assert!(p.description.contains(&p.name), "{}", p.description);
        }
        let leaves: HashSet<_> = plans.iter().map(|p| p.leaf.slug).collect();
        assert_eq!(leaves.len(), LEAVES.len(), "every leaf gets products");
        let editions = plans.iter().filter(|p| EDITIONS.iter().any(|e| p.name.ends_with(e))).count();
        assert!((1_500..2_500).contains(&editions), "{editions} of 3,000 names end in an edition");
        let sold_out = plans.iter().filter(|p| p.variants.iter().all(|v| v.stock == 0)).count();
        assert!((50..300).contains(&sold_out), "{sold_out} of 3,000 sold out");
    }

    #[test]
    fn demo_products_never_use_an_edition_word() {
        let words = |text: &str| text.split(|c: char| !c.is_alphanumeric()).map(str::to_lowercase).collect::<Vec<_>>();
        for p in super::super::generate::generate(super::super::DEMO_SEED).products {
            let used = [words(&p.name), words(&p.description), words(&p.tags)].concat();
            for edition in EDITIONS.iter().map(|e| e.to_lowercase()) {
                assert!(!used.iter().any(|w| w.starts_with(&edition)), "{} uses {edition}", p.slug);
            }
        }
    }

    #[test]
    fn materials_are_title_cased_in_names() {
        assert_eq!(title_case("frosted glass"), "Frosted Glass");
        assert_eq!(title_case("oak"), "Oak");
    }
}
