//! Checkout's charge outcome that checkout itself never learns: the
//! provider does not answer, its answer is lost, or the server dies
//! between the charge and the confirmation. The reservation stays pending,
//! holding its stock, and the recovery job queued with it settles it to
//! exactly one paid order or a released reservation.

use crate::checkout::{add, checkout, checkout_body, customer, scalar, stock, variant_with_stock, PASSWORD};
use crate::helpers::{for_both_backends, on_both_backends, Backend, TestApp};
use crate::process::{count, ServerProcess, SharedDatabase};
use app::checkout::card::test_cards;
use app::checkout::settle::{PaymentTiming, SETTLE};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long a test waits for the recovery job.
const SETTLE_DEADLINE: Duration = Duration::from_secs(30);

/// Waits until `sql` (one number) gives `want`.
async fn wait_for(db: &DatabaseConnection, sql: &str, want: i64, what: &str) {
    let deadline = Instant::now() + SETTLE_DEADLINE;
    loop {
        let got = count(db, sql).await;
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: `{sql}` is {got}, not {want}, after {SETTLE_DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A server whose recovery job looks at a reservation two seconds after
/// it was made.
async fn quick_settling(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        config.payments.timing = PaymentTiming { timeout: Duration::from_secs(1), settle_after: Duration::from_secs(2) };
    })
    .await
}

fn movements_sum(sku: &str) -> String {
    format!("SELECT COALESCE(SUM(delta), 0) FROM stock_movements WHERE variant_id = (SELECT id FROM variants WHERE sku = '{sku}')")
}

async fn order_status(app: &TestApp, client: &reqwest::Client, id: &Value) -> (u16, Value) {
    let (status, order) = app.post_json_as(client, "/api/orders/get", json!({ "id": id })).await;
    (status, order["status"].clone())
}

async fn a_lost_answer_is_confirmed_by_the_recovery_job(backend: Backend) {
    let app = quick_settling(backend).await;
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "lost@example.com").await;
    assert_eq!(add(&app, &client, &sku, 2).await.0, 200);
    let (status, id) = checkout(&app, &client, "lost-1", test_cards::ANSWER_LOST).await;
    assert_eq!(status, 200, "the order is placed, waiting for its payment: {id}");
    assert_eq!(order_status(&app, &client, &id).await, (200, json!("PENDING")));
    assert_eq!(stock(&app, &sku).await, 8, "the pending order holds its stock");
    let (status, again) = checkout(&app, &client, "lost-1", test_cards::ANSWER_LOST).await;
    assert_eq!((status, &again), (200, &id), "a replay meanwhile is the same order");
    let (status, body) = app.post_json_as(&client, "/api/orders/cancel", json!({ "id": id })).await;
    assert_eq!(status, 409, "an order whose payment is being confirmed cannot be cancelled yet: {body}");

    let confirmed = format!("SELECT COUNT(*) FROM orders WHERE id = {id} AND status = 'CONFIRMED'");
    wait_for(&app.db, &confirmed, 1, "the recovery job found the charge and confirmed the order").await;
    assert_eq!(order_status(&app, &client, &id).await, (200, json!("CONFIRMED")));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM payment_charges WHERE status = 'paid'").await, 1, "charged once");
    let paid_by = format!("SELECT COUNT(*) FROM orders o JOIN payment_charges c ON c.reference = o.payment_reference WHERE o.id = {id}");
    assert_eq!(scalar(&app, &paid_by).await, 1, "the order records its charge");
    assert_eq!(stock(&app, &sku).await, 8, "stock taken once");
    let (_, cart) = app.post_json_as(&client, "/api/cart", json!({})).await;
    assert_eq!(cart["item_count"], 0, "what was bought left the cart");
    let pending_jobs = format!("SELECT COUNT(*) FROM jobs WHERE kind = '{SETTLE}' AND status <> 'done'");
    wait_for(&app.db, &pending_jobs, 0, "the recovery job finished").await;
}

async fn an_unreachable_provider_is_released_by_the_recovery_job(backend: Backend) {
    let app = quick_settling(backend).await;
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "unreachable@example.com").await;
    assert_eq!(add(&app, &client, &sku, 2).await.0, 200);
    let (status, id) = checkout(&app, &client, "unreachable-1", test_cards::UNREACHABLE).await;
    assert_eq!(status, 200, "{id}");
    assert_eq!(order_status(&app, &client, &id).await, (200, json!("PENDING")));
    assert_eq!(stock(&app, &sku).await, 8);

    wait_for(&app.db, &format!("SELECT COUNT(*) FROM orders WHERE id = {id}"), 0, "the recovery job found no charge and released the order").await;
    assert_eq!(order_status(&app, &client, &id).await.0, 404, "the customer has no order");
    assert_eq!(stock(&app, &sku).await, 10, "the stock is back");
    assert_eq!(scalar(&app, &movements_sum(&sku)).await, 0, "a sale and its return, both recorded");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM payment_charges WHERE status = 'paid'").await, 0);
    let (_, cart) = app.post_json_as(&client, "/api/cart", json!({})).await;
    assert_eq!(cart["item_count"], 2, "the cart is kept for another try");
}

async fn settled_checkouts_leave_no_recovery_job(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "settled@example.com").await;
    assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
    let (status, body) = checkout(&app, &client, "settled-declined", test_cards::DECLINED).await;
    assert_eq!(status, 402, "{body}");
    assert_eq!(stock(&app, &sku).await, 10, "a declined charge releases the reservation");
    assert_eq!(scalar(&app, &movements_sum(&sku)).await, 0);
    let (status, body) = checkout(&app, &client, "settled-paid", test_cards::SUCCESS).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(stock(&app, &sku).await, 9);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM jobs WHERE kind = '{SETTLE}'")).await, 0);
}

on_both_backends!(settled_checkouts_leave_no_recovery_job);
for_both_backends!(a_lost_answer_is_confirmed_by_the_recovery_job, an_unreachable_provider_is_released_by_the_recovery_job);

/// The real binary with a provider that takes 2 s to answer, and a
/// recovery job due 4 s after each reservation.
fn slow_provider_server(database: &SharedDatabase) -> ServerProcess {
    ServerProcess::start_on(
        &database.url,
        &database.dir.path().join("outbox"),
        &[
            ("BAZAAR_PAYMENTS_LATENCY_MS", "2000"),
            ("BAZAAR_PAYMENT_TIMEOUT_SECS", "3"),
            ("BAZAAR_CHECKOUT_SETTLE_SECS", "4"),
            ("BAZAAR_JOBS_POLL_MS", "200"),
            ("BAZAAR_JOBS_LEASE_SECS", "3"),
            ("BAZAAR_API_RATE_PER_SEC", "0"),
            ("BAZAAR_AUTH_RATE_PER_MIN", "0"),
        ],
    )
}

async fn post(client: &reqwest::Client, base: &str, path: &str, body: Value) -> Value {
    let response = client.post(format!("{base}{path}")).json(&body).send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
    assert_eq!(response.status().as_u16(), 200, "POST {path}");
    response.json().await.expect("JSON")
}

/// The server is killed while the charge's answer is on its way back: the
/// card is charged, the order still pending. Restarted, the recovery job
/// confirms it: one order, one charge, stock taken once.
async fn killed_between_charge_and_confirmation_the_order_is_settled(backend: Backend) {
    let database = SharedDatabase::new(backend).await;
    let mut server = slow_provider_server(&database);
    let db = Database::connect(&database.url).await.expect("test connection");
    let base = server.base.clone();
    let client = reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(20)).build().expect("client");
    post(&client, &base, "/api/auth/register", json!({ "email": "crash@example.com", "password": PASSWORD, "name": "Crash Buyer" })).await;
    let sku: String = {
        let row = db
            .query_one(Statement::from_string(db.get_database_backend(), "SELECT sku FROM variants WHERE stock >= 5 ORDER BY id LIMIT 1".to_string()))
            .await
            .expect("query")
            .expect("a variant in stock");
        row.try_get_by_index(0).expect("sku")
    };
    let before = count(&db, &format!("SELECT stock FROM variants WHERE sku = '{sku}'")).await;
    post(&client, &base, "/api/cart/add", json!({ "sku": sku, "quantity": 2 })).await;

    let placing = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move { client.post(format!("{base}/api/checkout")).json(&checkout_body("crash-1", test_cards::SUCCESS)).send().await }
    });
    // The provider records the charge, then takes 2 s to answer.
    wait_for(&db, "SELECT COUNT(*) FROM payment_charges", 1, "the card was charged").await;
    server.kill();
    assert!(placing.await.expect("the request task").is_err(), "the checkout got no answer");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders WHERE status = 'PENDING' AND payment_reference = ''").await, 1, "left pending at the kill");

    let restarted = slow_provider_server(&database);
    wait_for(&db, "SELECT COUNT(*) FROM orders WHERE status = 'CONFIRMED'", 1, "the restarted server's recovery job confirmed the order").await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 1, "one order");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM payment_charges WHERE status = 'paid'").await, 1, "one charge");
    let paid_by = "SELECT COUNT(*) FROM orders o JOIN payment_charges c ON c.reference = o.payment_reference";
    assert_eq!(count(&db, paid_by).await, 1, "the order records that charge");
    assert_eq!(count(&db, &format!("SELECT stock FROM variants WHERE sku = '{sku}'")).await, before - 2, "stock taken once");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM cart_items").await, 0, "the cart was emptied");
    assert!(restarted.alarming_lines().is_empty(), "{:?}", restarted.alarming_lines());
    drop(restarted);
    database.drop_database().await;
}

for_both_backends!(killed_between_charge_and_confirmation_the_order_is_settled);
