//! What a Shopify order becomes: its lines, money to the cent, its
//! customer, stock taken once and given back on cancellation, the audit
//! log's "Shopify", and orders the shop cannot take refused for good.

use crate::checkout::scalar;
use crate::helpers::{on_both_backends, TestApp, SHOPIFY_SECRET};
use crate::shopify::{catalog_lines, order, unknown_line, wait_for, Delivery, Line};
use serde_json::{json, Value};

const SHOPIFY_ID: i64 = 820_982_911_946_154_508;

async fn deliver(app: &TestApp, webhook_id: &str, topic: &str, order: &Value) {
    let (status, body) = Delivery::signed(webhook_id, topic, order, SHOPIFY_SECRET).send(&app.client, &app.base).await;
    assert_eq!(status, 200, "{webhook_id}: {body}");
}

/// Waits until delivery `webhook_id`'s job has finished with `result`.
async fn applied(app: &TestApp, webhook_id: &str, result: &str) {
    let sql = format!("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = '{webhook_id}' AND result = '{result}'");
    wait_for(app, &sql, &format!("delivery {webhook_id} is {result}"), |n| n == 1).await;
}

async fn stock_of(app: &TestApp, sku: &str) -> i64 {
    scalar(app, &format!("SELECT stock FROM variants WHERE sku = '{sku}'")).await
}

async fn stock_is_taken_once_and_given_back_when_shopify_cancels(app: TestApp) {
    let mut lines = catalog_lines(&app.db, 0, 2).await;
    lines[0].quantity = 2;
    lines.push(unknown_line());
    let before: Vec<i64> = futures::future::join_all(lines[..2].iter().map(|l| stock_of(&app, &l.sku))).await;
    let subtotal: i64 = lines.iter().map(Line::cents).sum();

    deliver(&app, "sync-create", "orders/create", &order(SHOPIFY_ID, "2026-12-01T10:00:00-05:00", &lines, |_| {})).await;
    applied(&app, "sync-create", "applied").await;
    let id = scalar(&app, &format!("SELECT id FROM orders WHERE shopify_order_id = {SHOPIFY_ID}")).await;
    assert_eq!(scalar(&app, &format!("SELECT subtotal_cents FROM orders WHERE id = {id}")).await, subtotal, "money to the cent");
    assert_eq!(scalar(&app, &format!("SELECT total_cents FROM orders WHERE id = {id}")).await, subtotal + 1_000, "plus Shopify's shipping");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM order_items WHERE order_id = {id}")).await, 2, "matched by SKU");
    assert_eq!(
        scalar(&app, &format!("SELECT unit_price_cents * quantity FROM order_external_lines WHERE order_id = {id} AND sku = 'IPOD2008PINK'")).await,
        39_800,
        "the unknown SKU is kept with its title and price"
    );
    for (line, stock) in lines.iter().zip(&before) {
        assert_eq!(stock_of(&app, &line.sku).await, stock - line.quantity, "{} taken", line.sku);
    }
    assert_eq!(
        scalar(&app, &format!("SELECT COUNT(*) FROM order_audit WHERE order_id = {id} AND actor_name = 'Shopify' AND field = 'status' AND new_value = 'Confirmed'")).await,
        1,
        "audited as Shopify"
    );

    // Later states of the same order, on other topics: no stock again.
    let paid = order(SHOPIFY_ID, "2026-12-01T10:05:00-05:00", &lines, |_| {});
    deliver(&app, "sync-paid", "orders/paid", &paid).await;
    let fulfilled = order(SHOPIFY_ID, "2026-12-01T11:00:00-05:00", &lines, |o| {
        o["fulfillment_status"] = json!("fulfilled");
        o["fulfillments"] = json!([{ "id": 1, "status": "success", "tracking_number": "1Z999AA10123456784" }]);
    });
    deliver(&app, "sync-fulfilled", "orders/fulfilled", &fulfilled).await;
    applied(&app, "sync-fulfilled", "applied").await;
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE id = {id} AND status = 'SHIPPED' AND tracking_number = '1Z999AA10123456784'")).await, 1);
    for (line, stock) in lines.iter().zip(&before) {
        assert_eq!(stock_of(&app, &line.sku).await, stock - line.quantity, "{} taken once", line.sku);
    }

    // Shopify cancels a shipped order: our lifecycle keeps it shipped.
    let cancelled = order(SHOPIFY_ID, "2026-12-01T12:00:00-05:00", &lines, |o| o["cancelled_at"] = json!("2026-12-01T12:00:00-05:00"));
    deliver(&app, "sync-cancel-shipped", "orders/cancelled", &cancelled).await;
    applied(&app, "sync-cancel-shipped", "applied").await;
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE id = {id} AND status = 'SHIPPED'")).await, 1);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE shopify_order_id = {SHOPIFY_ID}")).await, 1, "one order throughout");
}

async fn a_cancellation_before_shipping_gives_the_stock_back(app: TestApp) {
    let lines = catalog_lines(&app.db, 2, 1).await;
    let before = stock_of(&app, &lines[0].sku).await;
    deliver(&app, "cancel-create", "orders/create", &order(SHOPIFY_ID + 1, "2026-12-01T10:00:00Z", &lines, |_| {})).await;
    applied(&app, "cancel-create", "applied").await;
    assert_eq!(stock_of(&app, &lines[0].sku).await, before - 1);
    let cancelled = order(SHOPIFY_ID + 1, "2026-12-01T10:30:00Z", &lines, |o| {
        o["cancelled_at"] = json!("2026-12-01T10:30:00Z");
        o["financial_status"] = json!("refunded");
    });
    deliver(&app, "cancel-cancel", "orders/cancelled", &cancelled).await;
    applied(&app, "cancel-cancel", "applied").await;
    assert_eq!(stock_of(&app, &lines[0].sku).await, before, "given back");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE shopify_order_id = {} AND status = 'CANCELLED'", SHOPIFY_ID + 1)).await, 1);
    // The same cancellation again: nothing moves twice.
    deliver(&app, "cancel-again", "orders/cancelled", &cancelled).await;
    applied(&app, "cancel-again", "stale").await;
    assert_eq!(stock_of(&app, &lines[0].sku).await, before);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM outbox_emails").await, 0, "Shopify tells its customers itself");
}

async fn customers_are_found_or_made_by_email(app: TestApp) {
    let lines = vec![unknown_line()];
    let first = order(SHOPIFY_ID + 2, "2026-12-01T10:00:00Z", &lines, |o| o["email"] = json!("Repeat.Buyer@Example.com"));
    let second = order(SHOPIFY_ID + 3, "2026-12-01T10:00:00Z", &lines, |o| o["email"] = json!("repeat.buyer@example.com"));
    deliver(&app, "customer-1", "orders/create", &first).await;
    deliver(&app, "customer-2", "orders/create", &second).await;
    applied(&app, "customer-1", "applied").await;
    applied(&app, "customer-2", "applied").await;
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM users WHERE email = 'repeat.buyer@example.com'").await, 1, "one account");
    assert_eq!(
        scalar(&app, "SELECT COUNT(DISTINCT o.user_id) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'repeat.buyer@example.com'").await,
        1,
        "both orders are that customer's"
    );
}

async fn an_order_the_shop_cannot_take_is_dead_at_once(app: TestApp) {
    let lines = vec![unknown_line()];
    deliver(&app, "currency", "orders/create", &order(SHOPIFY_ID + 4, "2026-12-01T10:00:00Z", &lines, |o| o["currency"] = json!("XTS"))).await;
    applied(&app, "currency", "failed").await;
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.order' AND status = 'dead' AND attempts = 1").await, 1);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM orders WHERE shopify_order_id = {}", SHOPIFY_ID + 4)).await, 0);
}

on_both_backends!(
    stock_is_taken_once_and_given_back_when_shopify_cancels,
    a_cancellation_before_shipping_gives_the_stock_back,
    customers_are_found_or_made_by_email,
    an_order_the_shop_cannot_take_is_dead_at_once,
);
