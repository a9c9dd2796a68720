//! Categories for admins (`/admin/categories`): create, rename, describe,
//! give an image, move under another parent (never into a loop) and
//! delete once empty.
//! The storefront reads the tree straight from the database, so every
//! change shows there at once.

pub mod api;
pub mod model;
pub mod route;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
