//! sea-orm entities: the rows as the database holds them. They never cross
//! the network; `crate::catalog::model` holds the wire types built from them.

pub mod category;
pub mod product;
pub mod product_image;
pub mod review;
pub mod seller;
pub mod variant;
