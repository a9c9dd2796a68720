//! The cart's wire types.

use crate::catalog::model::Image;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Most units of one variant a cart line may hold.
pub const MAX_LINE_QUANTITY: u32 = 99;

/// One variant in the cart, priced as the catalog prices it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: String,
    pub product_slug: String,
    pub product_name: String,
    pub variant_label: String,
    pub unit_price: Money,
    pub quantity: u32,
    /// Units in stock now.
    pub available: u32,
    pub image: Option<Image>,
}

impl CartLine {
    /// Price of the line.
    pub fn line_total(&self) -> Money {
        Money::new(self.unit_price.cents * i64::from(self.quantity), self.unit_price.currency)
    }
}

/// The whole cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    pub subtotal: Money,
    /// Units across all lines (what the header shows).
    pub item_count: u32,
}

/// Names of the cart's forms, for the outcome a form posted without
/// JavaScript leaves for its page (`ui::form::FormFeedback::form`).
pub mod forms {
    /// The product page's "Add to cart".
    pub const ADD_TO_CART: &str = "add-to-cart";
    /// A cart line's quantity form.
    pub const UPDATE_CART: &str = "update-cart";
    /// A cart line's "Remove".
    pub const REMOVE_FROM_CART: &str = "remove-from-cart";
}
