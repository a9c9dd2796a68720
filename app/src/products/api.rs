//! The catalog editor's server functions (`/api/products/…`; docs/api.md).
//! Admins reach every product, a seller only their own (another seller's
//! product is "not found"), customers get 403 and anonymous callers 401:
//! decided here, from the session, before anything is read.

use super::model::{EditorChoices, ImageDetail, ProductDetail, ProductDraft, ProductPage, ProductQuery, VariantDetail, VariantDraft};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{auth::ssr::require_catalog_scope, error::ssr::with_status, products::ssr, state::app_state};

/// A page of the products the caller manages, matching `query.q`.
#[server(endpoint = "products/list")]
pub async fn list_products(#[server(default)] query: ProductQuery) -> Result<ProductPage, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    ssr::read::list(&app_state()?.db, scope, query).await.map_err(with_status)
}

/// One product with its variants.
#[server(endpoint = "products/get")]
pub async fn load_product(id: i32) -> Result<ProductDetail, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    ssr::read::detail(&app_state()?.db, scope, id).await.map_err(with_status)
}

/// The categories, and the sellers the caller may sell as.
#[server(endpoint = "products/choices")]
pub async fn product_editor_choices() -> Result<EditorChoices, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    ssr::read::choices(&state.db, scope, state.low_stock_threshold).await.map_err(with_status)
}

/// Creates a product (no `id`) or saves product `id`: 422 naming the
/// field for a missing name, a bad or taken slug, an unknown category.
#[server(endpoint = "products/save")]
pub async fn save_product(id: Option<i32>, draft: ProductDraft) -> Result<ProductDetail, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    let (detail, recorded) = ssr::save::save_product(&state.db, scope, id, draft).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(detail)
}

/// Creates a variant of `product` (no `id`; `stock` units arrive as a
/// restock) or saves variant `id`: 422 naming the field for a taken SKU,
/// a negative price, a bad threshold.
#[server(endpoint = "products/variant")]
pub async fn save_variant(
    product: i32,
    id: Option<i32>,
    draft: VariantDraft,
    #[server(default)] stock: i32,
) -> Result<VariantDetail, AppError> {
    let (user, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    let save = ssr::save::VariantSave { product, id, draft, initial_stock: stock };
    let (detail, recorded) =
        ssr::save::save_variant(&state.db, scope, &user, save, state.low_stock_threshold).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(detail)
}

/// Sets image `id`'s alt text (422 on `alt` when empty or over 200
/// characters). Images are uploaded with `POST /api/products/{id}/images`.
#[server(endpoint = "products/images/alt")]
pub async fn set_image_alt(id: i32, alt: String) -> Result<ImageDetail, AppError> {
    let (_, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    let (image, recorded) = ssr::images::set_alt(&state.db, scope, id, &alt).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(image)
}

/// Moves image `id` one place earlier (`earlier: true`) or later.
#[server(endpoint = "products/images/move")]
pub async fn move_image(id: i32, earlier: bool) -> Result<(), AppError> {
    let (_, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    ssr::images::shift(&state.db, scope, id, earlier).await.map_err(with_status)?.publish(state.events.as_ref());
    Ok(())
}

/// Removes image `id` from its product.
#[server(endpoint = "products/images/delete")]
pub async fn delete_image(id: i32) -> Result<(), AppError> {
    let (_, scope) = require_catalog_scope().await?;
    let state = app_state()?;
    ssr::images::remove(&state.db, scope, id).await.map_err(with_status)?.publish(state.events.as_ref());
    Ok(())
}
