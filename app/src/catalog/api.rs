//! The catalog's server functions: the storefront's pages call them, and
//! integrators can POST JSON to the same endpoints (see docs/api.md).

use crate::catalog::model::{CategoryTree, HomePage, ProductDetail, SearchResults};
use crate::catalog::search_query::SearchQuery;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{catalog::ssr, error::ssr::with_status, state::app_state};

/// Every category, for navigation and the category filter.
#[server(endpoint = "catalog/categories")]
pub async fn list_categories() -> Result<CategoryTree, AppError> {
    let state = app_state()?;
    ssr::category_tree(&state.db).await.map_err(with_status)
}

/// The home page's featured products.
#[server(endpoint = "catalog/home")]
pub async fn get_home() -> Result<HomePage, AppError> {
    let state = app_state()?;
    ssr::home(&state.db).await.map_err(with_status)
}

/// One page of products matching a search, filters and sort.
#[server(endpoint = "catalog/search")]
pub async fn search_products(#[server(default)] query: SearchQuery) -> Result<SearchResults, AppError> {
    let state = app_state()?;
    ssr::search(&state.db, &query).await.map_err(with_status)
}

/// A product with its variants, images and newest reviews.
#[server(endpoint = "catalog/product")]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    let state = app_state()?;
    ssr::product_detail(&state.db, &slug).await.map_err(with_status)
}
