//! Accounts on the server: registering, signing in, passwords and saved
//! addresses, as plain functions over a connection and a session. The
//! session itself and the signed-in user live in [`crate::auth::ssr`].

pub mod addresses;
pub mod auth;
pub mod password;
