//! The order lifecycle as a state machine, shared by server and browser.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an order is in its life. On the server it is also the type of the
/// `orders.status` column, stored as its upper-case key (`PENDING`, …), so
/// a row can only ever hold a known status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::prelude::StringLen::N(16))"))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// Created; payment not yet captured.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "PENDING"))]
    Pending,
    /// Paid; waiting to ship.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "CONFIRMED"))]
    Confirmed,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "SHIPPED"))]
    Shipped,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "DELIVERED"))]
    Delivered,
    /// Cancelled before shipping; its stock went back on the shelf.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "CANCELLED"))]
    Cancelled,
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot go from {from} to {to}")]
pub struct IllegalTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    /// Whether the lifecycle allows going from `self` to `to`.
    pub fn can_become(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (Pending, Confirmed) | (Confirmed, Shipped) | (Shipped, Delivered) | (Pending | Confirmed, Cancelled)
        )
    }

    /// Whether `to` lies ahead of `self` on the lifecycle, through any
    /// number of steps (Pending → Shipped); cancelling still needs an order
    /// that has not shipped.
    pub fn can_reach(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        let step = |s: OrderStatus| match s {
            Pending => 0,
            Confirmed => 1,
            Shipped => 2,
            Delivered => 3,
            Cancelled => 4,
        };
        match to {
            Cancelled => self.can_become(Cancelled),
            _ => self != Cancelled && step(to) > step(self),
        }
    }

    /// `to`, if the lifecycle allows it.
    pub fn transition(self, to: OrderStatus) -> Result<OrderStatus, IllegalTransition> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(IllegalTransition { from: self, to })
        }
    }

    /// Whether the customer may still cancel.
    pub fn cancellable(self) -> bool {
        self.can_become(OrderStatus::Cancelled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrderStatus::Pending => "Pending",
            OrderStatus::Confirmed => "Confirmed",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    #[test]
    fn reaching_ahead_skips_steps_but_never_goes_back() {
        assert!(Pending.can_reach(Shipped));
        assert!(Confirmed.can_reach(Delivered));
        assert!(Pending.can_reach(Cancelled));
        assert!(!Shipped.can_reach(Cancelled), "a shipped order is not cancelled");
        assert!(!Delivered.can_reach(Shipped));
        assert!(!Shipped.can_reach(Shipped));
        assert!(!Cancelled.can_reach(Confirmed));
    }

    #[test]
    fn the_happy_path_is_allowed() {
        assert_eq!(Pending.transition(Confirmed), Ok(Confirmed));
        assert_eq!(Confirmed.transition(Shipped), Ok(Shipped));
        assert_eq!(Shipped.transition(Delivered), Ok(Delivered));
    }

    #[test]
    fn cancel_only_before_shipping() {
        assert!(Pending.cancellable());
        assert!(Confirmed.cancellable());
        assert!(!Shipped.cancellable());
        assert!(!Delivered.cancellable());
        assert!(!Cancelled.cancellable());
    }

    #[test]
    fn everything_else_is_refused() {
        let allowed = [(Pending, Confirmed), (Confirmed, Shipped), (Shipped, Delivered), (Pending, Cancelled), (Confirmed, Cancelled)];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(from.can_become(to), allowed.contains(&(from, to)), "{from} → {to}");
            }
        }
        let err = Delivered.transition(Pending).expect_err("refused");
        assert_eq!(err.to_string(), "an order cannot go from Delivered to Pending");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn stored_keys_round_trip_and_match_the_wire() {
        use sea_orm::ActiveEnum;
        for status in OrderStatus::ALL {
            let key = status.to_value();
            assert_eq!(OrderStatus::try_from_value(&key).ok(), Some(status));
            assert_eq!(serde_json::to_value(status).ok(), Some(serde_json::json!(key)));
        }
        assert!(OrderStatus::try_from_value(&"LOST".to_string()).is_err());
    }
}
