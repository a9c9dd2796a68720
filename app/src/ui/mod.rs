//! The storefront's pages and the pieces they share.

pub mod head;
pub mod home;
pub mod layout;
pub mod listing;
pub mod not_found;
pub mod product;
pub mod product_card;
