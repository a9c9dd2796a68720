//! Pure, deterministic generation of the demo catalogue as plain structs.
//!
//! Nothing here touches the database, the wall clock or the thread RNG: the
//! only input is the seed, so the same seed always yields the same data
//! (ChaCha's output stream is value-stable across `rand_chacha` releases).

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use rand::seq::{index, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use super::catalog_tree::{
    LeafDef, OptionValue, VariantScheme, ADJECTIVES, APPAREL_COLOURS, APPAREL_SIZES, CLOSERS,
    FIRST_NAMES, LEAVES, QUALITIES, REVIEW_SENTENCES, REVIEW_TITLES, SELLERS, SHOE_SIZES,
};

/// How many products the demo catalogue holds.
pub const PRODUCT_COUNT: usize = 500;

/// How many products have every variant out of stock (10 %).
pub const SOLD_OUT_COUNT: usize = PRODUCT_COUNT / 10;

/// How many products are featured (8 %).
pub const FEATURED_COUNT: usize = PRODUCT_COUNT * 8 / 100;

/// The instant all demo timestamps are measured back from:
/// 2026-01-01T00:00:00Z. Fixed, so the data does not depend on when the
/// seeder runs.
pub const BASE_INSTANT: DateTime<Utc> =
    DateTime::<Utc>::from_timestamp_nanos(1_767_225_600 * 1_000_000_000);

/// Youngest a product can be: one day, so its reviews have room to follow it.
const MIN_PRODUCT_AGE_MINUTES: i64 = 24 * 60;

/// Oldest a product can be: about a year.
const MAX_PRODUCT_AGE_MINUTES: i64 = 365 * 24 * 60;

/// Most reviews a single product gets.
const MAX_REVIEWS: usize = 12;

/// The whole generated catalogue. Categories and sellers are the fixed lists
/// in [`super::catalog_tree`]; products refer to them by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCatalog {
    /// Exactly [`PRODUCT_COUNT`] products, in insertion order.
    pub products: Vec<ProductSeed>,
}

/// A product with everything that hangs off it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSeed {
    /// Unique URL slug.
    pub slug: String,
    /// "<Adjective> <Noun>"; not necessarily unique.
    pub name: String,
    /// Two or three sentences naming the noun, a material and a use.
    pub description: String,
    /// Slug of the leaf category the product belongs to.
    pub category_slug: &'static str,
    /// Slug of the seller that lists it.
    pub seller_slug: &'static str,
    /// Lowest variant price, in cents.
    pub price_cents: i64,
    /// 3–5 space-separated lowercase tags.
    pub tags: String,
    /// Whether the product is shown in the featured strip.
    pub featured: bool,
    /// Number of reviews.
    pub rating_count: i32,
    /// Sum of review ratings.
    pub rating_sum: i32,
    /// When the product was listed.
    pub created_at: DateTime<Utc>,
    /// At least one variant, ordered by `position`.
    pub variants: Vec<VariantSeed>,
    /// Exactly two images, positions 0 and 1.
    pub images: Vec<ImageSeed>,
    /// 0–12 reviews, oldest first.
    pub reviews: Vec<ReviewSeed>,
}

/// A purchasable variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantSeed {
    /// Upper-case, globally unique SKU such as `TSH-00042-M-NAV`.
    pub sku: String,
    /// Display label such as `"M / Navy"` or `"Size 8 / Black"`.
    pub label: String,
    /// JSON object of option name to value, e.g. `{"colour":"Navy","size":"M"}`.
    pub options: String,
    /// Price in cents.
    pub price_cents: i64,
    /// Units in stock; never negative.
    pub stock: i32,
    /// Order within the product, starting at 0.
    pub position: i32,
}

/// A product image served from `public/images/products/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSeed {
    /// Site-relative URL, `/images/products/<leaf-slug>-<k>.svg`.
    pub url: String,
    /// `"<product name> — image <n>"`.
    pub alt: String,
    /// Order within the product, starting at 0.
    pub position: i32,
}

/// A customer review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSeed {
    /// "<First name> <Initial>."
    pub author_name: String,
    /// 1 to 5.
    pub rating: i16,
    /// Short title matching the rating's mood.
    pub title: String,
    /// One or two sentences.
    pub body: String,
    /// Whether the reviewer bought through the shop.
    pub verified_purchase: bool,
    /// Strictly after the product's `created_at`, never after [`BASE_INSTANT`].
    pub created_at: DateTime<Utc>,
}

/// Generates the demo catalogue for `seed`. Pure: equal seeds give equal
/// catalogues.
pub fn generate(seed: u64) -> DemoCatalog {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let leaves = leaf_assignment(&mut rng);
    // Exact counts (rather than a per-product coin flip) so every seed has
    // the same share of sold-out and featured products.
    let sold_out = flags(&mut rng, SOLD_OUT_COUNT);
    let featured = flags(&mut rng, FEATURED_COUNT);

    let mut used_slugs = HashSet::with_capacity(PRODUCT_COUNT);
    let products = leaves
        .into_iter()
        .enumerate()
        .map(|(i, leaf)| {
            let seller = if rng.gen_bool(0.75) {
                &SELLERS[i % SELLERS.len()]
            } else {
                pick(&mut rng, SELLERS)
            };
            product(
                &mut rng,
                ProductSlot {
                    number: i + 1,
                    leaf,
                    seller_slug: seller.slug,
                    sold_out: sold_out[i],
                    featured: featured[i],
                },
                &mut used_slugs,
            )
        })
        .collect();

    DemoCatalog { products }
}

/// Lower-cases `text` and turns every run of non-alphanumeric characters into
/// a single `-`, with none at either end: `"V-Neck Tee"` → `"v-neck-tee"`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    slug
}

/// What is decided about a product before its own details are generated.
struct ProductSlot {
    /// 1-based position in the catalogue; makes SKUs unique.
    number: usize,
    leaf: &'static LeafDef,
    seller_slug: &'static str,
    sold_out: bool,
    featured: bool,
}

fn product(
    rng: &mut ChaCha8Rng,
    slot: ProductSlot,
    used_slugs: &mut HashSet<String>,
) -> ProductSeed {
    let leaf = slot.leaf;
    let noun = word(rng, leaf.nouns);
    let name = format!("{} {}", word(rng, ADJECTIVES), noun);
    let slug = unique_slug(slugify(&name), used_slugs);
    let material = word(rng, leaf.materials);
    let description = describe(rng, leaf, noun, &name, material);
    let tags = tags(rng, leaf.tags);

    let age_minutes = rng.gen_range(MIN_PRODUCT_AGE_MINUTES..=MAX_PRODUCT_AGE_MINUTES);
    let created_at = BASE_INSTANT - TimeDelta::minutes(age_minutes);

    let base_price = base_price(rng, leaf.price_dollars);
    let mut variants = variants(rng, leaf, slot.number, base_price);
    stock(rng, &mut variants, slot.sold_out);
    // Every scheme yields at least one variant; the fallback only keeps this
    // total without an unwrap.
    let price_cents = variants
        .iter()
        .map(|v| v.price_cents)
        .min()
        .unwrap_or(base_price);

    let images = images(rng, leaf.slug, &name);
    let reviews = reviews(rng, noun, created_at, age_minutes);
    let rating_sum = reviews.iter().map(|r| i32::from(r.rating)).sum();

    ProductSeed {
        slug,
        name,
        description,
        category_slug: leaf.slug,
        seller_slug: slot.seller_slug,
        price_cents,
        tags,
        featured: slot.featured,
        rating_count: reviews.len() as i32,
        rating_sum,
        created_at,
        variants,
        images,
        reviews,
    }
}

/// Picks one element. The lists are non-empty consts (checked by tests), so
/// the index is always in range.
pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// [`pick`] for the const word lists, returning the word itself.
pub(super) fn word(rng: &mut ChaCha8Rng, words: &[&'static str]) -> &'static str {
    words[rng.gen_range(0..words.len())]
}

/// The leaf of each product, in catalogue order: every leaf gets
/// `PRODUCT_COUNT / leaves` products and the remainder goes to distinct
/// random leaves, then the order is shuffled so listings mix categories.
fn leaf_assignment(rng: &mut ChaCha8Rng) -> Vec<&'static LeafDef> {
    let per_leaf = PRODUCT_COUNT / LEAVES.len();
    let extra = PRODUCT_COUNT % LEAVES.len();
    let mut order: Vec<&'static LeafDef> = LEAVES
        .iter()
        .flat_map(|leaf| std::iter::repeat_n(leaf, per_leaf))
        .collect();
    order.extend(
        index::sample(rng, LEAVES.len(), extra)
            .into_iter()
            .map(|i| &LEAVES[i]),
    );
    order.shuffle(rng);
    order
}

/// `PRODUCT_COUNT` flags of which exactly `count` are set, at random places.
fn flags(rng: &mut ChaCha8Rng, count: usize) -> Vec<bool> {
    let mut flags = vec![false; PRODUCT_COUNT];
    for i in index::sample(rng, PRODUCT_COUNT, count) {
        flags[i] = true;
    }
    flags
}

/// Returns `base` if unused, else the first free `base-2`, `base-3`, …
fn unique_slug(base: String, used: &mut HashSet<String>) -> String {
    if used.insert(base.clone()) {
        return base;
    }
    let mut n = 2;
    loop {
        let candidate = format!("{base}-{n}");
        if used.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// The noun as it reads mid-sentence: lower case, except for words that are
/// proper names ("Dutch oven").
fn noun_in_sentence(noun: &str) -> String {
    noun.split(' ')
        .map(|w| {
            if w == "Dutch" {
                w.to_owned()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every plural noun in the catalogue ends in "s" and no singular one does.
fn is_plural(noun: &str) -> bool {
    noun.ends_with('s')
}

/// "a sturdy lamp", "an understated lamp", "sturdy sneakers".
fn described_noun(quality: &str, noun_lower: &str) -> String {
    if is_plural(noun_lower) {
        format!("{quality} {noun_lower}")
    } else if quality.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {quality} {noun_lower}")
    } else {
        format!("a {quality} {noun_lower}")
    }
}

/// Two or three sentences naming the noun, the `material` (one of the
/// leaf's, drawn by the caller so a name can mention the same one) and a
/// use, so that full-text search finds products by what they are made of
/// and for.
pub(super) fn describe(
    rng: &mut ChaCha8Rng,
    leaf: &LeafDef,
    noun: &str,
    name: &str,
    material: &str,
) -> String {
    let noun_lower = noun_in_sentence(noun);
    let plural = is_plural(noun);
    let (is, it, its) = if plural {
        ("are", "they", "their")
    } else {
        ("is", "it", "its")
    };
    let use_ = word(rng, leaf.uses);
    let what = described_noun(word(rng, QUALITIES), &noun_lower);

    let first = match rng.gen_range(0..3) {
        0 => format!("The {name} {is} {what} made from {material}."),
        1 => format!("Crafted from {material}, the {name} {is} {what}."),
        _ => format!("Meet the {name}: {what} in {material}."),
    };
    let second = match rng.gen_range(0..3) {
        0 => format!("{} {is} designed for {use_}.", capitalise(it)),
        1 => {
            let earn = if plural { "earn" } else { "earns" };
            format!("Perfect for {use_}, {it} {earn} {its} place from day one.")
        }
        _ => format!(
            "We made {} with {use_} in mind.",
            if plural { "them" } else { "it" }
        ),
    };
    let mut description = format!("{first} {second}");
    if rng.gen_bool(0.6) {
        description.push(' ');
        description.push_str(word(rng, CLOSERS));
    }
    description
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// 3–5 distinct tags from the pool, kept in pool order so related tags stay
/// together.
pub(super) fn tags(rng: &mut ChaCha8Rng, pool: &[&str]) -> String {
    let count = rng.gen_range(3..=5).min(pool.len());
    let mut picked = index::sample(rng, pool.len(), count).into_vec();
    picked.sort_unstable();
    picked
        .into_iter()
        .map(|i| pool[i])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A price in the leaf's band ending the way shop prices do: mostly .99,
/// sometimes .00 or .50.
pub(super) fn base_price(rng: &mut ChaCha8Rng, (low, high): (i64, i64)) -> i64 {
    let dollars = rng.gen_range(low..=high);
    match rng.gen_range(0..5) {
        0 => dollars * 100,
        1 => dollars * 100 + 50,
        _ => dollars * 100 - 1,
    }
}

/// A JSON object with the pairs as string members.
pub(super) fn options_json(pairs: &[(&str, &str)]) -> String {
    let map: Map<String, Value> = pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Value::String((*value).to_owned())))
        .collect();
    Value::Object(map).to_string()
}

/// The variants of one product, with stock left at 0 for [`stock`] to fill.
fn variants(
    rng: &mut ChaCha8Rng,
    leaf: &LeafDef,
    number: usize,
    base_price: i64,
) -> Vec<VariantSeed> {
    let prefix = leaf.sku_prefix;
    match leaf.variants {
        VariantScheme::Apparel => {
            let colour = pick(rng, APPAREL_COLOURS);
            APPAREL_SIZES
                .iter()
                .enumerate()
                .map(|(position, &(size, step))| VariantSeed {
                    sku: format!("{prefix}-{number:05}-{size}-{}", colour.code),
                    label: format!("{size} / {}", colour.name),
                    options: options_json(&[("size", size), ("colour", colour.name)]),
                    price_cents: base_price + step,
                    stock: 0,
                    position: position as i32,
                })
                .collect()
        }
        VariantScheme::Shoes => {
            let colour = pick(rng, APPAREL_COLOURS);
            SHOE_SIZES
                .iter()
                .enumerate()
                .map(|(position, &size)| VariantSeed {
                    sku: format!("{prefix}-{number:05}-{size}-{}", colour.code),
                    label: format!("Size {size} / {}", colour.name),
                    options: options_json(&[("size", size), ("colour", colour.name)]),
                    price_cents: base_price,
                    stock: 0,
                    position: position as i32,
                })
                .collect()
        }
        VariantScheme::Choice { key, values } => {
            // A quarter of these products come in a single, unnamed variant.
            if rng.gen_bool(0.25) {
                return vec![VariantSeed {
                    sku: format!("{prefix}-{number:05}-STD"),
                    label: "Standard".to_owned(),
                    options: options_json(&[]),
                    price_cents: base_price,
                    stock: 0,
                    position: 0,
                }];
            }
            let count = rng.gen_range(1..=3).min(values.len());
            let chosen: Vec<&OptionValue> = index::sample(rng, values.len(), count)
                .into_iter()
                .map(|i| &values[i])
                .collect();
            chosen
                .into_iter()
                .enumerate()
                .map(|(position, value)| {
                    // The first variant carries the base price so the product
                    // price equals it; later ones may cost a little more.
                    let surcharge = if position == 0 {
                        0
                    } else {
                        *pick(rng, &[0, 0, 0, 500, 1000])
                    };
                    VariantSeed {
                        sku: format!("{prefix}-{number:05}-{}", value.code),
                        label: value.name.to_owned(),
                        options: options_json(&[(key, value.name)]),
                        price_cents: base_price + surcharge,
                        stock: 0,
                        position: position as i32,
                    }
                })
                .collect()
        }
    }
}

/// Fills in stock: all zero for a sold-out product; otherwise mostly
/// plentiful, with some variants nearly gone or out, but never all out (the
/// sold-out share is controlled exactly by [`SOLD_OUT_COUNT`]).
pub(super) fn stock(rng: &mut ChaCha8Rng, variants: &mut [VariantSeed], sold_out: bool) {
    if sold_out {
        for variant in variants.iter_mut() {
            variant.stock = 0;
        }
        return;
    }
    for variant in variants.iter_mut() {
        variant.stock = match rng.gen_range(0..100) {
            0..=7 => 0,
            8..=17 => rng.gen_range(1..=5),
            _ => rng.gen_range(6..=120),
        };
    }
    if variants.iter().all(|v| v.stock == 0) {
        if let Some(first) = variants.first_mut() {
            first.stock = rng.gen_range(6..=120);
        }
    }
}

/// Two distinct pictures of the leaf, out of the four drawn for it.
pub(super) fn images(rng: &mut ChaCha8Rng, leaf_slug: &str, name: &str) -> Vec<ImageSeed> {
    index::sample(rng, 4, 2)
        .into_iter()
        .enumerate()
        .map(|(position, k)| ImageSeed {
            url: format!("/images/products/{leaf_slug}-{}.svg", k + 1),
            alt: format!("{name} — image {}", position + 1),
            position: position as i32,
        })
        .collect()
}

/// Chances (in any unit) of ratings 1 to 5 for most products…
const USUAL_RATING_WEIGHTS: [u32; 5] = [3, 5, 12, 35, 45];
/// …and for the minority that disappoint, so the minimum-rating filter has
/// something to filter out.
const POOR_RATING_WEIGHTS: [u32; 5] = [12, 18, 32, 25, 13];

fn rating(rng: &mut ChaCha8Rng, weights: &[u32; 5]) -> i16 {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.gen_range(0..total);
    for (stars, weight) in (1..=5).zip(weights) {
        if roll < *weight {
            return stars;
        }
        roll -= weight;
    }
    5
}

/// 0–12 reviews (none for about 15 % of products), oldest first, each dated
/// between the product's listing and [`BASE_INSTANT`].
fn reviews(
    rng: &mut ChaCha8Rng,
    noun: &str,
    product_created: DateTime<Utc>,
    age_minutes: i64,
) -> Vec<ReviewSeed> {
    let count = if rng.gen_bool(0.15) {
        0
    } else {
        rng.gen_range(1..=MAX_REVIEWS)
    };
    let weights = if rng.gen_bool(0.15) {
        &POOR_RATING_WEIGHTS
    } else {
        &USUAL_RATING_WEIGHTS
    };
    let noun_lower = noun_in_sentence(noun);

    let mut reviews: Vec<ReviewSeed> = (0..count)
        .map(|_| {
            let rating = rating(rng, weights);
            let mood = usize::from(rating.unsigned_abs()) - 1;
            let sentences = REVIEW_SENTENCES[mood];
            let sentence_count = rng.gen_range(1..=2).min(sentences.len());
            let body = index::sample(rng, sentences.len(), sentence_count)
                .into_iter()
                .map(|i| sentences[i].replace("{noun}", &noun_lower))
                .collect::<Vec<_>>()
                .join(" ");
            let initial = char::from(rng.gen_range(b'A'..=b'Z'));
            ReviewSeed {
                author_name: format!("{} {initial}.", word(rng, FIRST_NAMES)),
                rating,
                title: word(rng, REVIEW_TITLES[mood]).to_owned(),
                body,
                verified_purchase: rng.gen_bool(0.6),
                created_at: product_created + TimeDelta::minutes(rng.gen_range(1..=age_minutes)),
            }
        })
        .collect();
    // Stable sort: reviews with equal timestamps keep their generated order.
    reviews.sort_by_key(|review| review.created_at);
    reviews
}
