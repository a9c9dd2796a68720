//! Guests' carts and the sessions they create.

use crate::helpers::{on_both_backends, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

async fn session_rows(app: &TestApp) -> i64 {
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one(Statement::from_string(backend, "SELECT COUNT(*) AS n FROM sessions"))
        .await
        .expect("count sessions")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("count")
}

async fn a_sku(app: &TestApp) -> String {
    let results = app.search(json!({ "in_stock": true })).await;
    let slug = results["products"][0]["slug"].as_str().expect("slug").to_string();
    let (_, product) = app.post_json("/api/catalog/product", json!({ "slug": slug })).await;
    product["variants"][0]["sku"].as_str().expect("sku").to_string()
}

/// Calls that store nothing create no session: no row, no cookie.
async fn cart_calls_that_store_nothing_leave_no_session(app: TestApp) {
    let sku = a_sku(&app).await;
    let calls = [
        ("/api/cart", json!({})),
        ("/api/cart/update", json!({ "sku": sku, "quantity": 0 })),
        ("/api/cart/remove", json!({ "sku": sku })),
        ("/api/cart/add", json!({ "sku": "NO-SUCH-SKU", "quantity": 1 })),
    ];
    for _ in 0..10 {
        for (path, body) in &calls {
            let response = app.client.post(format!("{}{path}", app.base)).json(body).send().await.expect(path);
            assert!(response.status().as_u16() < 500, "{path}: {}", response.status());
            assert!(response.headers().get("set-cookie").is_none(), "{path} set a cookie");
        }
    }
    assert_eq!(session_rows(&app).await, 0, "cookie-less calls that store nothing left sessions behind");

    // Storing something does start a session.
    let guest = app.session_client();
    let (status, _) = app.post_json_as(&guest, "/api/cart/add", json!({ "sku": sku, "quantity": 1 })).await;
    assert_eq!(status, 200);
    assert_eq!(session_rows(&app).await, 1);
}

on_both_backends!(cart_calls_that_store_nothing_leave_no_session);
