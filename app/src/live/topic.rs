//! Topics: what a client subscribes to, and who may.

use std::fmt;
use std::str::FromStr;

/// A stream of events with its own sequence numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every order created or changed (admins only).
    Orders,
    /// One order's status and tracking (its customer and admins).
    Order(i32),
    /// Something the KPI cards count changed: an order was placed or its
    /// status moved (admins only).
    Kpi,
    /// Jobs queued (emails, Shopify orders…): wakes the server's job
    /// workers; no client may subscribe.
    Jobs,
}

/// A topic name that names no topic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no topic called \"{0}\"")]
pub struct UnknownTopic(pub String);

impl FromStr for Topic {
    type Err = UnknownTopic;

    fn from_str(name: &str) -> Result<Self, UnknownTopic> {
        match name {
            "orders" => Ok(Topic::Orders),
            "kpi" => Ok(Topic::Kpi),
            "jobs" => Ok(Topic::Jobs),
            _ => name
                .strip_prefix("order:")
                .and_then(|id| id.parse::<i32>().ok())
                .filter(|id| *id > 0)
                .map(Topic::Order)
                .ok_or_else(|| UnknownTopic(name.chars().take(100).collect())),
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Orders => f.write_str("orders"),
            Topic::Order(id) => write!(f, "order:{id}"),
            Topic::Kpi => f.write_str("kpi"),
            Topic::Jobs => f.write_str("jobs"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Topic;

    #[test]
    fn names_round_trip() {
        for topic in [Topic::Orders, Topic::Order(42), Topic::Kpi, Topic::Jobs] {
            assert_eq!(topic.to_string().parse::<Topic>(), Ok(topic));
        }
    }

    #[test]
    fn unknown_names_are_refused() {
        for name in ["", "order:", "order:x", "order:0", "order:-3", "Orders", "KPI"] {
            assert!(name.parse::<Topic>().is_err(), "{name}");
        }
    }
}
