//! Deterministic demo data: a fixed category tree, three sellers and 500
//! generated products with variants, images and reviews.
//!
//! [`generate`] builds the data as plain structs from a seed; this module
//! writes it to the database in one transaction.

pub mod accounts;
pub mod catalog_tree;
pub mod generate;
pub mod orders;
pub mod products;
mod progress;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use app::entity::{category, product, product_image, review, seller, variant};
use app::money::Currency;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, TransactionTrait,
};

use self::catalog_tree::{CATEGORIES, SELLERS};
use self::generate::DemoCatalog;

/// The seed the app uses for its demo data.
pub const DEMO_SEED: u64 = 20261123;

/// Most rows per multi-row INSERT. The widest table (products, 14 columns)
/// then binds 2,800 parameters, well under both PostgreSQL's 65,535 and
/// SQLite's 32,766.
const BATCH_SIZE: usize = 200;

/// What [`seed_demo`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedReport {
    /// The catalogue already had categories; nothing was written.
    AlreadySeeded,
    /// The demo data was written; the counts are rows inserted.
    Seeded {
        /// Categories, top-level and leaf.
        categories: usize,
        /// Sellers.
        sellers: usize,
        /// Products.
        products: usize,
        /// Variants across all products.
        variants: usize,
        /// Reviews across all products.
        reviews: usize,
    },
}

/// What [`seed_demo`] did: the catalogue, and the demo accounts it created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    pub catalog: SeedReport,
    /// The demo logins created just now (empty when accounts existed), for
    /// the server to print at first start.
    pub demo_logins: Vec<accounts::DemoLogin>,
}

/// Seeds the demo catalogue, then the demo accounts; each step is skipped
/// when its tables already have rows.
pub async fn seed_demo(db: &DatabaseConnection, seed: u64) -> Result<DemoReport, DbErr> {
    let catalog = seed_catalog(db, seed).await?;
    let demo_logins = accounts::seed_demo_accounts(db).await?;
    Ok(DemoReport { catalog, demo_logins })
}

/// Fills an empty catalogue with the demo data for `seed`.
///
/// If the `categories` table already has rows, returns
/// [`SeedReport::AlreadySeeded`] and changes nothing. Otherwise everything is
/// written in a single transaction, so a failure leaves the database as it
/// was. On a fresh database the same seed always produces the same rows, ids
/// included.
pub async fn seed_catalog(db: &DatabaseConnection, seed: u64) -> Result<SeedReport, DbErr> {
    let txn = db.begin().await?;
    // Checked inside the transaction; should two seeders still race, the
    // unique slugs make the second one fail and roll back rather than
    // duplicate the catalogue.
    if category::Entity::find().one(&txn).await?.is_some() {
        txn.rollback().await?;
        return Ok(SeedReport::AlreadySeeded);
    }

    let catalog = generate::generate(seed);
    let category_ids = insert_categories(&txn).await?;
    let seller_ids = insert_sellers(&txn).await?;
    let product_ids = insert_products(&txn, &catalog, &category_ids, &seller_ids).await?;
    let variants = insert_variants(&txn, &catalog, &product_ids).await?;
    let images = insert_images(&txn, &catalog, &product_ids).await?;
    let reviews = insert_reviews(&txn, &catalog, &product_ids).await?;
    txn.commit().await?;

    let report = SeedReport::Seeded {
        categories: category_ids.len(),
        sellers: seller_ids.len(),
        products: product_ids.len(),
        variants,
        reviews,
    };
    tracing::info!(seed, images, ?report, "seeded demo catalogue");
    Ok(report)
}

/// Slug → id of rows already inserted.
type IdsBySlug = HashMap<String, i32>;

/// The id for `slug`, or an error naming what was missing. Only reachable if
/// the const data or the generator refer to a slug that was never inserted.
fn id_for(ids: &IdsBySlug, kind: &str, slug: &str) -> Result<i32, DbErr> {
    ids.get(slug)
        .copied()
        .ok_or_else(|| DbErr::RecordNotFound(format!("demo seed: no {kind} with slug {slug:?}")))
}

/// Inserts the category tree row by row (15 rows) so each child can use its
/// parent's freshly assigned id.
async fn insert_categories(txn: &DatabaseTransaction) -> Result<IdsBySlug, DbErr> {
    let mut ids = IdsBySlug::with_capacity(CATEGORIES.len());
    for def in CATEGORIES {
        let parent_id = match def.parent {
            Some(parent) => Some(id_for(&ids, "parent category", parent)?),
            None => None,
        };
        let row = category::ActiveModel {
            id: NotSet,
            parent_id: Set(parent_id),
            slug: Set(def.slug.to_owned()),
            name: Set(def.name.to_owned()),
            description: Set(def.description.to_owned()),
            position: Set(def.position),
            image_url: Set(None),
        }
        .insert(txn)
        .await?;
        ids.insert(row.slug, row.id);
    }
    Ok(ids)
}

/// Inserts the sellers row by row (three rows) to learn their ids.
async fn insert_sellers(txn: &DatabaseTransaction) -> Result<IdsBySlug, DbErr> {
    let mut ids = IdsBySlug::with_capacity(SELLERS.len());
    for def in SELLERS {
        let row = seller::ActiveModel {
            id: NotSet,
            slug: Set(def.slug.to_owned()),
            name: Set(def.name.to_owned()),
        }
        .insert(txn)
        .await?;
        ids.insert(row.slug, row.id);
    }
    Ok(ids)
}

/// Inserts the products in batches, then reads them back to map slug → id
/// (multi-row inserts do not portably return every id).
async fn insert_products(
    txn: &DatabaseTransaction,
    catalog: &DemoCatalog,
    category_ids: &IdsBySlug,
    seller_ids: &IdsBySlug,
) -> Result<IdsBySlug, DbErr> {
    let mut rows = Vec::with_capacity(catalog.products.len());
    for p in &catalog.products {
        rows.push(product::ActiveModel {
            id: NotSet,
            seller_id: Set(id_for(seller_ids, "seller", p.seller_slug)?),
            category_id: Set(id_for(category_ids, "category", p.category_slug)?),
            slug: Set(p.slug.clone()),
            name: Set(p.name.clone()),
            description: Set(p.description.clone()),
            price_cents: Set(p.price_cents),
            currency: Set(Currency::Usd),
            tags: Set(p.tags.clone()),
            active: Set(true),
            featured: Set(p.featured),
            rating_count: Set(p.rating_count),
            rating_sum: Set(p.rating_sum),
            created_at: Set(p.created_at),
        });
    }
    for batch in rows.chunks(BATCH_SIZE) {
        product::Entity::insert_many(batch.to_vec())
            .exec_without_returning(txn)
            .await?;
    }

    // The table was empty before this transaction (products need
    // categories), so every row read back is one of ours.
    let ids: IdsBySlug = product::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|row| (row.slug, row.id))
        .collect();
    if ids.len() != catalog.products.len() {
        return Err(DbErr::Custom(format!(
            "demo seed: inserted {} products but read back {}",
            catalog.products.len(),
            ids.len()
        )));
    }
    Ok(ids)
}

/// Inserts every product's variants in batches; returns how many.
/// The row of seeded variant `v` of product `product_id`.
fn variant_row(product_id: i32, v: &generate::VariantSeed) -> variant::ActiveModel {
    variant::ActiveModel {
        id: NotSet,
        product_id: Set(product_id),
        sku: Set(v.sku.clone()),
        label: Set(v.label.clone()),
        options: Set(v.options.clone()),
        price_cents: Set(v.price_cents),
        stock: Set(v.stock),
        position: Set(v.position),
        // The column's default: the seeded shop has no thresholds of its own.
        low_stock_threshold: NotSet,
    }
}

/// The row of seeded image `image` of product `product_id`.
fn image_row(product_id: i32, image: &generate::ImageSeed) -> product_image::ActiveModel {
    product_image::ActiveModel {
        id: NotSet,
        product_id: Set(product_id),
        url: Set(image.url.clone()),
        alt: Set(image.alt.clone()),
        position: Set(image.position),
    }
}

async fn insert_variants(
    txn: &DatabaseTransaction,
    catalog: &DemoCatalog,
    product_ids: &IdsBySlug,
) -> Result<usize, DbErr> {
    let mut rows = Vec::new();
    for p in &catalog.products {
        let product_id = id_for(product_ids, "product", &p.slug)?;
        rows.extend(p.variants.iter().map(|v| variant_row(product_id, v)));
    }
    for batch in rows.chunks(BATCH_SIZE) {
        variant::Entity::insert_many(batch.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(rows.len())
}

/// Inserts every product's images in batches; returns how many.
async fn insert_images(
    txn: &DatabaseTransaction,
    catalog: &DemoCatalog,
    product_ids: &IdsBySlug,
) -> Result<usize, DbErr> {
    let mut rows = Vec::new();
    for p in &catalog.products {
        let product_id = id_for(product_ids, "product", &p.slug)?;
        rows.extend(p.images.iter().map(|image| image_row(product_id, image)));
    }
    for batch in rows.chunks(BATCH_SIZE) {
        product_image::Entity::insert_many(batch.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(rows.len())
}

/// Inserts every product's reviews in batches; returns how many.
async fn insert_reviews(
    txn: &DatabaseTransaction,
    catalog: &DemoCatalog,
    product_ids: &IdsBySlug,
) -> Result<usize, DbErr> {
    let mut rows = Vec::new();
    for p in &catalog.products {
        let product_id = id_for(product_ids, "product", &p.slug)?;
        rows.extend(p.reviews.iter().map(|r| review::ActiveModel {
            id: NotSet,
            product_id: Set(product_id),
            author_name: Set(r.author_name.clone()),
            rating: Set(r.rating),
            title: Set(r.title.clone()),
            body: Set(r.body.clone()),
            verified_purchase: Set(r.verified_purchase),
            created_at: Set(r.created_at),
            // Demo reviews have no account behind them.
            user_id: Set(None),
            hidden: Set(false),
            helpful_count: Set(0),
            updated_at: Set(r.created_at),
        }));
    }
    for batch in rows.chunks(BATCH_SIZE) {
        review::Entity::insert_many(batch.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(rows.len())
}
