//! Signed-in customers' wishlists.

pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
