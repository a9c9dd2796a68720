//! Creating, editing, moving and deleting categories, and setting their
//! images. Each change is one write transaction that also records
//! `CATEGORY_CHANGED` on `catalog`.

use super::read::list;
use crate::categories::model::{cycle_problem, delete_blocker, CategoryDraft, CategoryRow};
use crate::db::{begin_write, is_unique_violation};
use crate::entity::{category, product};
use crate::error::AppError;
use crate::live::protocol::EventBody;
use crate::live::ssr::{record, Recorded};
use crate::live::topic::Topic;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, SqlErr,
};
use std::collections::HashMap;

const SLUG_TAKEN: &str = "Another category already uses this slug; choose another.";

fn refused_on(field: &str, message: &str) -> AppError {
    AppError::Validation { field: field.into(), message: message.into() }
}

fn not_found() -> AppError {
    AppError::NotFound("Category".into())
}

/// Creates (`id` `None`) or saves category `id` from `draft`: 422 naming
/// the field for a bad name or description, a bad or taken slug, an
/// unknown parent or a parent that would make a loop. Returns the
/// category as saved and the event to publish after commit.
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i32>,
    draft: CategoryDraft,
) -> Result<(CategoryRow, Recorded), AppError> {
    let draft = draft.normalized();
    if let Some(problem) = draft.problems().into_iter().next() {
        return Err(problem.into());
    }
    let txn = begin_write(db).await?;
    let rows = category::Entity::find().all(&txn).await?;
    let existing = match id {
        Some(id) => Some(rows.iter().find(|r| r.id == id).cloned().ok_or_else(not_found)?),
        None => None,
    };
    let parents: HashMap<i32, Option<i32>> = rows.iter().map(|r| (r.id, r.parent_id)).collect();
    if let Some(parent) = draft.parent {
        if !parents.contains_key(&parent) {
            return Err(refused_on("parent", "Choose a parent category, or none for the top level."));
        }
        if let Some(problem) = id.and_then(|id| cycle_problem(&parents, id, parent)) {
            return Err(problem.into());
        }
    }
    if rows.iter().any(|r| r.slug == draft.slug && Some(r.id) != id) {
        return Err(refused_on("slug", SLUG_TAKEN));
    }
    // A new or moved category goes last among its new siblings.
    let last_position = || {
        rows.iter()
            .filter(|r| r.parent_id == draft.parent && Some(r.id) != id)
            .map(|r| r.position)
            .max()
            .map_or(0, |p| p.saturating_add(1))
    };
    let saved = match existing {
        Some(row) => {
            let moved = row.parent_id != draft.parent;
            let position = if moved { last_position() } else { row.position };
            let mut row: category::ActiveModel = row.into();
            row.name = Set(draft.name.clone());
            row.slug = Set(draft.slug.clone());
            row.description = Set(draft.description.clone());
            row.parent_id = Set(draft.parent);
            row.position = Set(position);
            row.update(&txn).await
        }
        None => {
            category::ActiveModel {
                id: NotSet,
                parent_id: Set(draft.parent),
                slug: Set(draft.slug.clone()),
                name: Set(draft.name.clone()),
                description: Set(draft.description.clone()),
                position: Set(last_position()),
                image_url: Set(None),
            }
            .insert(&txn)
            .await
        }
    };
    // Two admins saving the same new slug at once: the index decides.
    let saved = saved.map_err(|err| if is_unique_violation(&err) { refused_on("slug", SLUG_TAKEN) } else { err.into() })?;
    let recorded = changed(&txn, saved.id).await?;
    let row = as_listed(&txn, saved.id).await?;
    txn.commit().await?;
    Ok((row, recorded))
}

/// 404 unless category `id` exists: checked before an upload is stored.
pub async fn exists(db: &impl ConnectionTrait, id: i32) -> Result<(), AppError> {
    category::Entity::find_by_id(id).one(db).await?.map(|_| ()).ok_or_else(not_found)
}

/// Sets category `id`'s image to the stored file at `url`, or takes it
/// away (`None`; the file stays, as a product's image may share it).
pub async fn set_image(db: &DatabaseConnection, id: i32, url: Option<String>) -> Result<(CategoryRow, Recorded), AppError> {
    let txn = begin_write(db).await?;
    let row = category::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    let mut row: category::ActiveModel = row.into();
    row.image_url = Set(url);
    row.update(&txn).await?;
    let recorded = changed(&txn, id).await?;
    let row = as_listed(&txn, id).await?;
    txn.commit().await?;
    Ok((row, recorded))
}

/// Category `id` as the admin tree shows it.
async fn as_listed(db: &impl ConnectionTrait, id: i32) -> Result<CategoryRow, AppError> {
    list(db).await?.categories.into_iter().find(|c| c.id == id).ok_or_else(not_found)
}

/// Deletes category `id`, refused (409, saying what to move first) while
/// products or subcategories are still in it.
pub async fn delete(db: &DatabaseConnection, id: i32) -> Result<Recorded, AppError> {
    let txn = begin_write(db).await?;
    let row = category::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    let products = product::Entity::find().filter(product::Column::CategoryId.eq(id)).count(&txn).await?;
    let children = category::Entity::find().filter(category::Column::ParentId.eq(id)).count(&txn).await?;
    if let Some(message) = delete_blocker(&row.name, products, children) {
        return Err(AppError::Conflict(message));
    }
    // A product or subcategory added meanwhile (PostgreSQL, where writers
    // do not queue): the foreign key refuses, and so do we.
    category::Entity::delete_by_id(id).exec(&txn).await.map_err(|err| match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            AppError::Conflict(format!("{} was just given products or subcategories: move them first.", row.name))
        }
        _ => err.into(),
    })?;
    let recorded = changed(&txn, id).await?;
    txn.commit().await?;
    Ok(recorded)
}

/// Records `CATEGORY_CHANGED` for category `id` on `catalog`.
async fn changed(db: &impl ConnectionTrait, id: i32) -> Result<Recorded, AppError> {
    let mut recorded = Recorded::default();
    recorded.push(record(db, Topic::Catalog, EventBody::CategoryChanged { id }).await?);
    Ok(recorded)
}
