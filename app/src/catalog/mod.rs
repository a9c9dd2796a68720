//! The catalog: categories, products, variants, reviews and search.

pub mod api;
pub mod model;
pub mod search_query;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
