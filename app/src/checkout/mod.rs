//! Checkout: the quote (shipping and total), payment, and placing the
//! order in one transaction that can never oversell.

pub mod api;
pub mod card;
#[cfg(feature = "ssr")]
pub mod fingerprint;
pub mod model;
#[cfg(feature = "ssr")]
pub mod payment;
#[cfg(feature = "ssr")]
pub mod retry;
pub mod shipping;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
