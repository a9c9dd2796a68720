//! Orders: history, detail, the status lifecycle and cancellation.

pub mod api;
#[cfg(feature = "ssr")]
pub mod change;
pub mod model;
pub mod seller;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod status;
pub mod ui;
