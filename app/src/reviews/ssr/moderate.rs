//! An admin hiding a review from customers, or showing it again; each
//! change is audited in `audit_log` in its own transaction.

use super::read::voted_among;
use super::{lock_product, move_totals, page_changed, to_wire};
use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::entity::{audit_log, review};
use crate::error::AppError;
use crate::live::ssr::Recorded;
use crate::reviews::model::Review;
use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait};

/// The audit actions.
const HIDE: &str = "review.hide";
const UNHIDE: &str = "review.unhide";

/// Hides review `id` from customers (`hidden`), or shows it again. A
/// hidden review leaves the product's totals and a shown one rejoins them,
/// in the transaction that changes it and writes its `audit_log` row
/// (`review.hide` or `review.unhide`, subject `review:{id}`). Asking for
/// what already holds changes and records nothing.
pub async fn set_hidden(
    db: &DatabaseConnection,
    admin: &CurrentUser,
    id: i32,
    hidden: bool,
) -> Result<(Review, Recorded), AppError> {
    let not_found = || AppError::NotFound("Review".into());
    let txn = begin_write(db).await?;
    let product_id = review::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?.product_id;
    lock_product(&txn, product_id).await?;
    // Read again under the lock: a rewrite or another admin's change that
    // got there first has committed by now.
    let row = review::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    let voted = voted_among(&txn, admin.id, [id]).await?.contains(&id);
    if row.hidden == hidden {
        return Ok((to_wire(row, Some(admin.id), voted), Recorded::default()));
    }
    let stars = i32::from(row.rating);
    if hidden {
        move_totals(&txn, product_id, -1, -stars).await?;
    } else {
        move_totals(&txn, product_id, 1, stars).await?;
    }
    let detail = format!("{stars}-star review \"{}\" by {} of product #{product_id}", row.title, row.author_name);
    let mut changed: review::ActiveModel = row.into();
    changed.hidden = Set(hidden);
    let row = changed.update(&txn).await?;
    audit_log::ActiveModel {
        id: NotSet,
        actor_id: Set(Some(admin.id)),
        action: Set(if hidden { HIDE } else { UNHIDE }.to_string()),
        subject: Set(format!("review:{id}")),
        detail: Set(detail),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    let recorded = page_changed(&txn, product_id).await?;
    txn.commit().await?;
    Ok((to_wire(row, Some(admin.id), voted), recorded))
}
