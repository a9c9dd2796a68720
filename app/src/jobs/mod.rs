//! The durable job queue that runs every piece of background work
//! (emails, Shopify orders, refunds, pruning), and the admin page that
//! shows it. docs/jobs.md describes the design.

pub mod api;
pub mod model;
pub mod route;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
