//! Stock movements and low-stock alerts as both sides see them, and the
//! rules for the numbers an admin or seller types.

use serde::{Deserialize, Serialize};

/// Why a variant's stock changed. On the server also the
/// `stock_movements.reason` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::prelude::StringLen::N(16))"))]
#[serde(rename_all = "lowercase")]
pub enum MovementReason {
    /// New stock arrived (or a variant was created with stock).
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "restock"))]
    Restock,
    /// A count corrected by hand (damage, loss, a recount), up or down.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "adjustment"))]
    Adjustment,
    /// Sold at checkout.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "sale"))]
    Sale,
    /// Put back when an order was cancelled.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "cancellation"))]
    Cancellation,
    /// Sold on Shopify.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "shopify"))]
    Shopify,
}

impl MovementReason {
    /// The word the movement history shows.
    pub fn label(self) -> &'static str {
        match self {
            MovementReason::Restock => "Restock",
            MovementReason::Adjustment => "Adjustment",
            MovementReason::Sale => "Sale",
            MovementReason::Cancellation => "Cancellation",
            MovementReason::Shopify => "Shopify",
        }
    }
}

/// One change to a variant's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMovement {
    pub id: i32,
    pub variant: i32,
    /// Units added (positive) or taken (negative).
    pub delta: i32,
    /// The stock right after this movement.
    pub stock_after: i32,
    pub reason: MovementReason,
    pub note: String,
    /// Who made it: a person's name, "Checkout" or "Shopify".
    pub actor: String,
    pub order: Option<i32>,
    /// RFC 3339.
    pub at: String,
}

/// Where an alert stands. On the server also the `stock_alerts.status`
/// column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::prelude::StringLen::N(16))"))]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Stock is at or below the threshold and nobody dismissed it.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "open"))]
    Open,
    /// Stock went back above the threshold.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "resolved"))]
    Resolved,
    /// Someone dismissed it by hand; it stays dismissed until stock goes
    /// back above the threshold and falls again.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "dismissed"))]
    Dismissed,
}

/// A low-stock alert with what is needed to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAlert {
    pub id: i32,
    pub variant: i32,
    pub sku: String,
    pub variant_label: String,
    pub product: i32,
    pub product_name: String,
    /// The variant's stock now.
    pub stock: i32,
    pub threshold: i32,
    pub status: AlertStatus,
    /// RFC 3339.
    pub raised_at: String,
}

/// The open alerts someone may see, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertList {
    pub alerts: Vec<StockAlert>,
    /// The seller they were read for (`None`: every seller's, for an
    /// admin), which names the live topic that updates them.
    pub seller: Option<i32>,
}

impl AlertList {
    /// `catalog` for an admin's list, `seller:{id}` for a seller's.
    pub fn topic(&self) -> crate::live::topic::Topic {
        live_topic(self.seller)
    }
}

/// The live topic for what a manager of `seller` (or of everything) sees.
pub fn live_topic(seller: Option<i32>) -> crate::live::topic::Topic {
    seller.map_or(crate::live::topic::Topic::Catalog, crate::live::topic::Topic::Seller)
}

/// The live payload of a stock change (topics `catalog` and
/// `seller:{id}`): the variant's stock now and the open alert count of
/// whoever receives it, so the dashboard's badge follows without a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockChange {
    pub variant: i32,
    pub product: i32,
    pub stock: i32,
    /// The alert this change raised, resolved or dismissed, if any.
    pub alert: Option<StockAlert>,
}

/// Largest single movement: a typo of extra digits is refused rather
/// than stocking a billion units.
pub const MAX_MOVEMENT: i32 = 1_000_000;

/// Longest note on a movement.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why a movement typed by a person is refused: the message for its
/// `quantity` or `note` field.
pub fn check_movement(delta: i32, reason: MovementReason, note: &str) -> Result<(), (&'static str, String)> {
    if !matches!(reason, MovementReason::Restock | MovementReason::Adjustment) {
        return Err(("reason", "Choose Restock or Adjustment: sales and cancellations move stock themselves.".into()));
    }
    if delta == 0 {
        return Err(("quantity", "Enter a quantity other than zero.".into()));
    }
    if reason == MovementReason::Restock && delta < 0 {
        return Err(("quantity", "A restock adds stock: enter a positive quantity, or choose Adjustment.".into()));
    }
    if delta.unsigned_abs() > MAX_MOVEMENT.unsigned_abs() {
        return Err(("quantity", format!("Enter at most {MAX_MOVEMENT} units at a time.")));
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(("note", format!("Keep the note to {MAX_NOTE_CHARS} characters.")));
    }
    Ok(())
}

/// Whether `stock` is low for `threshold`: at or below it.
pub fn is_low(stock: i32, threshold: i32) -> bool {
    stock <= threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_restock_or_adjust_by_a_nonzero_amount() {
        assert!(check_movement(5, MovementReason::Restock, "").is_ok());
        assert!(check_movement(-3, MovementReason::Adjustment, "broken").is_ok());
        assert_eq!(check_movement(0, MovementReason::Adjustment, "").expect_err("refused").0, "quantity");
        assert_eq!(check_movement(-1, MovementReason::Restock, "").expect_err("refused").0, "quantity");
        assert_eq!(check_movement(1, MovementReason::Sale, "").expect_err("refused").0, "reason");
        assert_eq!(check_movement(MAX_MOVEMENT + 1, MovementReason::Restock, "").expect_err("refused").0, "quantity");
        assert_eq!(check_movement(1, MovementReason::Restock, &"x".repeat(MAX_NOTE_CHARS + 1)).expect_err("refused").0, "note");
    }

    #[test]
    fn low_means_at_or_below_the_threshold() {
        assert!(is_low(5, 5));
        assert!(is_low(0, 5));
        assert!(!is_low(6, 5));
    }
}
