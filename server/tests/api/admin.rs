//! The admin order desk over HTTP: who may use it, optimistic locking,
//! the lifecycle, the audit log, cancellation with its refund, the ship
//! email, filters, and staff text shown as text.

use crate::checkout::{add, checkout, customer, scalar, variant_with_stock};
use crate::helpers::{on_both_backends, TestApp};
use app::checkout::card::test_cards;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub(crate) const ADMIN_EMAIL: &str = "admin@bazaar.test";
pub(crate) const ADMIN_PASSWORD: &str = "bazaar-demo-overseer";

/// The demo admin, signed in with its own session.
pub(crate) async fn admin(app: &TestApp) -> Client {
    let client = app.session_client();
    let (status, body) =
        app.post_json_as(&client, "/api/auth/sign-in", json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })).await;
    assert_eq!(status, 200, "admin sign-in: {body}");
    client
}

/// A new customer's confirmed order; returns the customer and the order id.
pub(crate) async fn placed_order(app: &TestApp, email: &str) -> (Client, i64) {
    let sku = variant_with_stock(app, 50).await;
    let client = customer(app, email).await;
    assert_eq!(add(app, &client, &sku, 1).await.0, 200);
    let (status, id) = checkout(app, &client, &format!("order-{}", email.replace(|c: char| !c.is_ascii_alphanumeric(), "-")), test_cards::SUCCESS).await;
    assert_eq!(status, 200, "checkout: {id}");
    (client, id.as_i64().expect("order id"))
}

pub(crate) async fn list(app: &TestApp, client: &Client, query: &str) -> (StatusCode, Value) {
    let response = client.get(format!("{}/api/admin/orders?{query}", app.base)).send().await.expect("GET orders");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn put(app: &TestApp, client: &Client, id: i64, body: Value) -> (StatusCode, Value) {
    let response = client.put(format!("{}/api/admin/orders/{id}", app.base)).json(&body).send().await.expect("PUT order");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The order's row as the admin list shows it.
pub(crate) async fn row(app: &TestApp, admin: &Client, id: i64) -> Value {
    let (status, page) = list(app, admin, &format!("q={id}")).await;
    assert_eq!(status, 200, "{page}");
    page["rows"].as_array().and_then(|rows| rows.iter().find(|r| r["id"] == id)).cloned().unwrap_or_else(|| panic!("order {id} listed: {page}"))
}

async fn only_admins_reach_the_desk(app: TestApp) {
    let (shopper, id) = placed_order(&app, "shopper@example.com").await;
    let guest = app.session_client();
    assert_eq!(list(&app, &guest, "").await.0, 401);
    assert_eq!(list(&app, &shopper, "").await.0, 403);
    assert_eq!(put(&app, &shopper, id, json!({ "version": 2, "notes": "mine now" })).await.0, 403);
    for (path, body) in [
        ("/api/admin/orders/window", json!({ "query": {} })),
        ("/api/admin/orders/counts", json!({ "query": {} })),
        ("/api/admin/orders/get", json!({ "id": id })),
        ("/api/admin/orders/save", json!({ "id": id, "edit": { "version": 2, "notes": "x" } })),
        ("/api/admin/kpis", json!({ "period": "all" })),
    ] {
        assert_eq!(app.post_json_as(&shopper, path, body.clone()).await.0, 403, "{path} as a customer");
        assert_eq!(app.post_json_as(&guest, path, body).await.0, 401, "{path} as a guest");
    }
    let page = shopper.get(format!("{}/admin", app.base)).send().await.expect("GET /admin");
    assert_eq!(page.status(), 403);
    assert!(page.text().await.expect("body").contains("Not allowed"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM order_audit WHERE field = 'notes'").await, 0, "nothing was changed");

    let staff = admin(&app).await;
    let (status, page) = list(&app, &staff, "").await;
    assert_eq!(status, 200, "{page}");
    assert!(page["total"].as_u64().unwrap_or(0) >= 1);
    assert_eq!(staff.get(format!("{}/admin", app.base)).send().await.expect("GET /admin").status(), 200);
}

async fn of_two_saves_from_one_version_exactly_one_wins(app: TestApp) {
    let (_, id) = placed_order(&app, "race@example.com").await;
    let (a, b) = (admin(&app).await, admin(&app).await);
    let version = row(&app, &a, id).await["version"].as_i64().expect("version");
    let (first, second) = tokio::join!(
        put(&app, &a, id, json!({ "version": version, "tracking_number": "TRACK-A" })),
        put(&app, &b, id, json!({ "version": version, "tracking_number": "TRACK-B" })),
    );
    let (won, lost) = if first.0 == 200 { (first, second) } else { (second, first) };
    assert_eq!(won.0, 200, "one save wins: {}", won.1);
    assert_eq!(lost.0, 409, "the other is refused: {}", lost.1);
    assert_eq!(won.1["version"], version + 1);
    assert_eq!(lost.1["current"]["version"], version + 1, "the loser gets the order as it is now");
    assert_eq!(lost.1["current"]["tracking_number"], won.1["tracking_number"]);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM order_audit WHERE order_id = {id} AND field = 'tracking_number'")).await, 1);

    // The version may come in If-Match instead.
    let response = a
        .put(format!("{}/api/admin/orders/{id}", app.base))
        .header("if-match", format!("\"{}\"", version + 1))
        .json(&json!({ "notes": "Gift wrap" }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 200);
}

async fn the_lifecycle_decides_which_statuses_an_admin_may_set(app: TestApp) {
    let (_, id) = placed_order(&app, "lifecycle@example.com").await;
    let staff = admin(&app).await;
    let version = row(&app, &staff, id).await["version"].as_i64().expect("version");
    let (status, body) = put(&app, &staff, id, json!({ "version": version, "status": "delivered" })).await;
    assert_eq!(status, 422, "confirmed cannot jump to delivered: {body}");
    assert_eq!(body["Validation"]["field"], "status");
    let (status, body) = put(&app, &staff, id, json!({ "version": version, "status": "pending" })).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = put(&app, &staff, id, json!({ "version": version, "status": "SHIPPED", "tracking_number": "1Z999" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["status"].as_str(), body["version"].as_i64()), (Some("SHIPPED"), Some(version + 1)));
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE id = {id} AND shipped_at IS NOT NULL")).await, 1);
}

async fn every_admin_change_is_audited(app: TestApp) {
    let (_, id) = placed_order(&app, "audit@example.com").await;
    let staff = admin(&app).await;
    let version = row(&app, &staff, id).await["version"].as_i64().expect("version");
    let (status, body) =
        put(&app, &staff, id, json!({ "version": version, "status": "shipped", "tracking_number": "1Z1", "notes": "Fragile" })).await;
    assert_eq!(status, 200, "{body}");
    // Checkout's own confirmation is logged too, with no admin as actor.
    let audit: Vec<Value> = body["audit"].as_array().expect("audit log").iter().filter(|e| !e["actor"].is_null()).cloned().collect();
    let entry = |field: &str| audit.iter().find(|e| e["field"] == field).cloned().unwrap_or_else(|| panic!("{field} audited: {body}"));
    assert_eq!(entry("status")["old_value"], "Confirmed");
    assert_eq!(entry("status")["new_value"], "Shipped");
    assert_eq!(entry("tracking_number")["old_value"], Value::Null);
    assert_eq!(entry("tracking_number")["new_value"], "1Z1");
    assert_eq!(entry("notes")["new_value"], "Fragile");
    assert!(audit.iter().all(|e| e["actor"] == "Ada Admin"), "each entry names the admin: {body}");
    // Saving the same values again changes nothing and audits nothing.
    let (status, same) = put(&app, &staff, id, json!({ "version": version + 1, "notes": "Fragile" })).await;
    assert_eq!((status.as_u16(), same["version"].as_i64()), (200, Some(version + 1)));
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM order_audit WHERE order_id = {id} AND actor_id IS NOT NULL")).await, 3);
}

/// Waits for the outbox folder to hold an email whose text contains `needle`.
async fn email_containing(app: &TestApp, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = std::fs::read_dir(app.outbox.path())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .find(|text| text.contains(needle));
        if let Some(text) = found {
            return text;
        }
        assert!(Instant::now() < deadline, "no email containing {needle:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn shipping_emails_the_customer_the_tracking_number(app: TestApp) {
    let (_, id) = placed_order(&app, "ship@example.com").await;
    let staff = admin(&app).await;
    let version = row(&app, &staff, id).await["version"].as_i64().expect("version");
    let (status, body) = put(&app, &staff, id, json!({ "version": version, "status": "shipped", "tracking_number": "1ZSHIPPED42" })).await;
    assert_eq!(status, 200, "{body}");
    let email = email_containing(&app, "1ZSHIPPED42").await;
    assert!(email.contains("To: ship@example.com"), "{email}");
    assert!(email.contains(&format!("order #{id} has shipped")), "{email}");
}

/// Waits for the refund job queued with the cancellation to have run.
async fn wait_for_refund(app: &TestApp, refunded: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while scalar(app, refunded).await != 1 {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn cancelling_refunds_whoever_cancels(app: TestApp) {
    // The customer cancels: the domain operation queues the refund, not
    // the endpoint, in the cancellation's transaction.
    let (shopper, id) = placed_order(&app, "refund-me@example.com").await;
    let (status, body) = app.post_json_as(&shopper, "/api/orders/cancel", json!({ "id": id })).await;
    assert_eq!(status, 200, "{body}");
    let refunded = |id: i64| format!("SELECT COUNT(*) FROM payment_charges c JOIN orders o ON o.payment_reference = c.reference WHERE o.id = {id} AND c.refunded_at IS NOT NULL");
    wait_for_refund(&app, &refunded(id), "the customer's cancellation refunded the charge").await;

    // An admin cancels through the desk: the same operation, the same refund.
    let (_, id) = placed_order(&app, "refund-admin@example.com").await;
    let staff = admin(&app).await;
    let version = row(&app, &staff, id).await["version"].as_i64().expect("version");
    let (status, body) = put(&app, &staff, id, json!({ "version": version, "status": "cancelled" })).await;
    assert_eq!(status, 200, "{body}");
    wait_for_refund(&app, &refunded(id), "the admin's cancellation refunded the charge").await;
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE id = {id} AND cancelled_at IS NOT NULL")).await, 1);
}

async fn the_table_filters_sorts_and_searches_on_the_server(app: TestApp) {
    let (_, first) = placed_order(&app, "zelda.filter@example.com").await;
    let (_, second) = placed_order(&app, "yuri.filter@example.com").await;
    let staff = admin(&app).await;
    let version = row(&app, &staff, second).await["version"].as_i64().expect("version");
    assert_eq!(put(&app, &staff, second, json!({ "version": version, "status": "shipped" })).await.0, 200);

    let (_, page) = list(&app, &staff, "q=ZELDA.FILTER").await;
    assert_eq!(page["total"], 1, "search is case-insensitive over email: {page}");
    assert_eq!(page["rows"][0]["id"], first);
    assert_eq!(page["rows"][0]["customer_email"], "zelda.filter@example.com");
    let (_, page) = list(&app, &staff, &format!("q=%23{second}")).await;
    assert_eq!(page["rows"][0]["id"], second, "search by order number: {page}");
    let (_, page) = list(&app, &staff, "status=shipped&q=filter").await;
    assert_eq!((page["total"].as_u64(), page["rows"][0]["id"].as_i64()), (Some(1), Some(second)));
    let (_, page) = list(&app, &staff, "sort=updated&dir=desc&limit=1").await;
    assert_eq!(page["rows"][0]["id"], second, "the last changed comes first: {page}");
    assert_eq!(page["rows"].as_array().map(Vec::len), Some(1));
    let (_, page) = list(&app, &staff, "sort=created&dir=asc&q=filter").await;
    assert_eq!((page["rows"][0]["id"].as_i64(), page["rows"][1]["id"].as_i64()), (Some(first), Some(second)));
    let (_, page) = list(&app, &staff, "q=_").await;
    assert_eq!(page["total"], 0, "an underscore is not a wildcard: {page}");
    for bad in ["sort=price", "status=lost", "from=yesterday", "limit=-1", "dir=up"] {
        let (status, body) = list(&app, &staff, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

async fn staff_text_is_shown_as_text(app: TestApp) {
    let (shopper, id) = placed_order(&app, "escape@example.com").await;
    let staff = admin(&app).await;
    let version = row(&app, &staff, id).await["version"].as_i64().expect("version");
    let hostile = "<script>window.__xss=1</script>";
    let (status, body) = put(&app, &staff, id, json!({ "version": version, "tracking_number": hostile, "notes": hostile })).await;
    assert_eq!(status, 200, "{body}");
    let html = shopper.get(format!("{}/orders/{id}", app.base)).send().await.expect("GET order").text().await.expect("body");
    assert!(!html.contains(hostile), "the tracking number is escaped on the order page");
    assert!(html.contains("&lt;script&gt;"), "and still shown");
    assert!(!html.contains("window.__xss=1</script>"));
}

on_both_backends!(
    only_admins_reach_the_desk,
    of_two_saves_from_one_version_exactly_one_wins,
    the_lifecycle_decides_which_statuses_an_admin_may_set,
    every_admin_change_is_audited,
    shipping_emails_the_customer_the_tracking_number,
    cancelling_refunds_whoever_cancels,
    the_table_filters_sorts_and_searches_on_the_server,
    staff_text_is_shown_as_text,
);
