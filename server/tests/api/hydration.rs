//! Every resource of a page is serialized into it once.
//!
//! The browser matches the data serialized into a page to its resources by
//! the order it makes them in. A resource made inside a suspense is made
//! after an await; on the server such code runs again when the suspense
//! checks its children, as often and in whichever order the awaits finish,
//! so its data is written into the page more than once, at shifting
//! places. The browser then hydrated a resource with another one's data,
//! or with none, and panicked (seen under load on `/admin` and
//! `/checkout`). Pages therefore make every resource at their top; a
//! payload written twice here means one was made inside a suspense again.

use crate::admin::admin;
use crate::checkout::{add, customer, variant_with_stock};
use crate::helpers::{on_both_backends, TestApp};
use reqwest::Client;
use std::collections::HashMap;

/// Payloads this short (`null`, an empty list, a bare flag) may well be
/// the data of two different resources.
const DISTINCT_FROM: usize = 24;

/// Renders of each page: how often the suspenses run depends on timing.
const RENDERS: usize = 3;

/// The payloads serialized into `html` (`__RESOLVED_RESOURCES[i] = "…";`),
/// with their indices.
fn serialized(html: &str) -> Vec<(usize, &str)> {
    html.split("__RESOLVED_RESOURCES[")
        .skip(1)
        .filter_map(|entry| {
            let (index, rest) = entry.split_once("] = ")?;
            let payload = &rest[..rest.find("\";").map_or(rest.len(), |end| end + 1)];
            Some((index.parse().ok()?, payload))
        })
        .collect()
}

/// Fails if a payload long enough to be one resource's own appears at two
/// indices of `path`'s page as `client` gets it.
async fn assert_each_serialized_once(app: &TestApp, client: &Client, path: &str) {
    for _ in 0..RENDERS {
        let response = client.get(format!("{}{path}", app.base)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(response.status(), 200, "GET {path}");
        let html = response.text().await.expect("body");
        let entries = serialized(&html);
        assert!(!entries.is_empty(), "{path}: no serialized resources found; has the page's script format changed?");
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, payload) in entries {
            if payload.len() < DISTINCT_FROM {
                continue;
            }
            if let Some(first) = seen.insert(payload, index) {
                panic!("{path}: the same data is serialized at {first} and at {index} (a resource made inside a suspense?): {payload:.200}");
            }
        }
    }
}

async fn each_resource_of_a_page_is_serialized_once(app: TestApp) {
    let sku = variant_with_stock(&app, 20).await;
    let shirts = app.search(serde_json::json!({ "category": "t-shirts", "sort": "price_asc" })).await;
    let slug = shirts["products"][0]["slug"].as_str().expect("a T-shirt's slug").to_string();
    let buyer = customer(&app, "hydration@example.test").await;
    assert_eq!(add(&app, &buyer, &sku, 1).await.0, 200);
    let staff = admin(&app).await;
    let guest = app.session_client();

    for path in ["/".to_string(), "/c/clothing".to_string(), format!("/p/{slug}")] {
        assert_each_serialized_once(&app, &guest, &path).await;
        assert_each_serialized_once(&app, &buyer, &path).await;
    }
    assert_each_serialized_once(&app, &buyer, "/checkout").await;
    for path in ["/admin", "/admin/products", "/seller", "/admin/products/1"] {
        assert_each_serialized_once(&app, &staff, path).await;
    }
}

on_both_backends!(each_resource_of_a_page_is_serialized_once);
