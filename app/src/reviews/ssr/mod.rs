//! Reviews on the server: the write limit (`limits`), reading a product's
//! reviews (`read`), writing and voting (`write`) and an admin's hiding
//! (`moderate`). Plain functions over a connection, so tests and jobs get
//! the whole behaviour. Every change to which reviews count moves the
//! product's `rating_count` and `rating_sum` in the same transaction,
//! under a lock on the product's row, so the totals always add up the
//! reviews customers see, and records `PRODUCT_CHANGED` for it: its page
//! is not what it was (a cached copy must go).

pub mod limits;
pub mod moderate;
pub mod read;
pub mod write;

pub use limits::{ReviewLimits, ReviewRates};

use crate::catalog::model::RatingSummary;
use crate::db::WriteTxn;
use crate::entity::{product, review};
use crate::error::AppError;
use crate::live::ssr::Recorded;
use crate::reviews::model::Review;
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// The active product `slug`, or `NotFound`.
async fn active_product(db: &impl ConnectionTrait, slug: &str) -> Result<product::Model, AppError> {
    product::Entity::find()
        .filter(product::Column::Slug.eq(slug))
        .filter(product::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Product".into()))
}

/// Records that product `id`'s page changed, in the review change's
/// transaction.
async fn page_changed(txn: &WriteTxn, id: i32) -> Result<Recorded, AppError> {
    let product = product::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::NotFound("Product".into()))?;
    crate::products::ssr::save::changed(txn, product.id, product.seller_id).await
}

/// Queues this transaction behind every other review change of product
/// `id`, so that what it reads of a review (its rating, whether it is
/// hidden) is still true when it moves the totals by it. SQLite needs no
/// row lock: its write transactions already run one at a time.
async fn lock_product(txn: &WriteTxn, id: i32) -> Result<(), AppError> {
    product::Entity::find_by_id(id).lock(LockType::NoKeyUpdate).one(txn).await?;
    Ok(())
}

/// Moves product `id`'s totals by `count` reviews of `stars` stars in all.
async fn move_totals(txn: &WriteTxn, id: i32, count: i32, stars: i32) -> Result<(), AppError> {
    product::Entity::update_many()
        .col_expr(product::Column::RatingCount, Expr::col(product::Column::RatingCount).add(count))
        .col_expr(product::Column::RatingSum, Expr::col(product::Column::RatingSum).add(stars))
        .filter(product::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

fn summary(row: &product::Model) -> RatingSummary {
    RatingSummary { count: u32::try_from(row.rating_count).unwrap_or(0), sum: u32::try_from(row.rating_sum).unwrap_or(0) }
}

/// `row` as the signed-in user `viewer_id` (if any) sees it; `voted`:
/// whether they marked it helpful.
fn to_wire(row: review::Model, viewer_id: Option<i32>, voted: bool) -> Review {
    Review {
        id: row.id,
        mine: viewer_id.is_some() && row.user_id == viewer_id,
        voted,
        rating: u8::try_from(row.rating).unwrap_or(0),
        verified_purchase: row.verified_purchase,
        helpful_count: u32::try_from(row.helpful_count).unwrap_or(0),
        date: row.created_at.format("%Y-%m-%d").to_string(),
        edited: row.updated_at > row.created_at,
        hidden: row.hidden,
        author: row.author_name,
        title: row.title,
        text: row.body,
    }
}
