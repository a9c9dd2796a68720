//! The desk's view as its URL states it (`/admin?q=…&status=shipped&…`):
//! filters, sort and the KPI period. Only values that differ from the
//! defaults are written, so the plain `/admin` is the default view.

use crate::admin::model::{KpiPeriod, OrderQuery, OrderSort, SortDir};
use crate::orders::status::OrderStatus;

/// Rows per fetch of the order table.
pub const BLOCK: u32 = 100;

/// What the URL says the desk shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeskParams {
    /// Filters and sort, as the first window of [`BLOCK`] rows.
    pub query: OrderQuery,
    pub period: KpiPeriod,
}

/// A status as the URL writes it: `shipped`.
pub fn status_key(status: OrderStatus) -> String {
    status.to_string().to_lowercase()
}

/// Reads [`status_key`]'s output back, in any case.
pub fn parse_status(key: &str) -> Option<OrderStatus> {
    OrderStatus::ALL.into_iter().find(|status| status.to_string().eq_ignore_ascii_case(key.trim()))
}

/// A sort direction as the URL writes it.
pub fn dir_key(dir: SortDir) -> &'static str {
    match dir {
        SortDir::Asc => "asc",
        SortDir::Desc => "desc",
    }
}

/// A `YYYY-MM-DD` day, or nothing: anything else in the URL is dropped
/// rather than sent to the server to be refused.
fn day(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| {
        let bytes = v.as_bytes();
        bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
    })
}

impl DeskParams {
    /// Reads the parameters through `get` (the URL's query map); unknown or
    /// malformed values fall back to the defaults.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Self {
        let query = OrderQuery {
            q: get("q"),
            status: get("status").as_deref().and_then(parse_status),
            from: day(get("from")),
            to: day(get("to")),
            sort: get("sort").as_deref().and_then(OrderSort::from_key).unwrap_or_default(),
            dir: match get("dir").as_deref() {
                Some("asc") => SortDir::Asc,
                _ => SortDir::Desc,
            },
            offset: 0,
            limit: BLOCK,
        }
        .normalized();
        let period = get("period").as_deref().and_then(KpiPeriod::from_key).unwrap_or_default();
        DeskParams { query, period }
    }

    /// The non-default parameters, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let query = &self.query;
        let mut pairs = Vec::new();
        if let Some(q) = &query.q {
            pairs.push(("q", q.clone()));
        }
        if let Some(status) = query.status {
            pairs.push(("status", status_key(status)));
        }
        if let Some(from) = &query.from {
            pairs.push(("from", from.clone()));
        }
        if let Some(to) = &query.to {
            pairs.push(("to", to.clone()));
        }
        if query.sort != OrderSort::default() {
            pairs.push(("sort", query.sort.key().to_string()));
        }
        if query.dir != SortDir::default() {
            pairs.push(("dir", dir_key(query.dir).to_string()));
        }
        if self.period != KpiPeriod::default() {
            pairs.push(("period", self.period.key().to_string()));
        }
        pairs
    }

    /// The desk's URL for these parameters.
    pub fn href(&self) -> String {
        let pairs = self.pairs();
        if pairs.is_empty() {
            return "/admin".to_string();
        }
        let mut search = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &pairs {
            search.append_pair(key, value);
        }
        format!("/admin?{}", search.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(search: &str) -> DeskParams {
        let map: HashMap<String, String> = form_urlencoded::parse(search.as_bytes()).into_owned().collect();
        DeskParams::parse(|key| map.get(key).cloned())
    }

    #[test]
    fn the_bare_url_is_the_default_view() {
        let params = parse("");
        assert_eq!(params, DeskParams { query: OrderQuery { limit: BLOCK, ..OrderQuery::default() }, period: KpiPeriod::Month });
        assert_eq!(params.href(), "/admin");
    }

    #[test]
    fn every_parameter_round_trips() {
        let href = "/admin?q=ann+%26+co&status=shipped&from=2026-11-01&to=2026-11-24&sort=total&dir=asc&period=7d";
        let params = parse(href.trim_start_matches("/admin?"));
        assert_eq!(params.query.q.as_deref(), Some("ann & co"));
        assert_eq!(params.query.status, Some(OrderStatus::Shipped));
        assert_eq!(params.query.sort, OrderSort::Total);
        assert_eq!(params.query.dir, SortDir::Asc);
        assert_eq!(params.period, KpiPeriod::Week);
        assert_eq!(params.href(), href);
    }

    #[test]
    fn nonsense_falls_back_to_defaults() {
        let params = parse("q=%20%20&status=lost&from=yesterday&to=2026-1-1&sort=price&dir=up&period=year");
        assert_eq!(params, parse(""));
        assert_eq!(parse("status=SHIPPED").query.status, Some(OrderStatus::Shipped));
    }
}
