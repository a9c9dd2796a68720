//! Orders' wire types.

use super::status::OrderStatus;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// An order in the history list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: i32,
    pub status: OrderStatus,
    pub total: Money,
    pub item_count: u32,
    /// ISO date (YYYY-MM-DD).
    pub placed_on: String,
}

/// One line of an order, as it was bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub product_name: String,
    pub variant_label: String,
    pub unit_price: Money,
    pub quantity: u32,
}

impl OrderLine {
    /// Price of the line.
    pub fn line_total(&self) -> Money {
        Money::new(self.unit_price.cents * i64::from(self.quantity), self.unit_price.currency)
    }
}

/// Everything the order page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub id: i32,
    pub status: OrderStatus,
    /// Bumped by every change; sent back with admin edits.
    pub version: i32,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    pub shipping: Money,
    pub total: Money,
    /// The shipping address on one line.
    pub ship_to: String,
    pub tracking_number: Option<String>,
    pub placed_on: String,
    /// The `order:{id}` topic's last sequence number when this was read;
    /// subscribe after it.
    pub live_seq: i64,
}
