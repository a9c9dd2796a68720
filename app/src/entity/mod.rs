//! sea-orm entities: the rows as the database holds them. They never cross
//! the network; `crate::catalog::model` holds the wire types built from them.

pub mod address;
pub mod audit_log;
pub mod cart_item;
pub mod category;
pub mod chat_conversation;
pub mod chat_message;
pub mod event;
pub mod job;
pub mod order;
pub mod order_audit;
pub mod order_external_line;
pub mod order_item;
pub mod outbox_email;
pub mod payment_charge;
pub mod product;
pub mod product_image;
pub mod review;
pub mod review_vote;
pub mod seller;
pub mod stock_alert;
pub mod stock_movement;
pub mod user;
pub mod variant;
pub mod webhook_delivery;
pub mod wishlist_item;
