//! The category editor's server functions (`/api/admin/categories/…`;
//! docs/api.md). Admins only: 401 without a session, 403 for customers and
//! sellers, decided here before anything is read.

use super::model::{CategoryDraft, CategoryList, CategoryRow};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::{ssr::require_role, Role},
    categories::ssr,
    error::ssr::with_status,
    state::app_state,
};

/// Every category in tree order, with product and subcategory counts.
#[server(endpoint = "admin/categories/list")]
pub async fn list_admin_categories() -> Result<CategoryList, AppError> {
    require_role(Role::Admin).await?;
    ssr::read::list(&app_state()?.db).await.map_err(with_status)
}

/// Creates a category (no `id`) or saves category `id`: renamed, described
/// or moved under another `parent` (or to the top level with none).
#[server(endpoint = "admin/categories/save")]
pub async fn save_category(id: Option<i32>, draft: CategoryDraft) -> Result<CategoryRow, AppError> {
    require_role(Role::Admin).await?;
    let state = app_state()?;
    let (row, recorded) = ssr::write::save(&state.db, id, draft).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(row)
}

/// Takes category `id`'s image away (it is set by uploading one:
/// `POST /api/categories/{id}/image`, multipart field `image`).
#[server(endpoint = "admin/categories/image/remove")]
pub async fn remove_category_image(id: i32) -> Result<CategoryRow, AppError> {
    require_role(Role::Admin).await?;
    let state = app_state()?;
    let (row, recorded) = ssr::write::set_image(&state.db, id, None).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(row)
}

/// Deletes an empty category: 409 while products or subcategories are in it.
#[server(endpoint = "admin/categories/delete")]
pub async fn delete_category(id: i32) -> Result<(), AppError> {
    require_role(Role::Admin).await?;
    let state = app_state()?;
    let recorded = ssr::write::delete(&state.db, id).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(())
}
