//! Checkout: the quote (shipping and total), payment, and placing the
//! order: a reservation that can never oversell, the charge, and the
//! settlement, with no transaction open across the payment call.

pub mod api;
pub mod card;
#[cfg(feature = "ssr")]
pub mod fingerprint;
pub mod model;
#[cfg(feature = "ssr")]
pub mod payment;
#[cfg(feature = "ssr")]
mod reserve;
pub mod shipping;
#[cfg(feature = "ssr")]
pub mod settle;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
