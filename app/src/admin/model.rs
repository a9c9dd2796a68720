//! The desk's wire types, shared by the server, the browser and the
//! integrators' endpoints (docs/api.md).

use crate::money::Money;
use crate::orders::status::OrderStatus;
use serde::{Deserialize, Serialize};

/// Rows per fetch, at most.
pub const MAX_LIMIT: u32 = 500;
/// Longest search text kept.
const MAX_TEXT_CHARS: usize = 100;
/// Longest tracking number.
pub const MAX_TRACKING_CHARS: usize = 100;
/// Longest internal notes.
pub const MAX_NOTES_CHARS: usize = 4000;

/// One order as the admin table shows it; also the payload of
/// `ORDER_SYNCED` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOrderRow {
    pub id: i32,
    pub version: i32,
    pub status: OrderStatus,
    pub customer_name: String,
    pub customer_email: String,
    pub total: Money,
    pub tracking_number: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// The column the table is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OrderSort {
    /// Last changed.
    #[default]
    Updated,
    /// Placed.
    Created,
    Total,
    Status,
}

impl OrderSort {
    /// Every sort, as the picker lists them.
    pub const ALL: [OrderSort; 4] = [OrderSort::Updated, OrderSort::Created, OrderSort::Total, OrderSort::Status];

    /// The URL value (`sort=total`).
    pub fn key(self) -> &'static str {
        match self {
            OrderSort::Updated => "updated",
            OrderSort::Created => "created",
            OrderSort::Total => "total",
            OrderSort::Status => "status",
        }
    }

    /// Parses a URL value.
    pub fn from_key(key: &str) -> Option<OrderSort> {
        OrderSort::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Which way the sort runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    Asc,
    /// Newest, largest or last first.
    #[default]
    Desc,
}

/// What the table asks for: filters, sort and a window of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderQuery {
    /// Order number, customer name or email (part of any).
    pub q: Option<String>,
    pub status: Option<OrderStatus>,
    /// First day placed, `YYYY-MM-DD` (UTC), inclusive.
    pub from: Option<String>,
    /// Last day placed, `YYYY-MM-DD` (UTC), inclusive.
    pub to: Option<String>,
    pub sort: OrderSort,
    pub dir: SortDir,
    pub offset: u32,
    pub limit: u32,
}

impl Default for OrderQuery {
    fn default() -> Self {
        OrderQuery { q: None, status: None, from: None, to: None, sort: OrderSort::default(), dir: SortDir::default(), offset: 0, limit: 50 }
    }
}

impl OrderQuery {
    /// The same query with blank text dropped, long text cut and the
    /// window clamped to [`MAX_LIMIT`].
    pub fn normalized(mut self) -> Self {
        self.q = self
            .q
            .map(|q| q.trim().chars().take(MAX_TEXT_CHARS).collect::<String>())
            .filter(|q| !q.is_empty());
        self.from = self.from.filter(|d| !d.trim().is_empty());
        self.to = self.to.filter(|d| !d.trim().is_empty());
        self.limit = self.limit.clamp(1, MAX_LIMIT);
        self
    }

    /// The same filters and sort with another window.
    pub fn window(&self, offset: u32, limit: u32) -> Self {
        OrderQuery { offset, limit, ..self.clone() }
    }
}

/// A window of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage {
    /// Orders matching the filters, in all.
    pub total: u64,
    /// The `orders` topic's last sequence number when this was read;
    /// subscribe after it.
    pub seq: i64,
    /// Rows `offset..offset + rows.len()` in the query's order.
    pub rows: Vec<AdminOrderRow>,
}

/// How many orders match the filters, per status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: OrderStatus,
    pub count: u64,
}

/// One admin change to one field of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The admin's name; `None` for the system or a deleted account.
    pub actor: Option<String>,
    /// RFC 3339, UTC.
    pub at: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// Everything the edit dialog shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOrder {
    #[serde(flatten)]
    pub row: AdminOrderRow,
    pub notes: String,
    /// Newest first.
    pub audit: Vec<AuditEntry>,
}

/// An admin's edit, made from `version`. A missing field is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct OrderEdit {
    pub version: i32,
    pub status: Option<OrderStatus>,
    /// Empty clears it.
    pub tracking_number: Option<String>,
    pub notes: Option<String>,
}

/// The period the KPI cards cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum KpiPeriod {
    Today,
    #[serde(rename = "7d")]
    Week,
    #[default]
    #[serde(rename = "30d")]
    Month,
    All,
}

impl KpiPeriod {
    /// Every period, as the picker lists them.
    pub const ALL: [KpiPeriod; 4] = [KpiPeriod::Today, KpiPeriod::Week, KpiPeriod::Month, KpiPeriod::All];

    /// The URL value.
    pub fn key(self) -> &'static str {
        match self {
            KpiPeriod::Today => "today",
            KpiPeriod::Week => "7d",
            KpiPeriod::Month => "30d",
            KpiPeriod::All => "all",
        }
    }

    /// The picker's label.
    pub fn label(self) -> &'static str {
        match self {
            KpiPeriod::Today => "Today",
            KpiPeriod::Week => "Last 7 days",
            KpiPeriod::Month => "Last 30 days",
            KpiPeriod::All => "All time",
        }
    }

    /// Parses a URL value.
    pub fn from_key(key: &str) -> Option<KpiPeriod> {
        KpiPeriod::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// The figures on the KPI cards, for orders placed in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kpis {
    pub total_orders: u64,
    /// Confirmed or shipped.
    pub active_shipments: u64,
    /// Paid and not cancelled (confirmed, shipped or delivered), per
    /// currency.
    pub revenue: Vec<Money>,
    /// From shipped to delivered, for orders delivered in the period.
    pub average_delivery_secs: Option<i64>,
}

/// "2 d 4 h", "5 h 12 min", "40 min".
pub fn format_duration(secs: i64) -> String {
    let minutes = secs.max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else {
        format!("{mins} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_normalized() {
        let query = OrderQuery { q: Some("   ".into()), limit: 100_000, from: Some(String::new()), ..OrderQuery::default() }.normalized();
        assert_eq!(query.q, None);
        assert_eq!(query.from, None);
        assert_eq!(query.limit, MAX_LIMIT);
        assert_eq!(OrderQuery { limit: 0, ..OrderQuery::default() }.normalized().limit, 1);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(40 * 60), "40 min");
        assert_eq!(format_duration(5 * 3600 + 12 * 60), "5 h 12 min");
        assert_eq!(format_duration(2 * 86_400 + 4 * 3600), "2 d 4 h");
    }

    #[test]
    fn keys_round_trip() {
        for sort in OrderSort::ALL {
            assert_eq!(OrderSort::from_key(sort.key()), Some(sort));
        }
        for period in KpiPeriod::ALL {
            assert_eq!(KpiPeriod::from_key(period.key()), Some(period));
            assert_eq!(serde_json::to_value(period).expect("a period serializes"), serde_json::json!(period.key()));
        }
    }
}
