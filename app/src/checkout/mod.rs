//! Checkout: the quote (shipping and total), payment, and placing the
//! order in one transaction that can never oversell.

pub mod api;
pub mod card;
pub mod model;
#[cfg(feature = "ssr")]
pub mod payment;
pub mod shipping;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
