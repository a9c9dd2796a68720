//! Sales analytics: `/admin/analytics` for the whole shop and
//! `/seller/analytics` for a seller's own products. For a period (the last
//! 30 days unless asked otherwise): revenue and orders per day, the top
//! products by revenue and by units, sales by category, the average order
//! value and new versus returning customers, as SVG charts with tables.
//! Only paid orders count (see [`model::SALE_STATUSES`]); every figure is a
//! `GROUP BY` query (`ssr::queries`).

pub mod api;
pub mod model;
pub mod route;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
