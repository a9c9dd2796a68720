//! Builds the listing SQL for each backend: full-text match and rank
//! (FTS5 on SQLite, tsvector on PostgreSQL), filters, sort and page.

use crate::catalog::search_query::{SearchQuery, Sort, PER_PAGE};
use sea_orm::{DbBackend, Statement, Value};

/// At most this many words of the search text are matched.
const MAX_TERMS: usize = 8;
/// Longer words are cut: nothing in the catalog is longer.
const MAX_TERM_CHARS: usize = 40;

/// The words of a search text, lowercased, with everything that is not a
/// letter or digit dropped. Only these reach the full-text engine, so no
/// input can use its query syntax.
pub fn search_terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_TERMS)
        .map(|w| w.chars().take(MAX_TERM_CHARS).collect::<String>().to_lowercase())
        .collect()
}

/// The engine's query for `terms`: every word must match, and the last
/// one as a prefix so results follow the shopper while they type.
fn match_expression(backend: DbBackend, terms: &[String]) -> String {
    let last = terms.len().saturating_sub(1);
    let parts = terms.iter().enumerate().map(|(i, term)| {
        let prefix = i == last;
        match backend {
            DbBackend::Postgres => format!("{term}{}", if prefix { ":*" } else { "" }),
            _ => format!("\"{term}\"{}", if prefix { "*" } else { "" }),
        }
    });
    let joiner = if backend == DbBackend::Postgres { " & " } else { " " };
    parts.collect::<Vec<_>>().join(joiner)
}

/// SQL text and its bound values, with placeholders numbered for the backend.
struct SqlBuilder {
    backend: DbBackend,
    sql: String,
    values: Vec<Value>,
}

impl SqlBuilder {
    fn new(backend: DbBackend) -> Self {
        SqlBuilder { backend, sql: String::new(), values: Vec::new() }
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.sql.push_str(&format!("${n}"));
            }
            _ => self.sql.push('?'),
        }
        self
    }

    fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.sql, self.values)
    }
}

/// The columns a product card needs.
///
/// `in_stock` asks for one stocked variant's stock rather than `EXISTS`:
/// PostgreSQL may plan an `EXISTS` in the select list as a hash of every
/// stocked variant, built before the page's `LIMIT` (60–150 ms at 100,000
/// products, whatever the page), where this is one index probe per card.
const CARD_COLUMNS: &str = "p.id, p.slug, p.name, p.price_cents, p.currency, p.rating_count, p.rating_sum, \
     (SELECT MAX(v.price_cents) FROM variants v WHERE v.product_id = p.id) AS max_price_cents, \
     (SELECT v.stock FROM variants v WHERE v.product_id = p.id AND v.stock > 0 LIMIT 1) IS NOT NULL AS in_stock, \
     (SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1) AS image_url, \
     (SELECT i.alt FROM product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1) AS image_alt";

/// The statement for the cards of the active products with these ids.
pub fn cards_statement(backend: DbBackend, ids: &[i32]) -> Statement {
    let mut sql = SqlBuilder::new(backend);
    sql.push("SELECT ").push(CARD_COLUMNS).push(" FROM products p WHERE p.active AND p.id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(*id);
    }
    sql.push(") ORDER BY p.id");
    sql.build()
}

/// A listing query resolved against the catalog: its category slug has
/// become the ids of that category and all its descendants.
pub struct Listing<'a> {
    pub query: &'a SearchQuery,
    pub category_ids: Option<&'a [i32]>,
}

impl Listing<'_> {
    fn push_from_and_where(&self, sql: &mut SqlBuilder, terms: &[String]) {
        let backend = sql.backend;
        sql.push(" FROM products p");
        if !terms.is_empty() && backend != DbBackend::Postgres {
            sql.push(" JOIN products_fts ON products_fts.rowid = p.id");
        }
        sql.push(" WHERE p.active");
        if !terms.is_empty() {
            let expression = match_expression(backend, terms);
            match backend {
                DbBackend::Postgres => sql.push(" AND p.search_vector @@ to_tsquery('english', ").bind(expression).push(")"),
                _ => sql.push(" AND products_fts MATCH ").bind(expression),
            };
        }
        if let Some(ids) = self.category_ids {
            sql.push(" AND p.category_id IN (");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(*id);
            }
            sql.push(")");
        }
        if let Some(min) = self.query.min_price_cents {
            sql.push(" AND p.price_cents >= ").bind(min);
        }
        if let Some(max) = self.query.max_price_cents {
            sql.push(" AND p.price_cents <= ").bind(max);
        }
        if self.query.in_stock {
            sql.push(" AND EXISTS (SELECT 1 FROM variants sv WHERE sv.product_id = p.id AND sv.stock > 0)");
        }
        if let Some(stars) = self.query.min_rating {
            // sum/count >= stars, in integers: no rounding, no division.
            sql.push(" AND p.rating_count > 0 AND p.rating_sum >= p.rating_count * ").bind(i32::from(stars));
        }
    }

    fn order_by(&self, sql: &mut SqlBuilder, terms: &[String]) {
        sql.push(" ORDER BY ");
        match self.query.sort {
            Sort::Relevance if !terms.is_empty() => match sql.backend {
                DbBackend::Postgres => {
                    let expression = match_expression(DbBackend::Postgres, terms);
                    sql.push("ts_rank(p.search_vector, to_tsquery('english', ").bind(expression).push(")) DESC, p.id")
                }
                // bm25 weights follow the column order: name, tags, description.
                _ => sql.push("bm25(products_fts, 10.0, 5.0, 1.0), p.id"),
            },
            Sort::Relevance => sql.push("p.featured DESC, p.created_at DESC, p.id DESC"),
            Sort::PriceAsc => sql.push("p.price_cents ASC, p.id ASC"),
            Sort::PriceDesc => sql.push("p.price_cents DESC, p.id DESC"),
            Sort::Newest => sql.push("p.created_at DESC, p.id DESC"),
            Sort::Rating => sql.push(
                "CASE WHEN p.rating_count = 0 THEN 0 ELSE p.rating_sum * 1000 / p.rating_count END DESC, \
                 p.rating_count DESC, p.id ASC",
            ),
        };
    }

    /// Whether the listing matches search text (some word survives
    /// [`search_terms`]).
    pub fn has_text(&self) -> bool {
        self.query.text.as_deref().is_some_and(|text| !search_terms(text).is_empty())
    }

    /// The statement for one page of product cards.
    pub fn page_statement(&self, backend: DbBackend) -> Statement {
        let terms = self.query.text.as_deref().map(search_terms).unwrap_or_default();
        let mut sql = SqlBuilder::new(backend);
        sql.push("SELECT ").push(CARD_COLUMNS);
        self.push_from_and_where(&mut sql, &terms);
        self.order_by(&mut sql, &terms);
        let offset = i64::from(self.query.page.saturating_sub(1)) * i64::from(PER_PAGE);
        sql.push(" LIMIT ").bind(i64::from(PER_PAGE)).push(" OFFSET ").bind(offset);
        sql.build()
    }

    /// The statement counting every matching product.
    pub fn count_statement(&self, backend: DbBackend) -> Statement {
        let terms = self.query.text.as_deref().map(search_terms).unwrap_or_default();
        let mut sql = SqlBuilder::new(backend);
        sql.push("SELECT COUNT(*) AS total");
        self.push_from_and_where(&mut sql, &terms);
        sql.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: Option<&str>, sort: Sort) -> SearchQuery {
        SearchQuery { text: text.map(str::to_string), sort, ..SearchQuery::default() }
    }

    #[test]
    fn terms_drop_query_syntax() {
        assert_eq!(search_terms("Brass  LAMP!"), ["brass", "lamp"]);
        assert_eq!(search_terms("\"a\" OR b* -c NEAR(d)"), ["a", "or", "b", "c", "near", "d"]);
        assert!(search_terms("!!! ***").is_empty());
        assert_eq!(search_terms("a b c d e f g h i j").len(), MAX_TERMS);
    }

    #[test]
    fn match_expression_per_backend() {
        let terms = search_terms("walnut lam");
        assert_eq!(match_expression(DbBackend::Sqlite, &terms), "\"walnut\" \"lam\"*");
        assert_eq!(match_expression(DbBackend::Postgres, &terms), "walnut & lam:*");
    }

    #[test]
    fn sqlite_search_joins_fts_and_ranks_by_bm25() {
        let q = query(Some("lamp"), Sort::Relevance);
        let stmt = Listing { query: &q, category_ids: None }.page_statement(DbBackend::Sqlite);
        assert!(stmt.sql.contains("JOIN products_fts ON products_fts.rowid = p.id"));
        assert!(stmt.sql.contains("products_fts MATCH ?"));
        assert!(stmt.sql.contains("ORDER BY bm25(products_fts"));
        assert_eq!(stmt.values.map(|v| v.0.len()), Some(3));
    }

    #[test]
    fn postgres_numbers_placeholders_in_order() {
        let q = SearchQuery {
            min_price_cents: Some(100),
            max_price_cents: Some(900),
            min_rating: Some(4),
            ..query(Some("lamp"), Sort::Relevance)
        };
        let ids = [3, 4];
        let stmt = Listing { query: &q, category_ids: Some(&ids) }.page_statement(DbBackend::Postgres);
        assert!(stmt.sql.contains("search_vector @@ to_tsquery('english', $1)"));
        assert!(stmt.sql.contains("p.category_id IN ($2, $3)"));
        assert!(stmt.sql.contains("p.price_cents >= $4 AND p.price_cents <= $5"));
        assert!(stmt.sql.contains("p.rating_count * $6"));
        assert!(stmt.sql.contains("ts_rank(p.search_vector, to_tsquery('english', $7)) DESC"));
        assert!(stmt.sql.ends_with("LIMIT $8 OFFSET $9"));
        assert!(!stmt.sql.contains("products_fts"));
    }

    #[test]
    fn no_text_means_no_full_text_clause() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let q = query(None, Sort::Relevance);
            let stmt = Listing { query: &q, category_ids: None }.page_statement(backend);
            assert!(!stmt.sql.contains("MATCH") && !stmt.sql.contains("@@"));
            assert!(stmt.sql.contains("ORDER BY p.featured DESC"));
        }
    }

    #[test]
    fn sorts_map_to_columns() {
        let cases = [
            (Sort::PriceAsc, "ORDER BY p.price_cents ASC"),
            (Sort::PriceDesc, "ORDER BY p.price_cents DESC"),
            (Sort::Newest, "ORDER BY p.created_at DESC"),
            (Sort::Rating, "p.rating_sum * 1000 / p.rating_count END DESC"),
        ];
        for (sort, expected) in cases {
            let q = query(Some("lamp"), sort);
            let stmt = Listing { query: &q, category_ids: None }.page_statement(DbBackend::Sqlite);
            assert!(stmt.sql.contains(expected), "{sort:?}: {}", stmt.sql);
            assert!(!stmt.sql.contains("bm25"), "only relevance ranks by text");
        }
    }

    #[test]
    fn page_becomes_offset() {
        let q = SearchQuery { page: 3, ..SearchQuery::default() };
        let stmt = Listing { query: &q, category_ids: None }.page_statement(DbBackend::Sqlite);
        let values = stmt.values.map(|v| v.0).unwrap_or_default();
        assert_eq!(values, vec![Value::from(i64::from(PER_PAGE)), Value::from(2 * i64::from(PER_PAGE))]);
    }

    #[test]
    fn count_has_no_order_or_limit() {
        let q = query(Some("lamp"), Sort::PriceAsc);
        let stmt = Listing { query: &q, category_ids: None }.count_statement(DbBackend::Sqlite);
        assert!(stmt.sql.starts_with("SELECT COUNT(*) AS total FROM products p"));
        assert!(!stmt.sql.contains("ORDER BY") && !stmt.sql.contains("LIMIT"));
    }
}
