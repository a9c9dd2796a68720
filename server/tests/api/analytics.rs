//! Sales analytics over HTTP: every figure of a small fixed data set
//! against sums worked out by hand, for the shop and for each seller;
//! who may read which report; and periods that are refused.

use crate::admin::{admin, put, row};
use crate::checkout::{add, checkout, customer, set_stock};
use crate::helpers::{on_both_backends, TestApp};
use app::checkout::card::test_cards;
use app::entity::order;
use chrono::{DateTime, Utc};
use reqwest::Client;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{json, Value};

/// The demo sellers (server/src/seed/accounts.rs).
const NORTHWIND: (&str, &str) = ("seller1@bazaar.test", "bazaar-demo-northwind");
const HARBOR: (&str, &str) = ("seller2@bazaar.test", "bazaar-demo-harbor");

/// The period every check asks for: three days in the past, far from the
/// clock, so nothing else the test server does lands in it.
const FROM: &str = "2025-03-10";
const TO: &str = "2025-03-12";

/// Price of product A (Northwind's) and B (Harbor & Pine's, in another
/// category), set before anything is ordered.
const A_CENTS: i64 = 400;
const B_CENTS: i64 = 2_500;

/// A product the data set orders.
struct Product {
    sku: String,
    id: i64,
    name: String,
    category_id: i64,
    category: String,
}

/// The first variant of an active product of seller `slug`, outside
/// category `not_in`.
async fn product_of(app: &TestApp, slug: &str, not_in: i64) -> Product {
    let sql = format!(
        "SELECT v.sku, p.id, p.name, c.id, c.name FROM variants v JOIN products p ON p.id = v.product_id \
         JOIN sellers s ON s.id = p.seller_id JOIN categories c ON c.id = p.category_id \
         WHERE s.slug = '{slug}' AND p.active = {} AND c.id <> {not_in} ORDER BY v.id LIMIT 1",
        if matches!(app.db.get_database_backend(), sea_orm::DbBackend::Postgres) { "TRUE" } else { "1" }
    );
    let row = app.db.query_one(Statement::from_string(app.db.get_database_backend(), sql)).await.expect("query").expect("a product");
    let int = |i: usize| row.try_get_by_index::<i64>(i).or_else(|_| row.try_get_by_index::<i32>(i).map(i64::from)).expect("id");
    Product {
        sku: row.try_get_by_index(0).expect("sku"),
        id: int(1),
        name: row.try_get_by_index(2).expect("name"),
        category_id: int(3),
        category: row.try_get_by_index(4).expect("category"),
    }
}

async fn set_price(app: &TestApp, sku: &str, cents: i64) {
    let sql = format!("UPDATE variants SET price_cents = {cents} WHERE sku = '{sku}'");
    app.db.execute(Statement::from_string(app.db.get_database_backend(), sql)).await.expect("set price");
}

/// `client` orders `lines` (SKU, quantity) with a card that pays; returns
/// the order id.
async fn order_of(app: &TestApp, client: &Client, key: &str, lines: &[(&str, u32)]) -> i64 {
    for (sku, quantity) in lines {
        let (status, body) = add(app, client, sku, *quantity).await;
        assert_eq!(status, 200, "add {sku}: {body}");
    }
    let (status, id) = checkout(app, client, key, test_cards::SUCCESS).await;
    assert_eq!(status, 200, "checkout {key}: {id}");
    id.as_i64().expect("order id")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("a timestamp").with_timezone(&Utc)
}

/// Moves order `id` to when it was "placed"; checkout placed it now.
async fn placed_at(app: &TestApp, id: i64, when: &str) {
    order::Entity::update_many()
        .col_expr(order::Column::CreatedAt, Expr::value(at(when)))
        .filter(order::Column::Id.eq(i32::try_from(id).expect("small id")))
        .exec(&app.db)
        .await
        .expect("move the order");
}

/// The data set, and the products it orders.
///
/// | Customer | Placed (UTC) | Lines | Subtotal | Total | Status |
/// | --- | --- | --- | --- | --- | --- |
/// | ann | 2025-02-20 10:00 (before) | 1 A | 400 | 999 | confirmed |
/// | ann | 2025-03-10 09:00 | 2 A + 1 B | 3300 | 3899 | confirmed |
/// | ben | 2025-03-10 12:00 | 1 B | 2500 | 3099 | confirmed |
/// | ben | 2025-03-11 23:59:30 | 10 A | 4000 | 4599 | confirmed |
/// | eve | 2025-03-12 00:00:10 | 3 B | 7500 | 7500 (ships free) | shipped |
/// | cat | 2025-03-12 10:00 | 1 A + 2 B | | | cancelled: left out |
/// | dan | 2025-03-11 10:00 | 1 B | | | pending: left out |
/// | gus | 2025-03-13 00:00:00 (after) | 1 A | | | confirmed: left out |
/// | fay | 2025-03-11 10:00 | 1 A | 400 | 999 | confirmed, in EUR |
async fn data_set(app: &TestApp) -> (Product, Product) {
    let a = product_of(app, "northwind-goods", -1).await;
    let b = product_of(app, "harbor-pine", a.category_id).await;
    for (product, cents) in [(&a, A_CENTS), (&b, B_CENTS)] {
        set_price(app, &product.sku, cents).await;
        set_stock(app, &product.sku, 100).await;
    }
    let (a_sku, b_sku) = (a.sku.as_str(), b.sku.as_str());
    let ann = customer(app, "ann@example.com").await;
    let prior = order_of(app, &ann, "ann-prior", &[(a_sku, 1)]).await;
    placed_at(app, prior, "2025-02-20T10:00:00Z").await;
    let id = order_of(app, &ann, "ann-1", &[(a_sku, 2), (b_sku, 1)]).await;
    placed_at(app, id, "2025-03-10T09:00:00Z").await;

    let ben = customer(app, "ben@example.com").await;
    let id = order_of(app, &ben, "ben-1", &[(b_sku, 1)]).await;
    placed_at(app, id, "2025-03-10T12:00:00Z").await;
    let id = order_of(app, &ben, "ben-2", &[(a_sku, 10)]).await;
    placed_at(app, id, "2025-03-11T23:59:30Z").await;

    let eve = customer(app, "eve@example.com").await;
    let id = order_of(app, &eve, "eve-1", &[(b_sku, 3)]).await;
    placed_at(app, id, "2025-03-12T00:00:10Z").await;
    let staff = admin(app).await;
    let version = row(app, &staff, id).await["version"].as_i64().expect("version");
    let (status, body) = put(app, &staff, id, json!({ "version": version, "status": "shipped" })).await;
    assert_eq!(status, 200, "ship: {body}");

    let cat = customer(app, "cat@example.com").await;
    let id = order_of(app, &cat, "cat-1", &[(a_sku, 1), (b_sku, 2)]).await;
    placed_at(app, id, "2025-03-12T10:00:00Z").await;
    let (status, body) = app.post_json_as(&cat, "/api/orders/cancel", json!({ "id": id })).await;
    assert_eq!(status, 200, "cancel: {body}");

    let dan = customer(app, "dan@example.com").await;
    let id = order_of(app, &dan, "dan-1", &[(b_sku, 1)]).await;
    placed_at(app, id, "2025-03-11T10:00:00Z").await;
    // No request leaves an order pending (checkout confirms or declines),
    // but a crash between the two would.
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value("PENDING"))
        .filter(order::Column::Id.eq(i32::try_from(id).expect("small id")))
        .exec(&app.db)
        .await
        .expect("make it pending");

    let gus = customer(app, "gus@example.com").await;
    let id = order_of(app, &gus, "gus-1", &[(a_sku, 1)]).await;
    placed_at(app, id, "2025-03-13T00:00:00Z").await;

    let fay = customer(app, "fay@example.com").await;
    let id = order_of(app, &fay, "fay-1", &[(a_sku, 1)]).await;
    placed_at(app, id, "2025-03-11T10:00:00Z").await;
    order::Entity::update_many()
        .col_expr(order::Column::Currency, Expr::value("EUR"))
        .filter(order::Column::Id.eq(i32::try_from(id).expect("small id")))
        .exec(&app.db)
        .await
        .expect("an order in euros");
    (a, b)
}

fn usd(cents: i64) -> Value {
    json!({ "cents": cents, "currency": "USD" })
}

/// Signs in one of the demo accounts.
async fn signed_in(app: &TestApp, (email, password): (&str, &str)) -> Client {
    let client = app.session_client();
    let (status, body) = app.post_json_as(&client, "/api/auth/sign-in", json!({ "email": email, "password": password })).await;
    assert_eq!(status, 200, "sign in {email}: {body}");
    client
}

async fn report(app: &TestApp, client: &Client, endpoint: &str, args: Value) -> Value {
    let (status, body) = app.post_json_as(client, endpoint, args).await;
    assert_eq!(status, 200, "{endpoint}: {body}");
    body
}

/// `(day, orders, cents)` of every day of a report.
fn days(report: &Value) -> Vec<(String, i64, i64)> {
    report["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| (d["day"].as_str().expect("day").to_string(), d["orders"].as_i64().expect("orders"), d["revenue"]["cents"].as_i64().expect("cents")))
        .collect()
}

/// `(product id, units, cents)` of a product list.
fn ranked(list: &Value) -> Vec<(i64, i64, i64)> {
    list.as_array()
        .expect("products")
        .iter()
        .map(|p| (p["product_id"].as_i64().expect("id"), p["units"].as_i64().expect("units"), p["revenue"]["cents"].as_i64().expect("cents")))
        .collect()
}

/// `(category id, units, cents)` of the categories.
fn categories(report: &Value) -> Vec<(i64, i64, i64)> {
    report["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| (c["category_id"].as_i64().expect("id"), c["units"].as_i64().expect("units"), c["revenue"]["cents"].as_i64().expect("cents")))
        .collect()
}

async fn figures_add_up_for_the_shop_and_each_seller(app: TestApp) {
    let (a, b) = data_set(&app).await;
    let period = json!({ "from": FROM, "to": TO });
    let staff = admin(&app).await;

    // The shop: order totals, shipping included.
    let shop = report(&app, &staff, "/api/admin/analytics", period.clone()).await;
    assert_eq!(shop["period"], json!({ "from": FROM, "to": TO }));
    assert_eq!((shop["currency"].as_str(), &shop["seller"]), (Some("USD"), &Value::Null));
    assert_eq!(
        days(&shop),
        vec![
            ("2025-03-10".to_string(), 2, 3899 + 3099),
            ("2025-03-11".to_string(), 1, 4599),
            ("2025-03-12".to_string(), 1, 7500),
        ],
        "{shop}"
    );
    let revenue = 3899 + 3099 + 4599 + 7500;
    assert_eq!(
        shop["summary"],
        json!({ "orders": 4, "revenue": usd(revenue), "average_order": usd(4774), "units": 2 + 1 + 1 + 10 + 3 }),
        "19,097 ÷ 4 = 4,774.25"
    );
    // Products and categories: the lines' value, before shipping.
    let (a_units, b_units) = (2 + 10, 1 + 1 + 3);
    let (a_cents, b_cents) = (a_units * A_CENTS, b_units * B_CENTS);
    assert_eq!(ranked(&shop["top_by_revenue"]), vec![(b.id, b_units, b_cents), (a.id, a_units, a_cents)]);
    assert_eq!(ranked(&shop["top_by_units"]), vec![(a.id, a_units, a_cents), (b.id, b_units, b_cents)]);
    assert_eq!(shop["top_by_revenue"][0]["name"], json!(b.name));
    assert_eq!(categories(&shop), vec![(b.category_id, b_units, b_cents), (a.category_id, a_units, a_cents)]);
    assert_eq!(shop["categories"][1]["name"], json!(a.category));
    // Ann bought before the period; Ben (twice) and Eve are new.
    assert_eq!(
        shop["customers"],
        json!({ "new": 2, "returning": 1, "new_revenue": usd(3099 + 4599 + 7500), "returning_revenue": usd(3899) })
    );
    assert_eq!(shop["other_currencies"], json!([{ "currency": "EUR", "orders": 1 }]));

    // The same period in euros: Fay's order alone.
    let mut euros = period.clone();
    euros["currency"] = json!("EUR");
    let eur = report(&app, &staff, "/api/admin/analytics", euros).await;
    assert_eq!(eur["summary"]["revenue"], json!({ "cents": 999, "currency": "EUR" }));
    assert_eq!(eur["summary"]["orders"], 1);
    assert_eq!(eur["customers"]["new"], 1);
    assert_eq!(eur["other_currencies"], json!([{ "currency": "USD", "orders": 4 }]));

    // Northwind: only its lines of product A; Ann returns, having bought A before.
    let northwind = signed_in(&app, NORTHWIND).await;
    let own = report(&app, &northwind, "/api/seller/analytics", period.clone()).await;
    assert_eq!(own["seller"], "Northwind Goods", "{own}");
    assert_eq!(
        days(&own),
        vec![("2025-03-10".to_string(), 1, 2 * A_CENTS), ("2025-03-11".to_string(), 1, 10 * A_CENTS), ("2025-03-12".to_string(), 0, 0)]
    );
    assert_eq!(own["summary"], json!({ "orders": 2, "revenue": usd(a_cents), "average_order": usd(2400), "units": a_units }));
    assert_eq!(ranked(&own["top_by_revenue"]), vec![(a.id, a_units, a_cents)]);
    assert_eq!(ranked(&own["top_by_units"]), vec![(a.id, a_units, a_cents)]);
    assert_eq!(categories(&own), vec![(a.category_id, a_units, a_cents)]);
    assert_eq!(
        own["customers"],
        json!({ "new": 1, "returning": 1, "new_revenue": usd(10 * A_CENTS), "returning_revenue": usd(2 * A_CENTS) })
    );
    assert_eq!(own["other_currencies"], json!([{ "currency": "EUR", "orders": 1 }]));

    // Harbor & Pine: product B only; Ann is new to it (her earlier order held only A).
    let harbor = signed_in(&app, HARBOR).await;
    let own = report(&app, &harbor, "/api/seller/analytics", period.clone()).await;
    assert_eq!(
        days(&own),
        vec![("2025-03-10".to_string(), 2, 2 * B_CENTS), ("2025-03-11".to_string(), 0, 0), ("2025-03-12".to_string(), 1, 3 * B_CENTS)]
    );
    assert_eq!(own["summary"], json!({ "orders": 3, "revenue": usd(b_cents), "average_order": usd(4167), "units": b_units }));
    assert_eq!(ranked(&own["top_by_units"]), vec![(b.id, b_units, b_cents)]);
    assert_eq!(own["customers"], json!({ "new": 3, "returning": 0, "new_revenue": usd(b_cents), "returning_revenue": usd(0) }));
    assert_eq!(own["other_currencies"], json!([]));

    // A seller never reads the shop's report; an admin on the seller endpoint gets the shop.
    let (status, body) = app.post_json_as(&harbor, "/api/admin/analytics", period.clone()).await;
    assert_eq!((status, body), (403, json!("Forbidden")));
    let whole = report(&app, &staff, "/api/seller/analytics", period).await;
    assert_eq!(whole["summary"], shop["summary"]);

    // The page renders the same figures on the server, chart and table.
    let page = staff.get(format!("{}/admin/analytics?from={FROM}&to={TO}", app.base)).send().await.expect("GET page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains("Revenue per day, 2025-03-10 to 2025-03-12"), "the chart's title");
    assert!(html.contains("<caption>Revenue and orders per day</caption>"), "its table");
    assert!(html.contains("$190.97") && html.contains("$47.74"), "revenue and average order value");
    assert!(html.contains("1 order in EUR"), "the order left out is named");
}

async fn only_staff_reach_the_reports(app: TestApp) {
    let shopper = customer(&app, "nosy@example.com").await;
    let guest = app.session_client();
    for endpoint in ["/api/admin/analytics", "/api/seller/analytics"] {
        assert_eq!(app.post_json_as(&shopper, endpoint, json!({})).await, (403, json!("Forbidden")), "{endpoint} as a customer");
        assert_eq!(app.post_json_as(&guest, endpoint, json!({})).await, (401, json!("Unauthorized")), "{endpoint} as a guest");
    }
    let page = shopper.get(format!("{}/admin/analytics", app.base)).send().await.expect("GET page");
    assert_eq!(page.status(), 403);
    assert!(page.text().await.expect("body").contains("Not allowed"));
    let page = shopper.get(format!("{}/seller/analytics", app.base)).send().await.expect("GET page");
    assert_eq!(page.status(), 403);

    // With no period asked for: the last 30 days, ending today (UTC).
    let staff = admin(&app).await;
    let shop = report(&app, &staff, "/api/admin/analytics", json!({})).await;
    let today = Utc::now().date_naive();
    assert_eq!(shop["period"]["to"], json!(today.to_string()));
    assert_eq!(shop["period"]["from"], json!((today - chrono::Days::new(29)).to_string()));
    assert_eq!(shop["days"].as_array().map(Vec::len), Some(30));
    let week = report(&app, &staff, "/api/admin/analytics", json!({ "days": 7 })).await;
    assert_eq!(week["days"].as_array().map(Vec::len), Some(7));
    let seller = signed_in(&app, NORTHWIND).await;
    let page = seller.get(format!("{}/seller/analytics", app.base)).send().await.expect("GET page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("Northwind Goods"));
}

async fn bad_periods_are_field_errors(app: TestApp) {
    let staff = admin(&app).await;
    for (args, field) in [
        (json!({ "from": "2025-03-12", "to": "2025-03-10" }), "from"),
        (json!({ "from": "2024-01-01", "to": "2025-01-01" }), "from"),
        (json!({ "from": "2025-02-30" }), "from"),
        (json!({ "to": "March" }), "to"),
        (json!({ "days": 0 }), "days"),
        (json!({ "days": 367 }), "days"),
        (json!({ "days": 7, "from": "2025-03-01" }), "days"),
    ] {
        let (status, body) = app.post_json_as(&staff, "/api/admin/analytics", args.clone()).await;
        assert_eq!(status, 422, "{args}: {body}");
        assert_eq!(body["Validation"]["field"], field, "{args}: {body}");
    }
    let (status, body) = app.post_json_as(&staff, "/api/admin/analytics", json!({ "from": "2024-01-01", "to": "2024-12-31" })).await;
    assert_eq!(status, 200, "a leap year is not too long: {body}");
    assert_eq!(body["days"].as_array().map(Vec::len), Some(366));
    let (status, body) = app.post_json_as(&staff, "/api/admin/analytics", json!({ "currency": "XYZ" })).await;
    assert_eq!(status, 400, "an unknown currency cannot be read: {body}");
    // The page keeps what was typed and says what is wrong.
    let page = staff.get(format!("{}/admin/analytics?from=2025-03-12&to=2025-03-10", app.base)).send().await.expect("GET page");
    let html = page.text().await.expect("body");
    assert!(html.contains("The start date must be on or before the end date."), "{html}");
    assert!(html.contains("value=\"2025-03-12\""), "the typed start date is kept");
}

on_both_backends!(figures_add_up_for_the_shop_and_each_seller, only_staff_reach_the_reports, bad_periods_are_field_errors);
