//! The cart: in the session for guests, in the database for signed-in
//! customers, merged into the account's cart at sign-in.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
