//! Live chat between customers (and guests) and the shop's support team:
//! one conversation at a time per customer, every message stored with a
//! per-conversation sequence number before anyone sees it, delivered live
//! on `chat:{id}`, and worked from the support console (`/admin/support`).
//! The widget and the console load lazily (`widget`, `console`).

pub mod api;
pub mod console;
pub mod model;
pub mod route;
#[cfg(feature = "ssr")]
pub mod ssr;
mod thread;
pub mod widget;
