//! The listing query (search text, filters, sort, page) and its URL form.
//! Parsing lives here, shared by server and browser, so both read a URL
//! the same way and a bad parameter is explained, never a failure.

use crate::money::{format_amount, parse_amount, AmountError};
use serde::{Deserialize, Serialize};

/// Products per listing page.
pub const PER_PAGE: u32 = 24;
/// Pages beyond this are clamped; nobody pages this far, but crawlers try.
const MAX_PAGE: u32 = 10_000;
/// Longest search text kept.
const MAX_TEXT_CHARS: usize = 200;

/// How a listing is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best text match first; without search text, featured then newest.
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
}

impl Sort {
    /// Every sort, in the order the picker lists them.
    pub const ALL: [Sort; 5] = [Sort::Relevance, Sort::PriceAsc, Sort::PriceDesc, Sort::Newest, Sort::Rating];

    /// The value used in the URL (`sort=price_asc`).
    pub fn key(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::Newest => "newest",
            Sort::Rating => "rating",
        }
    }

    /// The label shown in the picker.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Relevance => "Relevance",
            Sort::PriceAsc => "Price: low to high",
            Sort::PriceDesc => "Price: high to low",
            Sort::Newest => "Newest",
            Sort::Rating => "Top rated",
        }
    }

    fn from_key(key: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// A validated listing query. API callers may omit any field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// Search text, trimmed; `None` lists everything.
    pub text: Option<String>,
    /// Category slug; its subcategories are included.
    pub category: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub in_stock: bool,
    /// 1 to 5: only products averaging at least this many stars.
    pub min_rating: Option<u8>,
    pub sort: Sort,
    /// 1-based.
    pub page: u32,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: None,
            category: None,
            min_price_cents: None,
            max_price_cents: None,
            in_stock: false,
            min_rating: None,
            sort: Sort::default(),
            page: 1,
        }
    }
}

/// A query read from a URL, with a sentence for each parameter that was
/// ignored or corrected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    pub query: SearchQuery,
    pub problems: Vec<String>,
}

fn price_problem(label: &str, err: AmountError) -> String {
    format!("{label} {err}; ignored.")
}

impl SearchQuery {
    /// Reads the query-string parameters through `get`. Never fails: what
    /// cannot be understood falls back to the default and is reported.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> ParsedQuery {
        let mut problems = Vec::new();
        let present = |key: &str| get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let text = present("q").map(|t| t.chars().take(MAX_TEXT_CHARS).collect::<String>());
        let category = present("category");

        let mut price = |key: &str, label: &str| {
            present(key).and_then(|raw| match parse_amount(&raw) {
                Ok(cents) => Some(cents),
                Err(err) => {
                    problems.push(price_problem(label, err));
                    None
                }
            })
        };
        let mut min_price_cents = price("min_price", "Min price");
        let mut max_price_cents = price("max_price", "Max price");
        if let (Some(min), Some(max)) = (min_price_cents, max_price_cents) {
            if min > max {
                problems.push("Min price was above max price; the two were swapped.".to_string());
                (min_price_cents, max_price_cents) = (Some(max), Some(min));
            }
        }

        let in_stock = present("in_stock").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "on" | "yes"));

        let min_rating = present("min_rating").and_then(|raw| match raw.parse::<u8>() {
            Ok(stars @ 1..=5) => Some(stars),
            _ => {
                problems.push("Minimum rating must be a whole number of stars from 1 to 5; ignored.".to_string());
                None
            }
        });

        let sort = match present("sort") {
            None => Sort::default(),
            Some(key) => Sort::from_key(&key).unwrap_or_else(|| {
                problems.push("Unknown sort order; showing the most relevant first.".to_string());
                Sort::default()
            }),
        };

        // A malformed page number is a stale or hand-edited link: page 1 is
        // what the shopper wants, so it is corrected silently.
        let page = present("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).clamp(1, MAX_PAGE);

        ParsedQuery {
            query: SearchQuery { text, category, min_price_cents, max_price_cents, in_stock, min_rating, sort, page },
            problems,
        }
    }

    /// The query-string form, omitting defaults, so the same query always
    /// gives the same URL. Empty when everything is default.
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if let Some(text) = &self.text {
            out.append_pair("q", text);
        }
        if let Some(category) = &self.category {
            out.append_pair("category", category);
        }
        if let Some(cents) = self.min_price_cents {
            out.append_pair("min_price", &format_amount(cents));
        }
        if let Some(cents) = self.max_price_cents {
            out.append_pair("max_price", &format_amount(cents));
        }
        if self.in_stock {
            out.append_pair("in_stock", "1");
        }
        if let Some(stars) = self.min_rating {
            out.append_pair("min_rating", &stars.to_string());
        }
        if self.sort != Sort::default() {
            out.append_pair("sort", self.sort.key());
        }
        if self.page > 1 {
            out.append_pair("page", &self.page.to_string());
        }
        out.finish()
    }

    /// A link to `path` with this query.
    pub fn href(&self, path: &str) -> String {
        let query = self.to_query_string();
        if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        }
    }

    /// The same query on another page.
    pub fn with_page(&self, page: u32) -> SearchQuery {
        SearchQuery { page, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> ParsedQuery {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        SearchQuery::parse(|key| map.get(key).cloned())
    }

    #[test]
    fn empty_query_is_default() {
        assert_eq!(parse(&[]), ParsedQuery::default());
        assert_eq!(SearchQuery::default().href("/search"), "/search");
    }

    #[test]
    fn reads_every_parameter() {
        let parsed = parse(&[
            ("q", "  brass lamp "),
            ("category", "lighting"),
            ("min_price", "10"),
            ("max_price", "99.50"),
            ("in_stock", "1"),
            ("min_rating", "4"),
            ("sort", "price_desc"),
            ("page", "3"),
        ]);
        assert!(parsed.problems.is_empty());
        let q = parsed.query;
        assert_eq!(q.text.as_deref(), Some("brass lamp"));
        assert_eq!(q.category.as_deref(), Some("lighting"));
        assert_eq!((q.min_price_cents, q.max_price_cents), (Some(1000), Some(9950)));
        assert!(q.in_stock);
        assert_eq!(q.min_rating, Some(4));
        assert_eq!(q.sort, Sort::PriceDesc);
        assert_eq!(q.page, 3);
    }

    #[test]
    fn bad_parameters_fall_back_with_explanations() {
        let parsed = parse(&[("min_price", "-5"), ("min_rating", "9"), ("sort", "cheapest"), ("page", "abc")]);
        assert_eq!(parsed.query, SearchQuery::default());
        assert_eq!(parsed.problems.len(), 3);
        assert_eq!(parsed.problems[0], "Min price must be a positive amount, like 10 or 10.50; ignored.");
    }

    #[test]
    fn page_is_clamped() {
        assert_eq!(parse(&[("page", "0")]).query.page, 1);
        assert_eq!(parse(&[("page", "99999999")]).query.page, MAX_PAGE);
    }

    #[test]
    fn swapped_price_range_is_corrected() {
        let parsed = parse(&[("min_price", "50"), ("max_price", "10")]);
        assert_eq!((parsed.query.min_price_cents, parsed.query.max_price_cents), (Some(1000), Some(5000)));
        assert_eq!(parsed.problems.len(), 1);
    }

    #[test]
    fn url_round_trips() {
        let query = parse(&[("q", "red & blue"), ("max_price", "12.5"), ("in_stock", "on"), ("sort", "rating"), ("page", "2")]).query;
        let href = query.href("/search");
        assert_eq!(href, "/search?q=red+%26+blue&max_price=12.50&in_stock=1&sort=rating&page=2");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(href.split_once('?').map(|(_, q)| q).unwrap_or_default().as_bytes()).into_owned().collect();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(parse(&pairs).query, query);
    }
}
