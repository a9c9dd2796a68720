//! Anonymous visitors' pages kept in memory (`server::page_cache`): a page
//! is kept and sent again with the new request's CSP nonce; an admin's
//! price change, a category rename and a new review are on the next load;
//! visitors with a session are always rendered for.

use crate::admin::admin;
use crate::checkout::{customer, scalar};
use crate::export::text_value;
use crate::helpers::{on_both_backends, TestApp};
use serde_json::json;

/// An anonymous GET: its body, the CSP nonce it was sent with, and whether
/// it came from the cache.
async fn visit(app: &TestApp, path: &str) -> (String, String, bool) {
    let response = app.client.get(format!("{}{path}", app.base)).send().await.expect("GET");
    assert_eq!(response.status(), 200, "{path}");
    let csp = response.headers()["content-security-policy"].to_str().expect("csp").to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_string();
    let hit = response.headers().get("x-bazaar-cache").is_some_and(|v| v == "hit");
    (response.text().await.expect("body"), nonce, hit)
}

async fn pages_are_kept_and_sent_with_a_fresh_nonce(app: TestApp) {
    let (first, first_nonce, hit) = visit(&app, "/c/lighting").await;
    assert!(!hit, "the first visit renders");
    let (second, second_nonce, hit) = visit(&app, "/c/lighting").await;
    assert!(hit, "the second is kept");
    assert_ne!(first_nonce, second_nonce, "each answer has its own nonce");
    assert!(second.contains(&format!("nonce=\"{second_nonce}\"")), "the scripts carry the header's nonce");
    assert!(!second.contains(&first_nonce), "and never the nonce of the render");
    assert_eq!(first.replace(&first_nonce, &second_nonce), second, "otherwise the same page");

    // A visitor with a session is rendered for, every time.
    let shopper = customer(&app, "cached@example.com").await;
    let response = shopper.get(format!("{}/c/lighting", app.base)).send().await.expect("GET");
    assert_ne!(response.headers().get("x-bazaar-cache").map(|v| v.to_str().unwrap_or("")), Some("hit"));
    // A query is its own page.
    assert!(!visit(&app, "/c/lighting?sort=price_asc").await.2);
}

async fn a_price_change_is_on_the_next_load(app: TestApp) {
    let variant = scalar(&app, "SELECT MIN(id) FROM variants").await;
    let product = scalar(&app, &format!("SELECT product_id FROM variants WHERE id = {variant}")).await;
    let slug = text_value(&app, &format!("SELECT slug FROM products WHERE id = {product}")).await;
    let sku = text_value(&app, &format!("SELECT sku FROM variants WHERE id = {variant}")).await;
    let label = text_value(&app, &format!("SELECT label FROM variants WHERE id = {variant}")).await;
    let path = format!("/p/{slug}");
    visit(&app, &path).await;
    let (before, _, hit) = visit(&app, &path).await;
    assert!(hit);
    assert!(!before.contains("$987.65"));

    let staff = admin(&app).await;
    let draft = json!({ "sku": sku, "label": label, "price_cents": 98_765 });
    let (status, body) = app.post_json_as(&staff, "/api/products/variant", json!({ "product": product, "id": variant, "draft": draft })).await;
    assert_eq!(status, 200, "{body}");
    let page = fresh(&app, &path).await;
    assert!(page.contains("$987.65"), "the new price is shown");

    // A category rename, and a review, likewise.
    visit(&app, "/c/lighting").await;
    assert!(visit(&app, "/c/lighting").await.2, "the category page is kept");
    let lighting = scalar(&app, "SELECT id FROM categories WHERE slug = 'lighting'").await;
    let draft = json!({ "name": "Lamps and Lights", "slug": "lighting" });
    let (status, body) = app.post_json_as(&staff, "/api/admin/categories/save", json!({ "id": lighting, "draft": draft })).await;
    assert_eq!(status, 200, "{body}");
    assert!(fresh(&app, "/c/lighting").await.contains("Lamps and Lights"));
    visit(&app, &path).await;
    assert!(visit(&app, &path).await.2, "the product page is kept again");
    let writer = customer(&app, "reviewer@example.com").await;
    let review = json!({ "product": slug, "rating": 4, "title": "Kept pages forget", "text": "Shown at once." });
    let (status, body) = app.post_json_as(&writer, "/api/reviews/write", review).await;
    assert_eq!(status, 200, "{body}");
    assert!(fresh(&app, &path).await.contains("Kept pages forget"));
}

/// The page at `path` on the next load, which must not be a kept one:
/// the change before it was answered, so the cache has seen its event.
async fn fresh(app: &TestApp, path: &str) -> String {
    let (page, _, hit) = visit(app, path).await;
    assert!(!hit, "{path} is rendered again after a change");
    page
}

on_both_backends!(pages_are_kept_and_sent_with_a_fresh_nonce, a_price_change_is_on_the_next_load);
