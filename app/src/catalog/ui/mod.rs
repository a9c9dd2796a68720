//! The catalog's pages: home, search and category listings, the product
//! page, and the product cards they share.

pub mod home;
pub mod listing;
pub mod product;
pub mod product_card;
