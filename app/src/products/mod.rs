//! Running the catalog: admins create and edit every product and its
//! variants, sellers their own (`/admin/products`, `/seller/products`).

pub mod api;
pub mod model;
pub mod route;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
