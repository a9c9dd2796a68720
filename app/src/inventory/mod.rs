//! Stock that changes only through movements (restock, adjustment, sale,
//! cancellation, Shopify), each recorded with its reason, actor and time
//! in the change's transaction, and low-stock alerts raised and resolved
//! in that same transaction.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
