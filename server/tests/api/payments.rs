//! The simulated payment provider keeps its charges in the database:
//! references stay unique across servers sharing it and across restarts
//! (they once restarted at every boot, so orders shared references), and a
//! refunded charge is never handed back as paid.

use crate::checkout::{add, checkout, customer, scalar, variant_with_stock};
use crate::helpers::{on_both_backends, TestApp};
use app::checkout::card::test_cards;
use app::checkout::payment::{ChargeRequest, PaymentProvider, SimulatedPayments};
use app::money::{Currency, Money};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::collections::HashSet;

async fn text(app: &TestApp, sql: &str) -> String {
    app.db
        .query_one(Statement::from_string(app.db.get_database_backend(), sql.to_string()))
        .await
        .expect("query")
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .expect("a text value")
}

fn charge(key: &str) -> ChargeRequest {
    ChargeRequest { amount: Money::new(2500, Currency::Usd), card_number: test_cards::SUCCESS.into(), idempotency_key: key.into() }
}

async fn references_are_unique_across_servers_and_restarts(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let mut references = HashSet::new();
    for n in 0..2 {
        let client = customer(&app, &format!("ref{n}@example.com")).await;
        assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
        let (status, id) = checkout(&app, &client, "ref", test_cards::SUCCESS).await;
        assert_eq!(status, 200, "{id}");
        references.insert(text(&app, &format!("SELECT payment_reference FROM orders WHERE id = {id}")).await);
    }
    // Another server on the same database, then each of them restarted:
    // every one of them is a fresh provider over the same ledger.
    for instance in 0..3 {
        let provider = SimulatedPayments::new(app.db.clone());
        for n in 0..2 {
            let receipt = provider.charge(charge(&format!("instance-{instance}-{n}"))).await.expect("paid");
            assert!(references.insert(receipt.reference.clone()), "reference {} handed out twice", receipt.reference);
        }
    }
    assert_eq!(references.len(), 8);
    assert_eq!(scalar(&app, "SELECT COUNT(DISTINCT reference) FROM payment_charges").await, 8);
}

async fn a_refunded_charge_is_never_returned_as_paid(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "refund@example.com").await;
    assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
    let (status, order_id) = checkout(&app, &client, "refund-me", test_cards::SUCCESS).await;
    assert_eq!(status, 200, "{order_id}");
    let paid = text(&app, &format!("SELECT payment_reference FROM orders WHERE id = {order_id}")).await;
    let (status, order) = app.post_json_as(&client, "/api/orders/cancel", json!({ "id": order_id })).await;
    assert_eq!(status, 200, "{order}");
    let status_of = |reference: String| format!("SELECT status FROM payment_charges WHERE reference = '{reference}'");
    // The refund is a job queued with the cancellation.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while text(&app, &status_of(paid.clone())).await != "refunded" {
        assert!(std::time::Instant::now() < deadline, "cancelling refunds the charge");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Replaying the checkout returns its (cancelled) order and charges nothing.
    assert_eq!(checkout(&app, &client, "refund-me", test_cards::SUCCESS).await, (200, order_id.clone()));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM payment_charges").await, 1);

    // Charging the refunded charge's key again, from any server, is a new
    // charge: never the refunded one passed off as paid.
    let key = text(&app, &format!("SELECT idempotency_key FROM payment_charges WHERE reference = '{paid}'")).await;
    let total = scalar(&app, &format!("SELECT total_cents FROM orders WHERE id = {order_id}")).await;
    let retry = ChargeRequest { amount: Money::new(total, Currency::Usd), ..charge(&key) };
    let receipt = SimulatedPayments::new(app.db.clone()).charge(retry).await.expect("charged anew");
    assert_ne!(receipt.reference, paid);
    assert_eq!(text(&app, &status_of(receipt.reference)).await, "paid");
    assert_eq!(text(&app, &status_of(paid)).await, "refunded");
}

on_both_backends!(references_are_unique_across_servers_and_restarts, a_refunded_charge_is_never_returned_as_paid);
