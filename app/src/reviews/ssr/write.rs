//! A customer writing a review, and marking someone else's helpful.

use super::limits::ReviewLimits;
use super::{active_product, lock_product, move_totals, page_changed, to_wire};
use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::entity::{order, order_item, product, review, review_vote, variant};
use crate::error::AppError;
use crate::live::ssr::Recorded;
use crate::orders::status::OrderStatus;
use crate::reviews::model::{Review, ReviewInput};
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

/// Whether user `user_id` has an order that has shipped (or been
/// delivered) with a variant of product `product_id` in it.
async fn has_received(db: &impl ConnectionTrait, user_id: i32, product_id: i32) -> Result<bool, AppError> {
    let variants = Query::select()
        .column(variant::Column::Id)
        .from(variant::Entity)
        .and_where(variant::Column::ProductId.eq(product_id))
        .to_owned();
    let received = Query::select()
        .column(order::Column::Id)
        .from(order::Entity)
        .and_where(order::Column::UserId.eq(user_id))
        .and_where(order::Column::Status.is_in([OrderStatus::Shipped, OrderStatus::Delivered]))
        .to_owned();
    let lines = order_item::Entity::find()
        .filter(order_item::Column::VariantId.in_subquery(variants))
        .filter(order_item::Column::OrderId.in_subquery(received))
        .count(db)
        .await?;
    Ok(lines > 0)
}

/// Writes `author`'s review of product `slug`: their first, or a new
/// version of the one they already wrote (same review, its votes and
/// first date kept). "Verified purchase" is decided now, from their
/// shipped and delivered orders. The product's totals move in the same
/// transaction (not while an admin keeps the review hidden). Over the
/// write limit it is `TooFast`; the limit is taken only once the product
/// is known, so a mistyped address costs nothing.
pub async fn write(
    db: &DatabaseConnection,
    limits: &ReviewLimits,
    author: &CurrentUser,
    slug: &str,
    input: &ReviewInput,
) -> Result<(Review, Recorded), AppError> {
    let product = active_product(db, slug).await?;
    limits.take_write(author.id)?;
    let txn = begin_write(db).await?;
    // Under the lock a second write of the same author finds the first
    // one's review, so the unique index is never what stops it.
    lock_product(&txn, product.id).await?;
    let verified = has_received(&txn, author.id, product.id).await?;
    let stars = i16::from(input.rating().stars());
    let now = Utc::now();
    let existing = review::Entity::find()
        .filter(review::Column::ProductId.eq(product.id))
        .filter(review::Column::UserId.eq(author.id))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(old) => {
            if !old.hidden {
                move_totals(&txn, product.id, 0, i32::from(stars - old.rating)).await?;
            }
            let mut row: review::ActiveModel = old.into();
            row.author_name = Set(author.name.clone());
            row.rating = Set(stars);
            row.title = Set(input.title().to_string());
            row.body = Set(input.text().to_string());
            row.verified_purchase = Set(verified);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => {
            move_totals(&txn, product.id, 1, i32::from(stars)).await?;
            review::ActiveModel {
                id: NotSet,
                product_id: Set(product.id),
                user_id: Set(Some(author.id)),
                author_name: Set(author.name.clone()),
                rating: Set(stars),
                title: Set(input.title().to_string()),
                body: Set(input.text().to_string()),
                verified_purchase: Set(verified),
                hidden: Set(false),
                helpful_count: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    // The product is at hand: no need to read it again for its seller.
    let recorded = crate::products::ssr::save::changed(&txn, product.id, product.seller_id).await?;
    txn.commit().await?;
    Ok((to_wire(row, Some(author.id), false), recorded))
}

/// `voter` marks review `id` helpful. Once: marking it again changes
/// nothing (also when two clicks race). Never their own review
/// (`Forbidden`); a hidden review, or one of a product no longer for sale,
/// is `NotFound`.
pub async fn mark_helpful(db: &DatabaseConnection, voter: &CurrentUser, id: i32) -> Result<(Review, Recorded), AppError> {
    let not_found = || AppError::NotFound("Review".into());
    let on_sale = Query::select()
        .column(product::Column::Id)
        .from(product::Entity)
        .and_where(product::Column::Active.eq(true))
        .to_owned();
    let txn = begin_write(db).await?;
    let row = review::Entity::find_by_id(id)
        .filter(review::Column::Hidden.eq(false))
        .filter(review::Column::ProductId.in_subquery(on_sale))
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    if row.user_id == Some(voter.id) {
        return Err(AppError::Forbidden);
    }
    let vote = review_vote::ActiveModel { id: NotSet, review_id: Set(id), user_id: Set(voter.id), created_at: Set(Utc::now()) };
    let inserted = review_vote::Entity::insert(vote)
        .on_conflict(OnConflict::columns([review_vote::Column::ReviewId, review_vote::Column::UserId]).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    if inserted == 0 {
        return Ok((to_wire(row, Some(voter.id), true), Recorded::default()));
    }
    review::Entity::update_many()
        .col_expr(review::Column::HelpfulCount, Expr::col(review::Column::HelpfulCount).add(1))
        .filter(review::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let row = review::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    let recorded = page_changed(&txn, row.product_id).await?;
    txn.commit().await?;
    Ok((to_wire(row, Some(voter.id), true), recorded))
}
