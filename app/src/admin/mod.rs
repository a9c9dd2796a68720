//! The admin order desk (`/admin`): KPI cards, the order table over every
//! order, and the edit dialog with optimistic locking. Only admins reach its
//! server functions (`/api/admin/…`) and pages.

pub mod api;
pub mod model;
pub mod route;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
