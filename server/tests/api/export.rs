//! The CSV exports: who may download them, the orders export against the
//! desk's table, an export longer than one database page, formula
//! injection, and a seller's products export holding only their products.

use crate::admin::{admin, list, placed_order};
use crate::checkout::{customer, scalar};
use crate::helpers::{on_both_backends, TestApp};
use crate::inventory::seller;
use reqwest::Client;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use server::seed::orders::seed_orders;
use std::collections::HashSet;

/// A downloaded CSV: its header and rows.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    /// The cells of column `name`, one per row.
    fn column(&self, name: &str) -> Vec<&str> {
        let at = self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name} in {:?}", self.header));
        self.rows.iter().map(|row| row[at].as_str()).collect()
    }
}

/// `GET path` as `client`, checked to be a CSV download named `stem-…`.
async fn download(app: &TestApp, client: &Client, path: &str, stem: &str) -> Csv {
    let response = client.get(format!("{}{path}", app.base)).send().await.expect("GET csv");
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(header("cache-control"), "no-store");
    let disposition = header("content-disposition");
    let today = chrono::Utc::now().format("%Y%m%d").to_string();
    assert!(
        disposition == format!("attachment; filename=\"{stem}-{today}.csv\"") || disposition.starts_with(&format!("attachment; filename=\"{stem}-")),
        "{disposition}"
    );
    let body = response.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().expect("header").iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.expect("record").iter().map(str::to_string).collect()).collect();
    Csv { header, rows }
}

async fn status_of(client: &Client, url: String) -> u16 {
    client.get(url).send().await.expect("GET").status().as_u16()
}

pub(crate) async fn text_value(app: &TestApp, sql: &str) -> String {
    app.db
        .query_one(Statement::from_string(app.db.get_database_backend(), sql.to_string()))
        .await
        .expect("query")
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .expect("a text")
}

async fn only_staff_download(app: TestApp) {
    let guest = app.session_client();
    let shopper = customer(&app, "csv-shopper@example.com").await;
    let seller = seller(&app).await;
    for path in ["/admin/orders.csv", "/admin/products.csv", "/seller/products.csv"] {
        assert_eq!(status_of(&guest, format!("{}{path}", app.base)).await, 401, "{path} as a guest");
        assert_eq!(status_of(&shopper, format!("{}{path}", app.base)).await, 403, "{path} as a customer");
    }
    assert_eq!(status_of(&seller, format!("{}/admin/orders.csv", app.base)).await, 403, "orders as a seller");
    assert_eq!(status_of(&seller, format!("{}/admin/products.csv", app.base)).await, 403, "all products as a seller");
    assert_eq!(status_of(&seller, format!("{}/seller/products.csv", app.base)).await, 200, "own products as a seller");
    let staff = admin(&app).await;
    assert_eq!(status_of(&staff, format!("{}/admin/orders.csv?from=yesterday", app.base)).await, 400, "a bad date is refused");
    assert_eq!(status_of(&staff, format!("{}/admin/orders.csv?status=lost", app.base)).await, 400, "a bad status is refused");
}

async fn orders_export_matches_the_table(app: TestApp) {
    let (_, first) = placed_order(&app, "csv-one@example.com").await;
    let (_, second) = placed_order(&app, "csv-two@example.com").await;
    let staff = admin(&app).await;
    // A staff edit moves the second order on, so the status filter splits them.
    let version = scalar(&app, &format!("SELECT version FROM orders WHERE id = {second}")).await;
    let (status, body) = crate::admin::put(&app, &staff, second, json!({ "version": version, "status": "SHIPPED", "tracking_number": "1ZCSV" })).await;
    assert_eq!(status, 200, "{body}");

    let export = download(&app, &staff, "/admin/orders.csv?status=confirmed", "orders").await;
    assert_eq!(
        export.header,
        [
            "id", "created_at", "status", "customer_name", "customer_email", "items", "subtotal", "shipping", "total", "currency",
            "tracking_number"
        ]
    );
    let (_, table) = list(&app, &staff, "status=confirmed").await;
    assert_eq!(export.rows.len() as u64, table["total"].as_u64().expect("total"), "as many rows as the table counts");
    assert!(export.column("status").iter().all(|s| *s == "confirmed"), "{:?}", export.column("status"));
    let ids = export.column("id");
    assert!(ids.contains(&first.to_string().as_str()) && !ids.contains(&second.to_string().as_str()), "{ids:?}");

    let mine = download(&app, &staff, "/admin/orders.csv?q=csv-one%40example.com", "orders").await;
    assert_eq!(mine.rows.len(), 1);
    let row = &mine.rows[0];
    let cents = scalar(&app, &format!("SELECT total_cents FROM orders WHERE id = {first}")).await;
    assert_eq!(row[0], first.to_string());
    assert!(chrono::DateTime::parse_from_rfc3339(&row[1]).is_ok(), "RFC 3339: {}", row[1]);
    assert_eq!((row[3].as_str(), row[4].as_str(), row[5].as_str()), ("Test Buyer", "csv-one@example.com", "1"));
    assert_eq!(row[8], format!("{}.{:02}", cents / 100, cents % 100));
    assert_eq!(row[9], "USD");

    let (_, table) = list(&app, &staff, "").await;
    let all = download(&app, &staff, "/admin/orders.csv", "orders").await;
    assert_eq!(all.rows.len() as u64, table["total"].as_u64().expect("total"));
}

async fn formulas_are_written_as_text(app: TestApp) {
    let (_, id) = placed_order(&app, "csv-formula@example.com").await;
    let name = "=HYPERLINK(\"http://evil.example\",\"Click\")";
    app.db
        .execute(Statement::from_string(
            app.db.get_database_backend(),
            format!("UPDATE users SET name = '{}' WHERE email = 'csv-formula@example.com'", name.replace('\'', "''")),
        ))
        .await
        .expect("rename");
    let staff = admin(&app).await;
    let export = download(&app, &staff, &format!("/admin/orders.csv?q={id}"), "orders").await;
    assert_eq!(export.column("customer_name"), [format!("'{name}")]);
}

async fn a_long_export_arrives_complete(app: TestApp) {
    seed_orders(&app.db, 2_500, false).await.expect("seed orders");
    let staff = admin(&app).await;
    let (_, table) = list(&app, &staff, "").await;
    let total = table["total"].as_u64().expect("total");
    assert!(total >= 2_500, "{total}");
    let export = download(&app, &staff, "/admin/orders.csv", "orders").await;
    assert_eq!(export.rows.len() as u64, total, "every order, across several pages");
    let ids: Vec<i64> = export.column("id").iter().map(|id| id.parse().expect("id")).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order, none twice");
    let expected = scalar(&app, "SELECT COUNT(*) FROM orders WHERE status = 'SHIPPED'").await;
    let shipped = download(&app, &staff, "/admin/orders.csv?status=shipped", "orders").await;
    assert_eq!(shipped.rows.len() as i64, expected);
}

async fn sellers_export_only_their_products(app: TestApp) {
    let staff = admin(&app).await;
    let category = scalar(&app, "SELECT id FROM categories WHERE slug = 't-shirts'").await;
    let other = scalar(&app, "SELECT id FROM sellers WHERE slug <> 'northwind-goods' ORDER BY id LIMIT 1").await;
    let (status, body) = app
        .post_json_as(&staff, "/api/products/save", json!({ "draft": { "name": "Bare Export Tee", "category": category, "seller": other } }))
        .await;
    assert_eq!(status, 200, "{body}");

    let everything = download(&app, &staff, "/admin/products.csv", "products").await;
    assert_eq!(
        everything.header,
        ["id", "name", "slug", "category", "seller", "active", "sku", "variant", "price", "currency", "stock", "low_stock_threshold"]
    );
    let products: HashSet<&str> = everything.column("id").into_iter().collect();
    assert_eq!(products.len() as i64, scalar(&app, "SELECT COUNT(*) FROM products").await);
    assert_eq!(everything.rows.len() as i64, scalar(&app, "SELECT COUNT(*) FROM variants").await + 1, "one row per variant, one for the bare tee");

    let bare = download(&app, &staff, "/admin/products.csv?q=bare%20export", "products").await;
    assert_eq!(bare.rows.len(), 1);
    assert_eq!((bare.rows[0][1].as_str(), bare.rows[0][6].as_str(), bare.rows[0][7].as_str()), ("Bare Export Tee", "", ""));

    let own_name = text_value(&app, "SELECT name FROM sellers WHERE slug = 'northwind-goods'").await;
    let mine = download(&app, &seller(&app).await, "/seller/products.csv", "products").await;
    assert!(!mine.rows.is_empty());
    assert!(mine.column("seller").iter().all(|s| *s == own_name), "{:?}", mine.column("seller"));
    let own: HashSet<&str> = mine.column("id").into_iter().collect();
    let expected = scalar(&app, "SELECT COUNT(*) FROM products p JOIN sellers s ON s.id = p.seller_id WHERE s.slug = 'northwind-goods'").await;
    assert_eq!(own.len() as i64, expected);
    assert!(mine.column("price").iter().all(|p| p.split_once('.').is_some_and(|(_, c)| c.len() == 2)), "decimal prices");
}

on_both_backends!(
    only_staff_download,
    orders_export_matches_the_table,
    formulas_are_written_as_text,
    a_long_export_arrives_complete,
    sellers_export_only_their_products,
);
