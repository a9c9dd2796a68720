//! Reading the catalog from the database. Plain functions over a
//! connection, so tests call them directly.

pub mod search_sql;

use crate::catalog::model::{
    Category, CategoryTree, HomePage, Image, ProductCard, ProductDetail, RatingSummary, Review, SearchResults,
    Variant, REVIEWS_SHOWN,
};
use crate::catalog::search_query::{SearchQuery, PER_PAGE};
use crate::entity::{category, product, product_image, review, seller, variant};
use crate::error::AppError;
use crate::money::{Currency, Money};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use search_sql::Listing;

/// How many featured products the home page shows.
const FEATURED_SHOWN: usize = 8;

fn rating(count: i32, sum: i32) -> RatingSummary {
    RatingSummary { count: u32::try_from(count).unwrap_or(0), sum: u32::try_from(sum).unwrap_or(0) }
}

impl From<category::Model> for Category {
    fn from(row: category::Model) -> Self {
        Category {
            id: row.id,
            parent_id: row.parent_id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            image: row.image_url,
        }
    }
}

/// Every category, ordered for display.
pub async fn category_tree(db: &DatabaseConnection) -> Result<CategoryTree, AppError> {
    let rows = category::Entity::find()
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?;
    Ok(CategoryTree { categories: rows.into_iter().map(Category::from).collect() })
}

/// A row of the listing query.
#[derive(Debug, FromQueryResult)]
struct CardRow {
    slug: String,
    name: String,
    price_cents: i64,
    currency: Currency,
    rating_count: i32,
    rating_sum: i32,
    max_price_cents: Option<i64>,
    in_stock: bool,
    image_url: Option<String>,
    image_alt: Option<String>,
}

impl CardRow {
    fn into_card(self) -> ProductCard {
        ProductCard {
            price: Money::new(self.price_cents, self.currency),
            price_varies: self.max_price_cents.is_some_and(|max| max > self.price_cents),
            rating: rating(self.rating_count, self.rating_sum),
            in_stock: self.in_stock,
            image: self.image_url.map(|url| Image { url, alt: self.image_alt.unwrap_or_default() }),
            slug: self.slug,
            name: self.name,
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    total: i64,
}

/// One page of the products matching `query`. An unknown category slug is
/// `NotFound`.
pub async fn search(db: &DatabaseConnection, query: &SearchQuery) -> Result<SearchResults, AppError> {
    let tree;
    let category_ids = match &query.category {
        None => None,
        Some(slug) => {
            tree = category_tree(db).await?;
            let category = tree.by_slug(slug).ok_or_else(|| AppError::NotFound("Category".into()))?;
            Some(tree.subtree_ids(category.id))
        }
    };
    let listing = Listing { query, category_ids: category_ids.as_deref() };
    let (total, rows) = if db.get_database_backend() == DbBackend::Postgres && listing.has_text() {
        // PostgreSQL costs `@@` as one cheap operator per row, so for a word
        // in a few percent of the products (and the last word is always a
        // prefix) it plans to test every row's tsvector over using the GIN
        // index: 80–120 ms against 20 ms at 100,000 products. SET LOCAL
        // keeps the setting to this transaction's two statements.
        let txn = db.begin().await?;
        txn.execute_unprepared("SET LOCAL enable_seqscan = off").await?;
        let found = count_and_page(&txn, &listing).await?;
        txn.commit().await?;
        found
    } else {
        count_and_page(db, &listing).await?
    };
    let products = rows.into_iter().map(CardRow::into_card).collect();
    Ok(SearchResults { products, total: u64::try_from(total).unwrap_or(0), page: query.page, per_page: PER_PAGE })
}

/// How many products match `listing`, and the rows of its page.
async fn count_and_page(db: &impl ConnectionTrait, listing: &Listing<'_>) -> Result<(i64, Vec<CardRow>), AppError> {
    let backend = db.get_database_backend();
    let total = CountRow::find_by_statement(listing.count_statement(backend))
        .one(db)
        .await?
        .map_or(0, |row| row.total);
    let rows = CardRow::find_by_statement(listing.page_statement(backend)).all(db).await?;
    Ok((total, rows))
}

/// Cards for the active products among `ids`, in id order.
pub async fn cards(db: &DatabaseConnection, ids: &[i32]) -> Result<Vec<ProductCard>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(CardRow::find_by_statement(search_sql::cards_statement(db.get_database_backend(), ids))
        .all(db)
        .await?
        .into_iter()
        .map(CardRow::into_card)
        .collect())
}

/// The home page: featured products first, then the newest (the default
/// listing order without search text).
pub async fn home(db: &DatabaseConnection) -> Result<HomePage, AppError> {
    let mut featured = search(db, &SearchQuery::default()).await?.products;
    featured.truncate(FEATURED_SHOWN);
    Ok(HomePage { featured })
}

/// The product page for an active product, or `NotFound`.
pub async fn product_detail(db: &DatabaseConnection, slug: &str) -> Result<ProductDetail, AppError> {
    let not_found = || AppError::NotFound("Product".into());
    let row = product::Entity::find()
        .filter(product::Column::Slug.eq(slug))
        .filter(product::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let currency = row.currency;
    let category = category::Entity::find_by_id(row.category_id).one(db).await?.ok_or_else(not_found)?;
    let seller = seller::Entity::find_by_id(row.seller_id).one(db).await?.ok_or_else(not_found)?;
    let images = product_image::Entity::find()
        .filter(product_image::Column::ProductId.eq(row.id))
        .order_by_asc(product_image::Column::Position)
        .all(db)
        .await?;
    let variants = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(row.id))
        .order_by_asc(variant::Column::Position)
        .order_by_asc(variant::Column::Id)
        .all(db)
        .await?;
    let reviews = review::Entity::find()
        .filter(review::Column::ProductId.eq(row.id))
        .filter(review::Column::Hidden.eq(false))
        .order_by_desc(review::Column::CreatedAt)
        .order_by_desc(review::Column::Id)
        .limit(REVIEWS_SHOWN)
        .all(db)
        .await?;
    Ok(ProductDetail {
        tags: row.tags.split_whitespace().map(str::to_string).collect(),
        seller: seller.name,
        category: category.into(),
        images: images.into_iter().map(|i| Image { url: i.url, alt: i.alt }).collect(),
        variants: variants
            .into_iter()
            .map(|v| Variant {
                sku: v.sku,
                label: v.label,
                price: Money::new(v.price_cents, currency),
                stock: u32::try_from(v.stock).unwrap_or(0),
            })
            .collect(),
        rating: rating(row.rating_count, row.rating_sum),
        reviews: reviews
            .into_iter()
            .map(|r| Review {
                author: r.author_name,
                rating: u8::try_from(r.rating).unwrap_or(0),
                title: r.title,
                body: r.body,
                verified_purchase: r.verified_purchase,
                date: r.created_at.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        slug: row.slug,
        name: row.name,
        description: row.description,
    })
}
