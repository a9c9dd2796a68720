//! Text that reaches the document head (titles, meta tags) comes back as
//! text, never as markup: a search query in the URL (reflected) and
//! product and category names (stored) alike.

use crate::helpers::{on_both_backends, TestApp};
use sea_orm::{ConnectionTrait, Statement, Value};

/// Closes the title and runs a script if written into `<title>` unescaped.
const CLOSE_TITLE: &str = "</title><script>window.__xss=1</script>";
/// Breaks out of an attribute and runs a handler if written unescaped.
const BREAK_ATTRIBUTE: &str = "\"><img src=x onerror=\"window.__xss=1\">";

fn hostile() -> String {
    format!("Lamp {CLOSE_TITLE}{BREAK_ATTRIBUTE}")
}

/// The text between `<title>` and `</title>`, as sent.
fn title_of(html: &str) -> &str {
    let start = html.find("<title>").map(|i| i + "<title>".len()).expect("page has a <title>");
    let end = html[start..].find("</title>").map(|i| start + i).expect("title is closed");
    &html[start..end]
}

/// `html` carries the hostile strings only as text.
fn assert_inert(path: &str, html: &str) {
    for raw in ["<script>window.__xss", "<img src=x"] {
        assert!(!html.contains(raw), "{path} contains live markup {raw:?}");
    }
    let title = title_of(html);
    assert!(
        title.contains("&lt;/title&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;"),
        "{path}: title not escaped: {title}"
    );
}

async fn set(app: &TestApp, sql: &str, value: String) {
    let backend = app.db.get_database_backend();
    app.db.execute(Statement::from_sql_and_values(backend, sql, [Value::from(value)])).await.expect(sql);
}

async fn slug_of(app: &TestApp, sql: &str) -> String {
    let backend = app.db.get_database_backend();
    let row = app.db.query_one(Statement::from_string(backend, sql)).await.expect(sql).expect("a row");
    row.try_get::<String>("", "slug").expect("slug column")
}

async fn hostile_text_in_titles_and_meta_stays_text(app: TestApp) {
    let product = slug_of(&app, "SELECT slug FROM products WHERE active = TRUE ORDER BY id LIMIT 1").await;
    let category = slug_of(&app, "SELECT slug FROM categories ORDER BY id LIMIT 1").await;
    let backend = app.db.get_database_backend();
    let placeholder = if matches!(backend, sea_orm::DatabaseBackend::Postgres) { "$1" } else { "?" };
    set(&app, &format!("UPDATE products SET name = {placeholder} WHERE slug = '{product}'"), hostile()).await;
    set(&app, &format!("UPDATE products SET description = {placeholder} WHERE slug = '{product}'"), hostile()).await;
    set(&app, &format!("UPDATE categories SET name = {placeholder} WHERE slug = '{category}'"), hostile()).await;

    let mut search = reqwest::Url::parse("http://shop/search").expect("URL");
    search.query_pairs_mut().append_pair("q", &hostile());
    let search = format!("/search?{}", search.query().expect("query"));
    for path in [search, format!("/p/{product}"), format!("/c/{category}")] {
        let (status, html) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
        assert_inert(&path, &html);
    }
    // The product's description also goes into a meta tag's attribute.
    let (_, html) = app.get(&format!("/p/{product}")).await;
    assert!(
        html.contains("content=\"Lamp &lt;/title&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;&quot;&gt;&lt;img"),
        "meta description not escaped as an attribute"
    );
}

on_both_backends!(hostile_text_in_titles_and_meta_stays_text);
