//! Cart, checkout and orders over HTTP: guest carts merged at sign-in,
//! stock limits, a checkout race that must never oversell, idempotent
//! replays, declined cards, order privacy, cancellation and the outbox.

use crate::helpers::{on_both_backends, TestApp};
use app::checkout::card::test_cards;
use futures::future::join_all;
use reqwest::Client;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A signed-in customer with their own session.
pub(crate) async fn customer(app: &TestApp, email: &str) -> Client {
    let client = app.session_client();
    let (status, body) = app
        .post_json_as(&client, "/api/auth/register", json!({ "email": email, "password": PASSWORD, "name": "Test Buyer" }))
        .await;
    assert_eq!(status, 200, "register {email}: {body}");
    client
}

/// A T-shirt variant's SKU whose stock is set to `stock`.
pub(crate) async fn variant_with_stock(app: &TestApp, stock: i32) -> String {
    let shirts = app.search(json!({ "category": "t-shirts", "sort": "price_asc" })).await;
    let slug = shirts["products"][0]["slug"].as_str().expect("slug").to_string();
    let (_, product) = app.post_json("/api/catalog/product", json!({ "slug": slug })).await;
    let sku = product["variants"][0]["sku"].as_str().expect("sku").to_string();
    set_stock(app, &sku, stock).await;
    sku
}

pub(crate) async fn set_stock(app: &TestApp, sku: &str, stock: i32) {
    app.db
        .execute(Statement::from_string(
            app.db.get_database_backend(),
            format!("UPDATE variants SET stock = {stock} WHERE sku = '{sku}'"),
        ))
        .await
        .expect("set stock");
}

pub(crate) async fn scalar(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one(Statement::from_string(app.db.get_database_backend(), sql.to_string()))
        .await
        .expect("query")
        .and_then(|row| row.try_get_by_index::<i64>(0).ok().or_else(|| row.try_get_by_index::<i32>(0).ok().map(i64::from)))
        .expect("a number")
}

pub(crate) async fn stock(app: &TestApp, sku: &str) -> i64 {
    scalar(app, &format!("SELECT stock FROM variants WHERE sku = '{sku}'")).await
}

pub(crate) async fn add(app: &TestApp, client: &Client, sku: &str, quantity: u32) -> (u16, Value) {
    app.post_json_as(client, "/api/cart/add", json!({ "sku": sku, "quantity": quantity })).await
}

pub(crate) fn checkout_body(key: &str, card: &str) -> Value {
    json!({
        "idempotency_key": key,
        "card_number": card,
        "full_name": "Test Buyer",
        "line1": "1 Market Street",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
    })
}

pub(crate) async fn checkout(app: &TestApp, client: &Client, key: &str, card: &str) -> (u16, Value) {
    app.post_json_as(client, "/api/checkout", checkout_body(key, card)).await
}

async fn guest_cart_merges_into_the_account_at_sign_up(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let visitor = app.session_client();
    let (status, cart) = add(&app, &visitor, &sku, 2).await;
    assert_eq!(status, 200, "{cart}");
    assert_eq!(cart["item_count"], 2);

    let (status, body) = app
        .post_json_as(&visitor, "/api/auth/register", json!({ "email": "guest@example.com", "password": PASSWORD, "name": "Guest" }))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, cart) = app.post_json_as(&visitor, "/api/cart", json!({})).await;
    assert_eq!(cart["item_count"], 2, "the guest cart survived sign-up: {cart}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM cart_items").await, 1);
}

async fn merged_quantities_are_capped_by_stock(app: TestApp) {
    let sku = variant_with_stock(&app, 4).await;
    let client = customer(&app, "capped@example.com").await;
    assert_eq!(add(&app, &client, &sku, 3).await.0, 200);
    let (status, _) = app.post_json_as(&client, "/api/auth/sign-out", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(add(&app, &client, &sku, 2).await.0, 200, "a guest may hold 2 of 4");
    let (status, body) = app
        .post_json_as(&client, "/api/auth/sign-in", json!({ "email": "capped@example.com", "password": PASSWORD }))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, cart) = app.post_json_as(&client, "/api/cart", json!({})).await;
    assert_eq!(cart["item_count"], 4, "3 + 2 capped at the 4 in stock: {cart}");
}

async fn adding_more_than_is_in_stock_is_refused(app: TestApp) {
    let sku = variant_with_stock(&app, 3).await;
    let visitor = app.session_client();
    let (status, body) = add(&app, &visitor, &sku, 4).await;
    assert_eq!(status, 409);
    assert_eq!(body["OutOfStock"]["available"], 3, "{body}");
    assert_eq!(add(&app, &visitor, &sku, 3).await.0, 200);
    let (status, _) = add(&app, &visitor, &sku, 1).await;
    assert_eq!(status, 409, "3 in the cart already");
    let (status, cart) = app.post_json_as(&visitor, "/api/cart/update", json!({ "sku": sku, "quantity": 1 })).await;
    assert_eq!((status, cart["item_count"].clone()), (200, json!(1)));
    let (status, cart) = app.post_json_as(&visitor, "/api/cart/remove", json!({ "sku": sku })).await;
    assert_eq!((status, cart["item_count"].clone()), (200, json!(0)));
}

async fn fifty_buyers_race_for_five_units(app: TestApp) {
    let sku = variant_with_stock(&app, 5).await;
    let mut buyers = Vec::new();
    for n in 0..50 {
        let client = customer(&app, &format!("racer{n}@example.com")).await;
        assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
        buyers.push(client);
    }
    let attempts = buyers.iter().enumerate().map(|(n, client)| {
        let app = &app;
        async move { checkout(app, client, &format!("race-{n}"), test_cards::SUCCESS).await }
    });
    let results = join_all(attempts).await;
    let won = results.iter().filter(|(status, _)| *status == 200).count();
    let sold_out = results.iter().filter(|(status, body)| *status == 409 && body.get("OutOfStock").is_some()).count();
    assert_eq!(won, 5, "{results:?}");
    assert_eq!(sold_out, 45, "every other buyer is told it sold out: {results:?}");
    assert_eq!(stock(&app, &sku).await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders").await, 5);
    assert_eq!(scalar(&app, "SELECT COALESCE(SUM(quantity), 0) FROM order_items").await, 5);
}

async fn replayed_checkout_returns_the_same_order(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "replay@example.com").await;
    assert_eq!(add(&app, &client, &sku, 2).await.0, 200);
    let (status, first) = checkout(&app, &client, "key-1", test_cards::SUCCESS).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = checkout(&app, &client, "key-1", test_cards::SUCCESS).await;
    assert_eq!((status, &again), (200, &first), "a replay returns the first order");
    assert_eq!(stock(&app, &sku).await, 8, "stock taken once");

    // A double-click: two identical requests at the same moment.
    assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
    let (a, b) = tokio::join!(
        checkout(&app, &client, "key-2", test_cards::SUCCESS),
        checkout(&app, &client, "key-2", test_cards::SUCCESS)
    );
    assert_eq!(a.0, 200, "{a:?}");
    assert_eq!(a, b, "both clicks get the same order");
    assert_eq!(stock(&app, &sku).await, 7);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders").await, 2);
}

async fn declined_card_creates_no_order(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "declined@example.com").await;
    assert_eq!(add(&app, &client, &sku, 2).await.0, 200);
    for card in [test_cards::DECLINED, test_cards::INSUFFICIENT_FUNDS] {
        let (status, body) = checkout(&app, &client, &format!("decline-{card}"), card).await;
        assert_eq!(status, 402, "{body}");
        assert!(body["PaymentDeclined"].as_str().is_some_and(|m| m.contains("declined")), "{body}");
    }
    let (status, body) = checkout(&app, &client, "typo", "4242424242424241").await;
    assert_eq!((status, body["Validation"]["field"].as_str()), (422, Some("card_number")));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders").await, 0);
    assert_eq!(stock(&app, &sku).await, 10, "stock untouched");
    let (_, cart) = app.post_json_as(&client, "/api/cart", json!({})).await;
    assert_eq!(cart["item_count"], 2, "the cart is kept for another try");
}

async fn customers_cannot_see_each_others_orders(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let alice = customer(&app, "alice@example.com").await;
    let bob = customer(&app, "bob@example.com").await;
    assert_eq!(add(&app, &alice, &sku, 1).await.0, 200);
    let (status, order_id) = checkout(&app, &alice, "alice-1", test_cards::SUCCESS).await;
    assert_eq!(status, 200);

    let (status, order) = app.post_json_as(&alice, "/api/orders/get", json!({ "id": order_id })).await;
    assert_eq!(status, 200);
    assert_eq!(order["status"], "CONFIRMED");
    assert_eq!(order["lines"][0]["sku"], sku);
    for path in ["/api/orders/get", "/api/orders/cancel"] {
        let (status, body) = app.post_json_as(&bob, path, json!({ "id": order_id })).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (_, bobs) = app.post_json_as(&bob, "/api/orders", json!({})).await;
    assert_eq!(bobs, json!([]));
    let (status, _) = app.post_json("/api/orders", json!({})).await;
    assert_eq!(status, 401, "signed out");

    let order_page = bob.get(format!("{}/orders/{order_id}", app.base)).send().await.expect("GET");
    assert_eq!(order_page.status().as_u16(), 404);
}

async fn cancelling_restores_stock_once(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "cancel@example.com").await;
    assert_eq!(add(&app, &client, &sku, 3).await.0, 200);
    let (_, order_id) = checkout(&app, &client, "cancel-1", test_cards::SUCCESS).await;
    assert_eq!(stock(&app, &sku).await, 7);
    let (status, order) = app.post_json_as(&client, "/api/orders/cancel", json!({ "id": order_id })).await;
    assert_eq!((status, order["status"].as_str()), (200, Some("CANCELLED")));
    assert_eq!(stock(&app, &sku).await, 10);
    let (status, body) = app.post_json_as(&client, "/api/orders/cancel", json!({ "id": order_id })).await;
    assert_eq!(status, 409, "a cancelled order cannot be cancelled again: {body}");
    assert_eq!(stock(&app, &sku).await, 10);
}

async fn confirmation_email_is_sent_from_the_outbox(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "mail@example.com").await;
    assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
    let (_, order_id) = checkout(&app, &client, "mail-1", test_cards::SUCCESS).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let eml = loop {
        let sent = std::fs::read_dir(app.outbox.path()).ok().and_then(|dir| {
            dir.filter_map(Result::ok).find(|e| e.file_name().to_string_lossy().ends_with(".eml")).map(|e| e.path())
        });
        if let Some(path) = sent {
            break std::fs::read_to_string(path).expect("read email");
        }
        assert!(Instant::now() < deadline, "no email written to the outbox folder");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(eml.contains("To: mail@example.com"));
    assert!(eml.contains(&format!("order #{order_id} is confirmed")), "{eml}");
    // The mailer writes the file, then marks the row sent.
    while scalar(&app, "SELECT COUNT(*) FROM outbox_emails WHERE status = 'sent'").await != 1 {
        assert!(Instant::now() < deadline, "the email was written but its outbox row never marked sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wishlist_saves_and_moves_to_cart(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let (_, product) = app.post_json("/api/catalog/search", json!({ "query": { "category": "t-shirts", "sort": "price_asc" } })).await;
    let slug = product["products"][0]["slug"].as_str().expect("slug").to_string();
    let (status, _) = app.post_json("/api/wishlist/add", json!({ "slug": slug })).await;
    assert_eq!(status, 401, "guests have no wishlist");

    let (_, guest_slugs) = app.post_json("/api/wishlist/slugs", json!({})).await;
    assert_eq!(guest_slugs, json!([]), "guests have nothing saved");
    let client = customer(&app, "wish@example.com").await;
    for _ in 0..2 {
        let (status, body) = app.post_json_as(&client, "/api/wishlist/add", json!({ "slug": slug })).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, list) = app.post_json_as(&client, "/api/wishlist", json!({})).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "saved once: {list}");
    let (_, slugs) = app.post_json_as(&client, "/api/wishlist/slugs", json!({})).await;
    assert_eq!(slugs, json!([slug]));
    let (status, body) = app.post_json_as(&client, "/api/wishlist/move-to-cart", json!({ "slug": slug })).await;
    assert_eq!(status, 200, "{body}");
    let (_, cart) = app.post_json_as(&client, "/api/cart", json!({})).await;
    assert_eq!(cart["lines"][0]["sku"], sku, "{cart}");
    let (_, list) = app.post_json_as(&client, "/api/wishlist", json!({})).await;
    assert_eq!(list, json!([]));
    let (status, _) = app.post_json_as(&client, "/api/wishlist/remove", json!({ "slug": "no-such-product" })).await;
    assert_eq!(status, 404);
}

/// Two T-shirt variants of different products, each with `stock` units.
pub(crate) async fn two_variants_with_stock(app: &TestApp, stock: i32) -> (String, String) {
    let shirts = app.search(json!({ "category": "t-shirts", "sort": "price_asc" })).await;
    let mut skus = Vec::new();
    for n in 0..2 {
        let slug = shirts["products"][n]["slug"].as_str().expect("slug").to_string();
        let (_, product) = app.post_json("/api/catalog/product", json!({ "slug": slug })).await;
        let sku = product["variants"][0]["sku"].as_str().expect("sku").to_string();
        set_stock(app, &sku, stock).await;
        skus.push(sku);
    }
    (skus.remove(0), skus.remove(0))
}

/// Multi-item carts once locked their variant rows in the order the items
/// were added: two buyers with the same items added in opposite orders
/// deadlocked on PostgreSQL (30 of 40 answered 500). Stock is now taken in
/// variant-id order, and whatever transient failure remains is retried.
async fn forty_buyers_with_two_item_carts_all_check_out(app: TestApp) {
    const BUYERS: usize = 40;
    let (first, second) = two_variants_with_stock(&app, 1000).await;
    let mut buyers = Vec::new();
    for n in 0..BUYERS {
        let client = customer(&app, &format!("pair{n}@example.com")).await;
        let (a, b) = if n % 2 == 0 { (&first, &second) } else { (&second, &first) };
        assert_eq!(add(&app, &client, a, 1).await.0, 200);
        assert_eq!(add(&app, &client, b, 2).await.0, 200);
        buyers.push(client);
    }
    let attempts = buyers.iter().enumerate().map(|(n, client)| {
        let app = &app;
        async move { checkout(app, client, &format!("pair-{n}"), test_cards::SUCCESS).await }
    });
    let results = join_all(attempts).await;
    let failed: Vec<_> = results.iter().filter(|(status, _)| *status != 200).collect();
    assert!(failed.is_empty(), "{} of {BUYERS} checkouts failed: {failed:?}", failed.len());
    let units = i64::try_from(BUYERS).expect("small");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders").await, units);
    assert_eq!(scalar(&app, "SELECT COALESCE(SUM(quantity), 0) FROM order_items").await, 3 * units);
    // Stock is conserved: every unit sold is one unit gone, no more.
    // Half the buyers took 1 of the first and 2 of the second, half the
    // reverse.
    let sold = (1000 - stock(&app, &first).await, 1000 - stock(&app, &second).await);
    assert_eq!(sold, (3 * units / 2, 3 * units / 2));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM cart_items").await, 0, "every cart was emptied");
}

/// A deadlock (PostgreSQL 40P01) and a busy database (SQLite
/// `SQLITE_BUSY`) are recognised by their codes as worth a retry; a unique
/// violation is not.
async fn transient_database_failures_are_recognised_by_their_codes(app: TestApp) {
    use app::db::retry::is_transient;
    use sea_orm::{DatabaseBackend, DbErr, TransactionTrait};

    let backend = app.db.get_database_backend();
    let touch = |id: i32| Statement::from_string(backend, format!("UPDATE variants SET stock = stock WHERE id = {id}"));
    let transient: DbErr = match backend {
        DatabaseBackend::Postgres => {
            // Two transactions each lock one row, then want the other's.
            let (one, two) = (app.db.begin().await.expect("begin"), app.db.begin().await.expect("begin"));
            one.execute(touch(1)).await.expect("lock 1");
            two.execute(touch(2)).await.expect("lock 2");
            let (a, b) = tokio::join!(one.execute(touch(2)), two.execute(touch(1)));
            match (a, b) {
                (Err(err), Ok(_)) | (Ok(_), Err(err)) => err,
                other => panic!("expected exactly one deadlock victim, got {other:?}"),
            }
        }
        _ => {
            // One transaction holds the write lock; another connection, not
            // willing to wait, is refused at once.
            use sea_orm::sqlx::sqlite::SqlitePoolOptions;
            let pool = app.db.get_sqlite_connection_pool();
            let options = (*pool.connect_options()).clone().busy_timeout(Duration::ZERO);
            let impatient = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("second connection");
            let impatient = sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(impatient);
            let holder = app.db.begin().await.expect("begin");
            holder.execute(touch(1)).await.expect("write lock");
            impatient.execute(touch(2)).await.expect_err("the database is busy")
        }
    };
    assert!(is_transient(&transient), "{transient:?}");

    let duplicate = app
        .db
        .execute(Statement::from_string(backend, "INSERT INTO categories (id, slug, name) SELECT id, slug, name FROM categories LIMIT 1"))
        .await
        .expect_err("a duplicate id");
    assert!(!is_transient(&duplicate), "{duplicate:?}");
}

/// Posts the checkout form as a browser without JavaScript does, as
/// `client` (which follows the redirect, like the browser).
async fn post_checkout_form(app: &TestApp, client: &Client, key: &str, card: &str) -> reqwest::Response {
    use reqwest::header::{ACCEPT, ORIGIN};
    let form = [
        ("idempotency_key", key),
        ("card_number", card),
        ("address_id", ""),
        ("full_name", "Nora Noscript"),
        ("line1", "7 Plain Form Street"),
        ("line2", ""),
        ("city", "Formville"),
        ("region", ""),
        ("postal_code", "12345"),
        ("country", "US"),
        ("phone", ""),
    ];
    client
        .post(format!("{}/api/checkout", app.base))
        .form(&form)
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .header(ORIGIN, app.base.clone())
        .send()
        .await
        .expect("form POST")
}

/// Without JavaScript a declined card once answered 402 with raw JSON. It
/// now comes back to the checkout page with the error and what was typed
/// (never the card number); a success goes to the order's page.
async fn checkout_form_works_without_javascript(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "noscript@example.com").await;
    assert_eq!(add(&app, &client, &sku, 1).await.0, 200);

    let declined = "4000 0000 0000 0002";
    let response = post_checkout_form(&app, &client, "nojs-1", declined).await;
    assert_eq!(response.url().path(), "/checkout");
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.expect("page");
    assert!(!html.contains(r#"{"PaymentDeclined""#), "a page, not JSON");
    assert!(html.contains("Your card was declined"), "the error is shown: {html}");
    for typed in ["Nora Noscript", "7 Plain Form Street", "Formville"] {
        assert!(html.contains(&format!(r#"value="{typed}""#)), "{typed} is kept in the form: {html}");
    }
    assert!(!html.contains(&format!(r#"value="{declined}""#)), "the card number is never echoed");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders").await, 0);

    let response = post_checkout_form(&app, &client, "nojs-2", test_cards::SUCCESS).await;
    assert_eq!(response.status().as_u16(), 200);
    let order_id = scalar(&app, "SELECT MAX(id) FROM orders").await;
    assert_eq!(response.url().path(), format!("/orders/{order_id}"));
}

on_both_backends!(
    checkout_form_works_without_javascript,
    forty_buyers_with_two_item_carts_all_check_out,
    transient_database_failures_are_recognised_by_their_codes,
    wishlist_saves_and_moves_to_cart,
    guest_cart_merges_into_the_account_at_sign_up,
    merged_quantities_are_capped_by_stock,
    adding_more_than_is_in_stock_is_refused,
    fifty_buyers_race_for_five_units,
    replayed_checkout_returns_the_same_order,
    declined_card_creates_no_order,
    customers_cannot_see_each_others_orders,
    cancelling_restores_stock_once,
    confirmation_email_is_sent_from_the_outbox,
);
