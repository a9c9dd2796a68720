//! The queue's server side: enqueueing in the change's transaction, and
//! the claims, leases and outcomes the runner (in the server) works with.

pub mod admin;
pub mod queue;
