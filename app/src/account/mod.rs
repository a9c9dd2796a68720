//! Accounts: sign-up, sign-in and sign-out, the profile with its saved
//! shipping addresses, and password changes. Who is signed in (the
//! session, the user and their role) lives in [`crate::auth`].

pub mod api;
pub mod model;
pub(crate) mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
pub mod validate;
