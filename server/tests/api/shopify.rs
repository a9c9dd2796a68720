//! `POST /webhooks/shopify` with real signed payloads (Shopify's published
//! order JSON, `fixtures/shopify_order.json`): authenticity, idempotency
//! under concurrent redelivery, what is kept of unknown topics and
//! malformed bodies, and (through the job queue) one current order per
//! Shopify order.

use crate::checkout::scalar;
use crate::helpers::{on_both_backends, Backend, TestApp, SHOPIFY_SECRET};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use server::shopify::signature::WebhookSecret;
use std::time::{Duration, Instant};

/// Shopify's sample `orders/create` payload.
pub(crate) const SAMPLE_ORDER: &str = include_str!("fixtures/shopify_order.json");

/// How long a webhook's job may take to show its effect.
const PROCESSING_DEADLINE: Duration = Duration::from_secs(20);

/// A line of a Shopify order: SKU, title, quantity, unit price ("12.50").
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub sku: String,
    pub title: String,
    pub quantity: i64,
    pub price: String,
}

impl Line {
    /// The line's amount in cents (price × quantity), for checking totals.
    pub fn cents(&self) -> i64 {
        let (whole, fraction) = self.price.split_once('.').unwrap_or((&self.price, "0"));
        let fraction = format!("{fraction:0<2}");
        (whole.parse::<i64>().expect("whole") * 100 + fraction[..2].parse::<i64>().expect("cents")) * self.quantity
    }
}

/// `cents` as Shopify writes money ("12.50").
pub(crate) fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The sample order made into Shopify order `id` as of `updated_at`
/// (RFC 3339) with `lines`, paid and unfulfilled unless `change` says
/// otherwise.
pub(crate) fn order(id: i64, updated_at: &str, lines: &[Line], change: impl FnOnce(&mut Value)) -> Value {
    let mut order: Value = serde_json::from_str(SAMPLE_ORDER).expect("the fixture is JSON");
    let subtotal: i64 = lines.iter().map(Line::cents).sum();
    let shipping = 1_000;
    order["id"] = json!(id);
    order["admin_graphql_api_id"] = json!(format!("gid://shopify/Order/{id}"));
    order["name"] = json!(format!("#{}", 1000 + id % 100_000));
    order["updated_at"] = json!(updated_at);
    order["email"] = json!(format!("buyer{}@example.com", id % 1000));
    order["customer"]["email"] = order["email"].clone();
    order["subtotal_price"] = json!(decimal(subtotal));
    order["total_line_items_price"] = json!(decimal(subtotal));
    order["total_price"] = json!(decimal(subtotal + shipping));
    order["current_total_price"] = json!(decimal(subtotal + shipping));
    order["total_shipping_price_set"]["shop_money"]["amount"] = json!(decimal(shipping));
    let template = order["line_items"][0].clone();
    order["line_items"] = Value::Array(
        lines
            .iter()
            .enumerate()
            .map(|(n, line)| {
                let mut item = template.clone();
                item["id"] = json!(id * 10 + n as i64);
                item["sku"] = json!(line.sku);
                item["title"] = json!(line.title);
                item["name"] = json!(line.title);
                item["variant_title"] = json!(null);
                item["quantity"] = json!(line.quantity);
                item["current_quantity"] = json!(line.quantity);
                item["price"] = json!(line.price);
                item["price_set"]["shop_money"]["amount"] = json!(line.price);
                item
            })
            .collect(),
    );
    change(&mut order);
    order
}

/// Demo catalog variants as order lines: (SKU, product name, price) of the
/// `count` variants after the first `skip`, with plenty of stock.
pub(crate) async fn catalog_lines(db: &sea_orm::DatabaseConnection, skip: usize, count: usize) -> Vec<Line> {
    let sql = format!(
        "SELECT v.sku, p.name, v.price_cents FROM variants v JOIN products p ON p.id = v.product_id \
         WHERE v.stock >= 5 ORDER BY v.id LIMIT {count} OFFSET {skip}"
    );
    let rows = db.query_all(Statement::from_string(db.get_database_backend(), sql)).await.expect("variants");
    assert_eq!(rows.len(), count, "the demo catalog has enough variants in stock");
    rows.into_iter()
        .map(|row| Line {
            sku: row.try_get_by_index(0).expect("sku"),
            title: row.try_get_by_index(1).expect("name"),
            quantity: 1,
            price: decimal(row.try_get_by_index::<i64>(2).expect("price")),
        })
        .collect()
}

/// A line whose SKU is in no catalog of ours.
pub(crate) fn unknown_line() -> Line {
    Line { sku: "IPOD2008PINK".into(), title: "IPod Nano - 8GB".into(), quantity: 2, price: "199.00".into() }
}

/// A signed delivery, as Shopify sends it.
pub(crate) struct Delivery {
    pub webhook_id: String,
    pub topic: String,
    pub body: Vec<u8>,
    /// `X-Shopify-Hmac-Sha256`; `None` sends none.
    pub signature: Option<String>,
}

impl Delivery {
    /// `order` on `topic`, signed with `secret`.
    pub fn signed(webhook_id: &str, topic: &str, order: &Value, secret: &str) -> Delivery {
        let body = serde_json::to_vec(order).expect("serializes");
        let signature = Some(WebhookSecret::new(secret).sign(&body));
        Delivery { webhook_id: webhook_id.into(), topic: topic.into(), body, signature }
    }

    /// Sends it to `base` with `client`; returns the status and the JSON answer.
    pub async fn send(&self, client: &reqwest::Client, base: &str) -> (u16, Value) {
        self.try_send(client, base).await.unwrap_or_else(|e| panic!("POST /webhooks/shopify: {e}"))
    }

    /// Like [`Delivery::send`], but a failed request is an error.
    pub async fn try_send(&self, client: &reqwest::Client, base: &str) -> Result<(u16, Value), reqwest::Error> {
        let mut request = client
            .post(format!("{base}/webhooks/shopify"))
            .header("content-type", "application/json")
            .header("x-shopify-topic", &self.topic)
            .header("x-shopify-shop-domain", "bazaar-test.myshopify.com")
            .header("x-shopify-api-version", "2025-10")
            .header("x-shopify-webhook-id", &self.webhook_id)
            .header("x-shopify-triggered-at", "2026-12-01T14:14:05.000000000Z")
            .body(self.body.clone());
        if let Some(signature) = &self.signature {
            request = request.header("x-shopify-hmac-sha256", signature);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text }))))
    }
}

/// Polls `sql` (a single number) until `done` holds, failing after the
/// processing deadline with `what`.
pub(crate) async fn wait_for(app: &TestApp, sql: &str, what: &str, done: impl Fn(i64) -> bool) -> i64 {
    let deadline = Instant::now() + PROCESSING_DEADLINE;
    loop {
        let value = scalar(app, sql).await;
        if done(value) {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: still {value} after {PROCESSING_DEADLINE:?} ({sql})");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn deliveries(app: &TestApp) -> i64 {
    scalar(app, "SELECT COUNT(*) FROM webhook_deliveries").await
}

async fn jobs(app: &TestApp) -> i64 {
    scalar(app, "SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.order'").await
}

async fn text(app: &TestApp, sql: &str) -> Option<String> {
    app.db
        .query_one(Statement::from_string(app.db.get_database_backend(), sql.to_string()))
        .await
        .expect("query")
        .and_then(|row| row.try_get_by_index::<Option<String>>(0).ok().flatten())
}

async fn a_valid_webhook_becomes_one_order_and_an_order_synced_event(app: TestApp) {
    let mut lines = catalog_lines(&app.db, 0, 2).await;
    lines.push(unknown_line());
    let shopify_id = 5_001_000_001;
    let delivery = Delivery::signed("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "orders/create", &order(shopify_id, "2026-12-01T09:14:05-05:00", &lines, |_| {}), SHOPIFY_SECRET);
    let (status, answer) = delivery.send(&app.client, &app.base).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["message"].is_string(), "{answer}");
    assert_eq!(deliveries(&app).await, 1);
    assert_eq!(jobs(&app).await, 1);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE job_id IS NOT NULL AND topic = 'orders/create' AND shop_domain = 'bazaar-test.myshopify.com'").await,
        1,
        "the delivery names its job"
    );
    let order_id = wait_for(&app, &format!("SELECT COALESCE(MAX(id), 0) FROM orders WHERE shopify_order_id = {shopify_id}"), "the order appears", |id| id > 0).await;
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE shopify_order_id = {shopify_id}")).await, 1);
    let subtotal: i64 = lines.iter().map(Line::cents).sum();
    assert_eq!(scalar(&app, &format!("SELECT subtotal_cents FROM orders WHERE id = {order_id}")).await, subtotal);
    let order_lines = scalar(&app, &format!("SELECT COUNT(*) FROM order_items WHERE order_id = {order_id}")).await
        + scalar(&app, &format!("SELECT COUNT(*) FROM order_external_lines WHERE order_id = {order_id}")).await;
    assert_eq!(order_lines, 3, "two catalog lines and one external line");
    let deadline = Instant::now() + PROCESSING_DEADLINE;
    loop {
        let rows = app
            .db
            .query_all(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT payload FROM events WHERE topic = 'orders' AND kind = 'ORDER_SYNCED'".to_string(),
            ))
            .await
            .expect("events");
        let synced = rows.iter().any(|row| {
            row.try_get_by_index::<String>(0)
                .ok()
                .and_then(|payload| serde_json::from_str::<Value>(&payload).ok())
                .is_some_and(|payload| payload["id"] == json!(order_id))
        });
        if synced {
            break;
        }
        assert!(Instant::now() < deadline, "an ORDER_SYNCED event for order {order_id} on topic orders");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    wait_for(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE result = 'applied'", "the delivery is marked applied", |n| n == 1).await;
}

async fn a_bad_or_missing_signature_is_401_and_stores_nothing(app: TestApp) {
    let lines = catalog_lines(&app.db, 0, 1).await;
    let body = order(5_001_000_002, "2026-12-01T09:14:05-05:00", &lines, |_| {});
    let wrong_secret = Delivery::signed("wrong-secret", "orders/create", &body, "not-the-secret");
    let mut unsigned = Delivery::signed("unsigned", "orders/create", &body, SHOPIFY_SECRET);
    unsigned.signature = None;
    let mut tampered = Delivery::signed("tampered", "orders/create", &body, SHOPIFY_SECRET);
    tampered.body = serde_json::to_vec(&order(5_001_000_002, "2026-12-01T09:14:05-05:00", &lines, |o| o["total_price"] = json!("0.01"))).expect("body");
    let mut garbage = Delivery::signed("garbage", "orders/create", &body, SHOPIFY_SECRET);
    garbage.signature = Some("not base64 at all".into());
    for delivery in [wrong_secret, unsigned, tampered, garbage] {
        let (status, answer) = delivery.send(&app.client, &app.base).await;
        assert_eq!(status, 401, "{}: {answer}", delivery.webhook_id);
        assert!(answer["message"].is_string(), "{answer}");
    }
    assert_eq!(deliveries(&app).await, 0);
    assert_eq!(jobs(&app).await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders WHERE shopify_order_id IS NOT NULL").await, 0);
}

async fn concurrent_redeliveries_have_exactly_one_effect(app: TestApp) {
    let lines = catalog_lines(&app.db, 3, 1).await;
    for copies in 1..=8_i64 {
        let shopify_id = 5_002_000_000 + copies;
        let webhook_id = format!("redelivered-{copies}");
        let delivery = Delivery::signed(&webhook_id, "orders/create", &order(shopify_id, "2026-12-01T09:14:05-05:00", &lines, |_| {}), SHOPIFY_SECRET);
        let sends = (0..copies).map(|_| delivery.send(&app.client, &app.base));
        for (status, answer) in futures::future::join_all(sends).await {
            assert_eq!(status, 200, "{copies} copies: {answer}");
        }
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = '{webhook_id}'")).await, 1);
        let delivery_id = scalar(&app, &format!("SELECT id FROM webhook_deliveries WHERE webhook_id = '{webhook_id}'")).await;
        let payload = json!({ "delivery": delivery_id }).to_string();
        assert_eq!(
            scalar(&app, &format!("SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.order' AND payload = '{payload}'")).await,
            1,
            "{copies} copies: one job"
        );
    }
    assert_eq!(deliveries(&app).await, 8);
    assert_eq!(jobs(&app).await, 8);
    wait_for(&app, "SELECT COUNT(*) FROM orders WHERE shopify_order_id BETWEEN 5002000001 AND 5002000008", "one order per webhook", |n| n >= 8).await;
    // Late copies after processing change nothing either.
    let late = Delivery::signed("redelivered-8", "orders/create", &order(5_002_000_008, "2026-12-01T09:14:05-05:00", &lines, |_| {}), SHOPIFY_SECRET);
    assert_eq!(late.send(&app.client, &app.base).await.0, 200);
    assert_eq!(deliveries(&app).await, 8);
    assert_eq!(jobs(&app).await, 8);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders WHERE shopify_order_id BETWEEN 5002000001 AND 5002000008").await, 8);
}

async fn no_secret_is_503(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.shopify.secret = None).await;
    let lines = catalog_lines(&app.db, 0, 1).await;
    let delivery = Delivery::signed("no-secret", "orders/create", &order(5_003_000_001, "2026-12-01T09:14:05-05:00", &lines, |_| {}), SHOPIFY_SECRET);
    let (status, answer) = delivery.send(&app.client, &app.base).await;
    assert_eq!(status, 503, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("not configured")), "{answer}");
    assert_eq!(deliveries(&app).await, 0);
}

async fn the_previous_secret_works_during_a_rotation(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.shopify.secret = Some(WebhookSecret::new("the-new-secret"));
        config.shopify.previous_secret = Some(WebhookSecret::new(SHOPIFY_SECRET));
    })
    .await;
    let lines = catalog_lines(&app.db, 0, 1).await;
    let body = order(5_003_000_002, "2026-12-01T09:14:05-05:00", &lines, |_| {});
    assert_eq!(Delivery::signed("old", "orders/create", &body, SHOPIFY_SECRET).send(&app.client, &app.base).await.0, 200);
    assert_eq!(Delivery::signed("new", "orders/create", &body, "the-new-secret").send(&app.client, &app.base).await.0, 200);
    assert_eq!(Delivery::signed("other", "orders/create", &body, "another-secret").send(&app.client, &app.base).await.0, 401);
    assert_eq!(deliveries(&app).await, 2);
}

async fn an_oversized_body_is_413(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.shopify.max_body_bytes = 16 * 1024).await;
    let lines = catalog_lines(&app.db, 0, 1).await;
    let big = order(5_003_000_003, "2026-12-01T09:14:05-05:00", &lines, |o| o["note"] = json!("x".repeat(20 * 1024)));
    let (status, answer) = Delivery::signed("oversized", "orders/create", &big, SHOPIFY_SECRET).send(&app.client, &app.base).await;
    assert_eq!(status, 413, "{answer}");
    let fits = order(5_003_000_003, "2026-12-01T09:14:05-05:00", &lines, |o| o["note"] = json!("x".repeat(8 * 1024)));
    assert_eq!(Delivery::signed("fits", "orders/create", &fits, SHOPIFY_SECRET).send(&app.client, &app.base).await.0, 200);
    assert_eq!(deliveries(&app).await, 1);
}

async fn over_its_rate_limit_the_endpoint_answers_429(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.shopify.rate = Some(server::edge::Rate::per_second(1, 3))).await;
    let lines = catalog_lines(&app.db, 0, 1).await;
    let body = order(5_003_000_004, "2026-12-01T09:14:05-05:00", &lines, |_| {});
    let mut statuses = Vec::new();
    for n in 0..6 {
        let response = app
            .client
            .post(format!("{}/webhooks/shopify", app.base))
            .header("x-shopify-topic", "orders/create")
            .header("x-shopify-webhook-id", format!("limited-{n}"))
            .header("x-shopify-hmac-sha256", WebhookSecret::new(SHOPIFY_SECRET).sign(&serde_json::to_vec(&body).expect("body")))
            .body(serde_json::to_vec(&body).expect("body"))
            .send()
            .await
            .expect("send");
        if response.status() == 429 {
            assert!(response.headers().get("retry-after").is_some(), "429 has Retry-After");
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
}

async fn an_unknown_topic_is_acknowledged_and_ignored(app: TestApp) {
    let lines = catalog_lines(&app.db, 0, 1).await;
    let delivery = Delivery::signed("unknown-topic", "products/update", &json!({ "id": 632910392, "title": "IPod Nano - 8GB" }), SHOPIFY_SECRET);
    let (status, answer) = delivery.send(&app.client, &app.base).await;
    assert_eq!(status, 200, "{answer}");
    let orders_create_without_id = Delivery::signed("", "orders/create", &order(5_004_000_001, "2026-12-01T09:14:05-05:00", &lines, |_| {}), SHOPIFY_SECRET);
    assert_eq!(orders_create_without_id.send(&app.client, &app.base).await.0, 400, "a webhook without its id");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE result = 'ignored' AND topic = 'products/update' AND job_id IS NULL").await, 1);
    assert_eq!(deliveries(&app).await, 1);
    assert_eq!(jobs(&app).await, 0);
}

async fn malformed_json_is_400_and_kept_as_a_dead_delivery(app: TestApp) {
    let mut delivery = Delivery::signed("malformed", "orders/create", &json!({}), SHOPIFY_SECRET);
    delivery.body = br#"{"id": 5004000002, "line_items": [ {"sku": "#.to_vec();
    delivery.signature = Some(WebhookSecret::new(SHOPIFY_SECRET).sign(&delivery.body));
    let (status, answer) = delivery.send(&app.client, &app.base).await;
    assert_eq!(status, 400, "{answer}");
    let not_an_order = Delivery::signed("not-an-order", "orders/updated", &json!({ "id": "five" }), SHOPIFY_SECRET);
    assert_eq!(not_an_order.send(&app.client, &app.base).await.0, 400);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE result = 'malformed' AND error IS NOT NULL AND job_id IS NULL").await, 2);
    let kept = app
        .db
        .query_one(Statement::from_string(app.db.get_database_backend(), "SELECT body FROM webhook_deliveries WHERE webhook_id = 'malformed'".to_string()))
        .await
        .expect("query")
        .and_then(|row| row.try_get_by_index::<Vec<u8>>(0).ok());
    assert_eq!(kept.as_deref(), Some(delivery.body.as_slice()), "the raw body is kept byte for byte");
    assert_eq!(jobs(&app).await, 0);
}

async fn out_of_order_updates_end_with_the_newest_state(app: TestApp) {
    let lines = catalog_lines(&app.db, 5, 1).await;
    let shopify_id = 5_005_000_001;
    let (t1, t2) = ("2026-12-01T10:00:00-05:00", "2026-12-01T11:30:00-05:00");
    let newer = order(shopify_id, t2, &lines, |o| {
        o["cancelled_at"] = json!(t2);
        o["cancel_reason"] = json!("customer");
        o["financial_status"] = json!("refunded");
    });
    let older = order(shopify_id, t1, &lines, |o| {
        o["fulfillment_status"] = json!("fulfilled");
        o["fulfillments"] = json!([{ "id": 255858046, "status": "success", "tracking_number": "1Z2345", "tracking_company": "UPS" }]);
    });
    // The newer state arrives first, then the older one.
    assert_eq!(Delivery::signed("t2", "orders/cancelled", &newer, SHOPIFY_SECRET).send(&app.client, &app.base).await.0, 200);
    wait_for(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = 't2' AND result <> 'queued'", "the newer update is processed", |n| n == 1).await;
    assert_eq!(Delivery::signed("t1", "orders/updated", &older, SHOPIFY_SECRET).send(&app.client, &app.base).await.0, 200);
    wait_for(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = 't1' AND result <> 'queued'", "the older update is processed", |n| n == 1).await;
    assert_eq!(text(&app, &format!("SELECT status FROM orders WHERE shopify_order_id = {shopify_id}")).await.as_deref(), Some("CANCELLED"));
    assert_eq!(text(&app, "SELECT result FROM webhook_deliveries WHERE webhook_id = 't1'").await.as_deref(), Some("stale"));
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE shopify_order_id = {shopify_id}")).await, 1);
}

async fn the_cross_site_check_does_not_apply_to_webhooks(app: TestApp) {
    let lines = catalog_lines(&app.db, 0, 1).await;
    let body = serde_json::to_vec(&order(5_006_000_001, "2026-12-01T09:14:05-05:00", &lines, |_| {})).expect("body");
    let response = app
        .client
        .post(format!("{}/webhooks/shopify", app.base))
        .header("origin", "https://admin.shopify.com")
        .header("referer", "https://admin.shopify.com/store/bazaar-test")
        .header("x-shopify-topic", "orders/create")
        .header("x-shopify-webhook-id", "from-another-origin")
        .header("x-shopify-hmac-sha256", WebhookSecret::new(SHOPIFY_SECRET).sign(&body))
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200, "signed webhooks are not refused for their Origin");
    assert_eq!(deliveries(&app).await, 1);
}

on_both_backends!(
    the_cross_site_check_does_not_apply_to_webhooks,
    a_valid_webhook_becomes_one_order_and_an_order_synced_event,
    a_bad_or_missing_signature_is_401_and_stores_nothing,
    concurrent_redeliveries_have_exactly_one_effect,
    an_unknown_topic_is_acknowledged_and_ignored,
    malformed_json_is_400_and_kept_as_a_dead_delivery,
    out_of_order_updates_end_with_the_newest_state,
);

crate::helpers::for_both_backends!(
    no_secret_is_503,
    the_previous_secret_works_during_a_rotation,
    an_oversized_body_is_413,
    over_its_rate_limit_the_endpoint_answers_429,
);
