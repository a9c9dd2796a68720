//! Accounts: sign-up, sign-in and sign-out, the session, roles, the
//! profile with its saved shipping addresses, and password changes.

pub mod api;
pub mod model;
pub(crate) mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
pub mod validate;
