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
    /// One chat conversation's messages and typing signals (its customer
    /// or guest, and admins).
    Chat(i32),
    /// Every conversation's changes, for the support console (admins).
    Support,
    /// Whether support is online (anyone, guests too).
    Presence,
    /// Stock, alerts and products of every seller (admins).
    Catalog,
    /// One seller's stock, alerts and products (that seller's accounts
    /// and admins).
    Seller(i32),
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
            "support" => Ok(Topic::Support),
            "presence" => Ok(Topic::Presence),
            "catalog" => Ok(Topic::Catalog),
            _ => {
                let numbered = |prefix: &str| name.strip_prefix(prefix).and_then(|id| id.parse::<i32>().ok()).filter(|id| *id > 0);
                numbered("order:")
                    .map(Topic::Order)
                    .or_else(|| numbered("chat:").map(Topic::Chat))
                    .or_else(|| numbered("seller:").map(Topic::Seller))
                    .ok_or_else(|| UnknownTopic(name.chars().take(100).collect()))
            }
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
            Topic::Chat(id) => write!(f, "chat:{id}"),
            Topic::Support => f.write_str("support"),
            Topic::Presence => f.write_str("presence"),
            Topic::Catalog => f.write_str("catalog"),
            Topic::Seller(id) => write!(f, "seller:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Topic;

    #[test]
    fn names_round_trip() {
        for topic in [Topic::Orders, Topic::Order(42), Topic::Kpi, Topic::Jobs, Topic::Chat(7), Topic::Support, Topic::Presence, Topic::Catalog, Topic::Seller(3)] {
            assert_eq!(topic.to_string().parse::<Topic>(), Ok(topic));
        }
    }

    #[test]
    fn unknown_names_are_refused() {
        for name in ["", "order:", "order:x", "order:0", "order:-3", "Orders", "KPI", "chat:", "chat:0", "chat:x"] {
            assert!(name.parse::<Topic>().is_err(), "{name}");
        }
    }
}
