//! Email goes through an outbox: written in the same transaction as the
//! change it reports (so it is never lost and never sent for a change that
//! rolled back), then sent by the server's outbox worker after commit.

#[cfg(feature = "ssr")]
pub mod ssr;
