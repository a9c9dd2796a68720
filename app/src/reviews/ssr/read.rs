//! Reading a product's reviews, as one viewer sees them.

use super::{active_product, summary, to_wire};
use crate::auth::{CurrentUser, Role};
use crate::entity::{review, review_vote};
use crate::error::AppError;
use crate::reviews::model::{Review, ReviewList, ReviewSort, REVIEWS_LISTED};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashSet;

/// Product `slug`'s reviews in `sort` order, at most [`REVIEWS_LISTED`],
/// with whether `viewer` wrote each and marked it helpful. Hidden reviews
/// are listed for admins only. An unknown or inactive product is
/// `NotFound`.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: Option<&CurrentUser>,
    slug: &str,
    sort: ReviewSort,
) -> Result<ReviewList, AppError> {
    let product = active_product(db, slug).await?;
    let mut select = review::Entity::find().filter(review::Column::ProductId.eq(product.id));
    if !viewer.is_some_and(|v| v.holds(Role::Admin)) {
        select = select.filter(review::Column::Hidden.eq(false));
    }
    if sort == ReviewSort::Helpful {
        select = select.order_by_desc(review::Column::HelpfulCount);
    }
    let rows = select
        .order_by_desc(review::Column::CreatedAt)
        .order_by_desc(review::Column::Id)
        .limit(REVIEWS_LISTED)
        .all(db)
        .await?;
    let viewer_id = viewer.map(|v| v.id);
    let voted = match viewer_id {
        Some(user_id) => voted_among(db, user_id, rows.iter().map(|row| row.id)).await?,
        None => HashSet::new(),
    };
    let reviews = rows
        .into_iter()
        .map(|row| {
            let voted = voted.contains(&row.id);
            to_wire(row, viewer_id, voted)
        })
        .collect();
    Ok(ReviewList { rating: summary(&product), sort, reviews })
}

/// Which of the reviews `ids` user `user_id` has marked helpful.
pub(super) async fn voted_among(
    db: &impl ConnectionTrait,
    user_id: i32,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashSet<i32>, AppError> {
    let ids: Vec<i32> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(review_vote::Entity::find()
        .select_only()
        .column(review_vote::Column::ReviewId)
        .filter(review_vote::Column::UserId.eq(user_id))
        .filter(review_vote::Column::ReviewId.is_in(ids))
        .into_tuple::<i32>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// `user`'s own review of product `slug`, hidden or not: what their form
/// starts from.
pub async fn mine(db: &impl ConnectionTrait, user: &CurrentUser, slug: &str) -> Result<Option<Review>, AppError> {
    let product = active_product(db, slug).await?;
    let row = review::Entity::find()
        .filter(review::Column::ProductId.eq(product.id))
        .filter(review::Column::UserId.eq(user.id))
        .one(db)
        .await?;
    Ok(row.map(|row| to_wire(row, Some(user.id), false)))
}
