//! Idempotency keys follow Stripe's rules: a key names one checkout
//! request (its cart, address and card, by fingerprint); replaying it
//! returns the order it placed, reusing it for anything else is refused.
//! Replays add nothing (the address is saved inside the order's
//! transaction, after the key is claimed), and concurrent address saves
//! never fail.

use crate::checkout::{add, checkout, checkout_body, customer, scalar, stock, two_variants_with_stock, variant_with_stock};
use crate::helpers::{on_both_backends, TestApp};
use app::checkout::card::test_cards;
use futures::future::join_all;
use reqwest::Client;
use serde_json::{json, Value};

fn assert_key_reused((status, body): &(u16, Value)) {
    assert_eq!(*status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "idempotency_key", "{body}");
    let message = body["Validation"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("already placed with a different"), "a clear message: {body}");
}

async fn a_reused_key_with_different_details_is_refused(app: TestApp) {
    let (first, other) = two_variants_with_stock(&app, 10).await;
    let client = customer(&app, "reuse@example.com").await;
    assert_eq!(add(&app, &client, &first, 1).await.0, 200);
    let (status, order_id) = checkout(&app, &client, "reused", test_cards::SUCCESS).await;
    assert_eq!(status, 200, "{order_id}");

    // The probe's case: a new cart, another address and a declined card
    // under the same key once answered 200 with the first order's id.
    assert_eq!(add(&app, &client, &other, 2).await.0, 200);
    let elsewhere = json!({
        "idempotency_key": "reused",
        "card_number": test_cards::DECLINED,
        "full_name": "Someone Else",
        "line1": "2 Other Road",
        "city": "Shelbyville",
        "postal_code": "54321",
        "country": "GB",
    });
    assert_key_reused(&app.post_json_as(&client, "/api/checkout", elsewhere).await);
    // The first request's details, but a cart it never held.
    assert_key_reused(&checkout(&app, &client, "reused", test_cards::SUCCESS).await);
    assert_eq!(stock(&app, &other).await, 10, "the new cart was not bought");
    let (_, cart) = app.post_json_as(&client, "/api/cart", json!({})).await;
    assert_eq!(cart["item_count"], 2, "and is still in the cart: {cart}");

    // Without that cart, the first request replays to its order...
    let (status, _) = app.post_json_as(&client, "/api/cart/remove", json!({ "sku": other })).await;
    assert_eq!(status, 200);
    assert_eq!(checkout(&app, &client, "reused", test_cards::SUCCESS).await, (200, order_id));
    // ...but not with another card.
    assert_key_reused(&checkout(&app, &client, "reused", "4111111111111111").await);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(stock(&app, &first).await, 9);
}

async fn address_book_len(app: &TestApp, client: &Client) -> usize {
    let (status, list) = app.post_json_as(client, "/api/account/addresses", json!({})).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().map_or(0, Vec::len)
}

async fn identical_submits_place_one_order_and_save_one_address(app: TestApp) {
    let sku = variant_with_stock(&app, 10).await;
    let client = customer(&app, "tenfold@example.com").await;
    assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
    // Ten clicks on "Place order" for a first checkout with a new address
    // (on PostgreSQL two of them once collided on the default-address index).
    let submits = (0..10).map(|_| checkout(&app, &client, "tenfold", test_cards::SUCCESS));
    let results = join_all(submits).await;
    let (status, order_id) = results[0].clone();
    assert_eq!(status, 200, "{results:?}");
    assert!(results.iter().all(|result| *result == (200, order_id.clone())), "every submit gets the one order: {results:?}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(stock(&app, &sku).await, 9);
    assert_eq!(address_book_len(&app, &client).await, 1, "one address saved, not ten");

    // A full address book does not turn a replay into an error.
    for n in 1..20 {
        let address = json!({ "full_name": "Test Buyer", "line1": format!("{n} Side Street"), "city": "Springfield", "postal_code": "12345", "country": "US" });
        let (status, body) = app.post_json_as(&client, "/api/account/addresses/save", json!({ "address": address })).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(address_book_len(&app, &client).await, 20);
    assert_eq!(checkout(&app, &client, "tenfold", test_cards::SUCCESS).await, (200, order_id));

    // A new checkout to a new address still ships there with a full book.
    assert_eq!(add(&app, &client, &sku, 1).await.0, 200);
    let (status, body) = app.post_json_as(&client, "/api/checkout", checkout_body("after-full", test_cards::SUCCESS)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(address_book_len(&app, &client).await, 20);
}

async fn concurrent_default_address_saves_all_succeed(app: TestApp) {
    let client = customer(&app, "defaults@example.com").await;
    let save = |n: usize, is_default: bool| {
        let address = json!({
            "full_name": "Test Buyer",
            "line1": format!("{n} Default Lane"),
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
            "is_default": is_default,
        });
        app.post_json_as(&client, "/api/account/addresses/save", json!({ "address": address }))
    };
    assert_eq!(save(0, false).await.0, 200);
    let results = join_all((1..=10).map(|n| save(n, true))).await;
    assert!(results.iter().all(|(status, _)| *status == 200), "{results:?}");
    assert_eq!(address_book_len(&app, &client).await, 11);
    let defaults = scalar(&app, "SELECT COUNT(*) FROM addresses WHERE is_default = TRUE").await;
    assert_eq!(defaults, 1, "exactly one default address");
}

on_both_backends!(
    a_reused_key_with_different_details_is_refused,
    identical_submits_place_one_order_and_save_one_address,
    concurrent_default_address_saves_all_succeed,
);
