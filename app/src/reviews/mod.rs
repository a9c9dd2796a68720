//! Product reviews: a signed-in customer's one review per product (rating,
//! title, text; "Verified purchase" once an order with it has shipped),
//! other customers' "Helpful" votes, the "Most helpful" and "Newest"
//! orders, and admins hiding a review (audited), which takes it out of
//! the product's average.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
