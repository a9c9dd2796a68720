//! Checkout's wire types.

use crate::cart::model::Cart;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// What the customer will pay, shown before they pay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub cart: Cart,
    pub shipping: Money,
    pub total: Money,
}

/// The checkout form's name, for the outcome it leaves when posted without
/// JavaScript (`ui::form::FormFeedback::form`).
pub const CHECKOUT_FORM: &str = "checkout";
