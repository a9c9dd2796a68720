//! Running the catalog over HTTP: products and variants created and edited
//! with field-level validation, stock that moves only through movements
//! (and adds up under concurrent sales and adjustments), low-stock alerts
//! raised once per crossing and resolved, live on `catalog`, and sellers
//! kept to their own products on every endpoint.

use crate::admin::admin;
use crate::checkout::{add, checkout, customer, scalar};
use crate::helpers::{on_both_backends, TestApp};
use crate::live::{next, refused, subscribe, subscribed, Socket, Visitor};
use app::checkout::card::test_cards;
use app::live::protocol::{EventBody, ServerMessage};
use futures::future::join_all;
use reqwest::Client;
use serde_json::{json, Value};

pub(crate) const SELLER_EMAIL: &str = "seller1@bazaar.test";
pub(crate) const SELLER_PASSWORD: &str = "bazaar-demo-northwind";

/// The demo seller of Northwind Goods, signed in with its own session.
pub(crate) async fn seller(app: &TestApp) -> Client {
    let client = app.session_client();
    let (status, body) =
        app.post_json_as(&client, "/api/auth/sign-in", json!({ "email": SELLER_EMAIL, "password": SELLER_PASSWORD })).await;
    assert_eq!(status, 200, "seller sign-in: {body}");
    client
}

async fn id_of(app: &TestApp, table: &str, slug: &str) -> i64 {
    scalar(app, &format!("SELECT id FROM {table} WHERE slug = '{slug}'")).await
}

/// A new active product of `seller_slug` in `t-shirts`, named `name`.
async fn new_product(app: &TestApp, client: &Client, name: &str, seller_slug: &str) -> Value {
    let category = id_of(app, "categories", "t-shirts").await;
    let seller = id_of(app, "sellers", seller_slug).await;
    let (status, body) = app
        .post_json_as(
            client,
            "/api/products/save",
            json!({ "draft": { "name": name, "category": category, "seller": seller, "description": "Made for the test." } }),
        )
        .await;
    assert_eq!(status, 200, "create {name}: {body}");
    body
}

/// A new variant of `product` with `stock` units and `threshold`.
async fn new_variant(app: &TestApp, client: &Client, product: i64, sku: &str, stock: i32, threshold: i32) -> Value {
    let (status, body) = app
        .post_json_as(
            client,
            "/api/products/variant",
            json!({
                "product": product,
                "draft": { "sku": sku, "label": "One size", "price_cents": 2500, "low_stock_threshold": threshold },
                "stock": stock,
            }),
        )
        .await;
    assert_eq!(status, 200, "create variant {sku}: {body}");
    body
}

fn field_error(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], field, "{body}");
}

async fn adjust(app: &TestApp, client: &Client, variant: i64, quantity: i32, reason: &str) -> (u16, Value) {
    app.post_json_as(client, "/api/stock/adjust", json!({ "variant": variant, "quantity": quantity, "reason": reason, "note": "test" }))
        .await
}

async fn open_alerts(app: &TestApp, variant: i64) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM stock_alerts WHERE variant_id = {variant} AND status = 'open'")).await
}

async fn all_alerts(app: &TestApp, variant: i64) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM stock_alerts WHERE variant_id = {variant}")).await
}

async fn stock_of(app: &TestApp, variant: i64) -> i64 {
    scalar(app, &format!("SELECT stock FROM variants WHERE id = {variant}")).await
}

/// A customer buys `quantity` of `sku`; the order's status code.
async fn buy(app: &TestApp, email: &str, sku: &str, quantity: u32) -> u16 {
    let client = customer(app, email).await;
    assert_eq!(add(app, &client, sku, quantity).await.0, 200, "{email} adds {sku}");
    checkout(app, &client, &format!("buy-{}", email.replace(|c: char| !c.is_ascii_alphanumeric(), "-")), test_cards::SUCCESS).await.0
}

async fn products_and_variants_are_validated_field_by_field(app: TestApp) {
    let staff = admin(&app).await;
    let product = new_product(&app, &staff, "Validation Tee", "northwind-goods").await;
    assert_eq!(product["draft"]["slug"], "validation-tee", "the slug is made from the name: {product}");
    let id = product["id"].as_i64().expect("id");
    let category = id_of(&app, "categories", "t-shirts").await;
    let seller = id_of(&app, "sellers", "northwind-goods").await;

    let (status, body) =
        app.post_json_as(&staff, "/api/products/save", json!({ "draft": { "name": "  ", "category": category, "seller": seller } })).await;
    field_error(status, &body, "name");
    let (status, body) = app
        .post_json_as(&staff, "/api/products/save", json!({ "draft": { "name": "Other", "slug": "validation-tee", "category": category, "seller": seller } }))
        .await;
    field_error(status, &body, "slug");
    let (status, body) = app
        .post_json_as(&staff, "/api/products/save", json!({ "draft": { "name": "Other", "slug": "Not a slug!", "category": category, "seller": seller } }))
        .await;
    field_error(status, &body, "slug");
    let (status, body) =
        app.post_json_as(&staff, "/api/products/save", json!({ "draft": { "name": "Other", "category": 999_999, "seller": seller } })).await;
    field_error(status, &body, "category");

    let taken: String = {
        let (_, p) = app.post_json("/api/catalog/product", json!({ "slug": app.search(json!({ "category": "t-shirts" })).await["products"][0]["slug"] })).await;
        p["variants"][0]["sku"].as_str().expect("a seeded SKU").to_string()
    };
    let variant = |sku: &str, price: i64| {
        json!({ "product": id, "draft": { "sku": sku, "label": "M", "price_cents": price, "low_stock_threshold": 3 } })
    };
    let (status, body) = app.post_json_as(&staff, "/api/products/variant", variant(&taken, 1000)).await;
    field_error(status, &body, "sku");
    let (status, body) = app.post_json_as(&staff, "/api/products/variant", variant("VAL-NEG", -1)).await;
    field_error(status, &body, "price");
    let (status, body) = app.post_json_as(&staff, "/api/products/variant", variant("val-ok", 1999)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["draft"]["sku"], "VAL-OK", "SKUs are kept in capitals: {body}");
    let (status, body) = app
        .post_json_as(&staff, "/api/products/variant", json!({ "product": id, "draft": { "sku": "VAL-DEFAULT", "label": "L", "price_cents": 2100 } }))
        .await;
    assert_eq!((status, body["draft"]["low_stock_threshold"].as_i64()), (200, Some(5)), "the shop's default threshold: {body}");
    assert_eq!(scalar(&app, &format!("SELECT price_cents FROM products WHERE id = {id}")).await, 1999, "the listed price follows the variants");
    // Nothing was stored by the refused saves.
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM products WHERE name = 'Other'").await, 0);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM variants WHERE product_id = {id}")).await, 2);
}

async fn a_new_product_is_on_the_storefront_and_its_stock_is_a_restock(app: TestApp) {
    let staff = admin(&app).await;
    let product = new_product(&app, &staff, "Quasar Lantern Tee", "northwind-goods").await;
    let id = product["id"].as_i64().expect("id");
    let variant = new_variant(&app, &staff, id, "QUASAR-1", 7, 2).await;
    let variant_id = variant["id"].as_i64().expect("variant id");
    assert_eq!(variant["stock"], 7);
    let found = app.search(json!({ "text": "quasar lantern" })).await;
    assert_eq!(found["products"][0]["slug"], "quasar-lantern-tee", "found by full-text search at once: {found}");
    let (status, movements) = app.post_json_as(&staff, "/api/stock/movements", json!({ "variant": variant_id })).await;
    assert_eq!(status, 200, "{movements}");
    assert_eq!(movements.as_array().map(Vec::len), Some(1), "{movements}");
    assert_eq!((movements[0]["reason"].as_str(), movements[0]["delta"].as_i64(), movements[0]["stock_after"].as_i64()), (Some("restock"), Some(7), Some(7)));

    // Archived: gone from the storefront.
    let category = id_of(&app, "categories", "t-shirts").await;
    let (status, body) = app
        .post_json_as(
            &staff,
            "/api/products/save",
            json!({ "id": id, "draft": { "name": "Quasar Lantern Tee", "slug": "quasar-lantern-tee", "category": category, "active": false } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let found = app.search(json!({ "text": "quasar lantern" })).await;
    assert_eq!(found["products"].as_array().map(Vec::len), Some(0), "archived products are not for sale: {found}");
}

async fn sales_adjustments_and_cancellations_are_movements_that_add_up(app: TestApp) {
    let staff = admin(&app).await;
    let product = new_product(&app, &staff, "Ledger Tee", "northwind-goods").await;
    let variant = new_variant(&app, &staff, product["id"].as_i64().expect("id"), "LEDGER-1", 60, 0).await;
    let variant_id = variant["id"].as_i64().expect("variant id");

    // Twelve buyers and twelve adjustments at once.
    let buyers = (0..12).map(|i| {
        let app = &app;
        async move { buy(app, &format!("ledger{i}@example.com"), "LEDGER-1", 2).await }
    });
    let adjustments = (0..12).map(|i| {
        let (app, staff) = (&app, &staff);
        async move { adjust(app, staff, variant_id, if i % 2 == 0 { 3 } else { -1 }, "adjustment").await.0 }
    });
    let (bought, adjusted) = futures::join!(join_all(buyers), join_all(adjustments));
    assert!(bought.iter().all(|s| *s == 200), "every buyer checked out: {bought:?}");
    assert!(adjusted.iter().all(|s| *s == 200), "every adjustment applied: {adjusted:?}");
    let expected = 60 - 12 * 2 + 6 * 3 - 6;
    assert_eq!(stock_of(&app, variant_id).await, expected);
    let moved = scalar(&app, &format!("SELECT COALESCE(SUM(delta), 0) FROM stock_movements WHERE variant_id = {variant_id}")).await;
    assert_eq!(moved, expected, "stock == the sum of its movements (the first is the starting restock)");
    let last_after =
        scalar(&app, &format!("SELECT stock_after FROM stock_movements WHERE variant_id = {variant_id} ORDER BY id DESC LIMIT 1")).await;
    assert_eq!(last_after, expected, "the last movement left the stock there is");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM stock_movements WHERE variant_id = {variant_id} AND reason = 'sale' AND order_id IS NOT NULL")).await, 12);

    // Below zero is refused with the figure, and changes nothing.
    let (status, body) = adjust(&app, &staff, variant_id, -(i32::try_from(expected).expect("small") + 1), "adjustment").await;
    field_error(status, &body, "quantity");
    assert_eq!(stock_of(&app, variant_id).await, expected);
    let (status, body) = adjust(&app, &staff, variant_id, -1, "restock").await;
    field_error(status, &body, "quantity");
    let (status, body) = adjust(&app, &staff, variant_id, 1, "sale").await;
    field_error(status, &body, "reason");

    // A cancellation puts stock back as its own movement.
    let client = customer(&app, "ledger-cancel@example.com").await;
    assert_eq!(add(&app, &client, "LEDGER-1", 1).await.0, 200);
    let (_, order) = checkout(&app, &client, "ledger-cancel", test_cards::SUCCESS).await;
    let (status, _) = app.post_json_as(&client, "/api/orders/cancel", json!({ "id": order })).await;
    assert_eq!(status, 200);
    assert_eq!(stock_of(&app, variant_id).await, expected);
    assert_eq!(
        scalar(&app, &format!("SELECT COUNT(*) FROM stock_movements WHERE variant_id = {variant_id} AND reason = 'cancellation' AND delta = 1 AND order_id = {order}")).await,
        1
    );
}

async fn low_stock_alerts_are_raised_once_per_crossing_live_and_resolved(app: TestApp) {
    let staff = admin(&app).await;
    let product = new_product(&app, &staff, "Signal Tee", "northwind-goods").await;
    let variant = new_variant(&app, &staff, product["id"].as_i64().expect("id"), "SIGNAL-1", 7, 5).await;
    let variant_id = variant["id"].as_i64().expect("variant id");
    assert_eq!(all_alerts(&app, variant_id).await, 0, "7 is above the threshold of 5");

    let watcher = Visitor::sign_in(&app, crate::admin::ADMIN_EMAIL, crate::admin::ADMIN_PASSWORD).await;
    let mut socket = watcher.socket(&app).await;
    subscribed(&mut socket, "catalog").await;

    assert_eq!(buy(&app, "signal1@example.com", "SIGNAL-1", 3).await, 200);
    assert_eq!(open_alerts(&app, variant_id).await, 1, "7 → 4 crosses the threshold");
    let raised = alert_event(&mut socket, variant_id).await;
    assert_eq!((raised["status"].as_str(), raised["stock"].as_i64()), (Some("open"), Some(4)), "{raised}");
    let (_, list) = app.post_json_as(&staff, "/api/stock/alerts", json!({})).await;
    assert!(list["alerts"].as_array().expect("alerts").iter().any(|a| a["variant"] == variant_id), "{list}");

    assert_eq!(buy(&app, "signal2@example.com", "SIGNAL-1", 1).await, 200);
    assert_eq!(all_alerts(&app, variant_id).await, 1, "still low: the same crossing raises nothing new");

    assert_eq!(adjust(&app, &staff, variant_id, 10, "restock").await.0, 200);
    assert_eq!(open_alerts(&app, variant_id).await, 0, "back above the threshold: resolved");
    let resolved = alert_event(&mut socket, variant_id).await;
    assert_eq!(resolved["status"], "resolved", "{resolved}");

    assert_eq!(adjust(&app, &staff, variant_id, -10, "adjustment").await.0, 200);
    assert_eq!((open_alerts(&app, variant_id).await, all_alerts(&app, variant_id).await), (1, 2), "a second crossing, a second alert");
    let alert_id = scalar(&app, &format!("SELECT id FROM stock_alerts WHERE variant_id = {variant_id} AND status = 'open'")).await;
    let (status, body) = app.post_json_as(&staff, "/api/stock/alerts/dismiss", json!({ "id": alert_id })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(open_alerts(&app, variant_id).await, 0);
    assert_eq!(adjust(&app, &staff, variant_id, -1, "adjustment").await.0, 200);
    assert_eq!(all_alerts(&app, variant_id).await, 2, "dismissed stays dismissed while still low");
    let (status, _) = app.post_json_as(&staff, "/api/stock/alerts/dismiss", json!({ "id": alert_id })).await;
    assert_eq!(status, 404, "an alert already closed is not dismissed twice");
}

/// The next `STOCK_CHANGED` for `variant` that carries an alert.
async fn alert_event(socket: &mut Socket, variant: i64) -> Value {
    loop {
        if let ServerMessage::Event(event) = next(socket).await {
            if let EventBody::StockChanged(change) = event.body {
                if i64::from(change.variant) == variant {
                    if let Some(alert) = change.alert {
                        return serde_json::to_value(alert).expect("JSON");
                    }
                }
            }
        }
    }
}

async fn sellers_reach_only_their_own_products(app: TestApp) {
    let staff = admin(&app).await;
    let own = new_product(&app, &staff, "Northwind Scope Tee", "northwind-goods").await;
    let others = new_product(&app, &staff, "Harbor Scope Tee", "harbor-pine").await;
    let others_id = others["id"].as_i64().expect("id");
    let others_variant = new_variant(&app, &staff, others_id, "HARBOR-SCOPE", 3, 5).await["id"].as_i64().expect("variant");
    let own_variant = new_variant(&app, &staff, own["id"].as_i64().expect("id"), "NORTH-SCOPE", 3, 5).await["id"].as_i64().expect("variant");
    let others_alert = scalar(&app, &format!("SELECT id FROM stock_alerts WHERE variant_id = {others_variant}")).await;
    let category = id_of(&app, "categories", "t-shirts").await;
    let harbor = id_of(&app, "sellers", "harbor-pine").await;

    let seller = seller(&app).await;
    let (status, list) = app.post_json_as(&seller, "/api/products/list", json!({ "query": { "q": "scope tee" } })).await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["products"].as_array().expect("products").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["Northwind Scope Tee"], "a seller lists only their own products");
    let (_, alerts) = app.post_json_as(&seller, "/api/stock/alerts", json!({})).await;
    assert!(alerts["alerts"].as_array().expect("alerts").iter().all(|a| a["variant"] != others_variant), "{alerts}");
    assert!(alerts["alerts"].as_array().expect("alerts").iter().any(|a| a["variant"] == own_variant), "{alerts}");

    let not_found = [
        ("/api/products/get", json!({ "id": others_id })),
        ("/api/products/save", json!({ "id": others_id, "draft": { "name": "Mine now", "category": category } })),
        (
            "/api/products/variant",
            json!({ "product": others_id, "draft": { "sku": "STEAL-1", "label": "M", "price_cents": 1, "low_stock_threshold": 1 } }),
        ),
        (
            "/api/products/variant",
            json!({ "product": others_id, "id": others_variant, "draft": { "sku": "HARBOR-SCOPE", "label": "M", "price_cents": 1, "low_stock_threshold": 1 } }),
        ),
        ("/api/stock/adjust", json!({ "variant": others_variant, "quantity": 5, "reason": "restock" })),
        ("/api/stock/movements", json!({ "variant": others_variant })),
        ("/api/stock/alerts/dismiss", json!({ "id": others_alert })),
    ];
    for (path, body) in &not_found {
        let (status, answer) = app.post_json_as(&seller, path, body.clone()).await;
        assert_eq!(status, 404, "{path} {body}: {answer}");
    }
    // Selling as another seller is refused, and nothing changed.
    let (status, body) = app
        .post_json_as(&seller, "/api/products/save", json!({ "draft": { "name": "Sneaky", "category": category, "seller": harbor } }))
        .await;
    field_error(status, &body, "seller");
    assert_eq!(stock_of(&app, others_variant).await, 3);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM products WHERE id = {others_id} AND name = 'Harbor Scope Tee'")).await, 1);

    // A seller's own product: created as theirs, restocked by them.
    let (status, mine) = app.post_json_as(&seller, "/api/products/save", json!({ "draft": { "name": "Seller Made Tee", "category": category } })).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["draft"]["seller"], id_of(&app, "sellers", "northwind-goods").await);
    assert_eq!(adjust(&app, &seller, own_variant, 5, "restock").await.0, 200);
    assert_eq!(open_alerts(&app, own_variant).await, 0, "8 is above 5: the seller's restock resolved it");

    let shopper = customer(&app, "scope-shopper@example.com").await;
    let anonymous = app.session_client();
    for path in ["/api/products/list", "/api/stock/alerts"] {
        assert_eq!(app.post_json_as(&shopper, path, json!({})).await.0, 403, "{path} for a customer");
        assert_eq!(app.post_json_as(&anonymous, path, json!({})).await.0, 401, "{path} signed out");
    }
}

async fn sellers_may_subscribe_only_to_their_own_topic(app: TestApp) {
    let northwind = id_of(&app, "sellers", "northwind-goods").await;
    let harbor = id_of(&app, "sellers", "harbor-pine").await;
    let seller = Visitor::sign_in(&app, SELLER_EMAIL, SELLER_PASSWORD).await;
    let mut socket = seller.socket(&app).await;
    subscribed(&mut socket, &format!("seller:{northwind}")).await;
    for topic in [format!("seller:{harbor}"), "catalog".to_string()] {
        subscribe(&mut socket, &topic, None).await;
        refused(next(&mut socket).await, &topic);
    }
}

async fn sellers_see_only_their_own_order_lines(app: TestApp) {
    let staff = admin(&app).await;
    let own = new_product(&app, &staff, "Northwind Line Tee", "northwind-goods").await["id"].as_i64().expect("id");
    let others = new_product(&app, &staff, "Harbor Line Tee", "harbor-pine").await["id"].as_i64().expect("id");
    new_variant(&app, &staff, own, "NORTH-LINE", 10, 0).await;
    new_variant(&app, &staff, others, "HARBOR-LINE", 10, 0).await;
    let client = customer(&app, "two-sellers@example.com").await;
    assert_eq!(add(&app, &client, "NORTH-LINE", 2).await.0, 200);
    assert_eq!(add(&app, &client, "HARBOR-LINE", 1).await.0, 200);
    assert_eq!(checkout(&app, &client, "two-sellers", test_cards::SUCCESS).await.0, 200);

    let seller = seller(&app).await;
    let (status, orders) = app.post_json_as(&seller, "/api/seller/orders", json!({})).await;
    assert_eq!(status, 200, "{orders}");
    let skus: Vec<&str> = orders["lines"].as_array().expect("lines").iter().filter_map(|l| l["sku"].as_str()).collect();
    assert!(skus.contains(&"NORTH-LINE"), "{orders}");
    assert!(!skus.iter().any(|s| s.starts_with("HARBOR")), "only the seller's own lines: {orders}");
    let seeded_units = scalar(
        &app,
        "SELECT COALESCE(SUM(i.quantity), 0) FROM order_items i JOIN orders o ON o.id = i.order_id JOIN variants v ON v.id = i.variant_id \
         JOIN products p ON p.id = v.product_id JOIN sellers s ON s.id = p.seller_id \
         WHERE s.slug = 'northwind-goods' AND o.status IN ('CONFIRMED', 'SHIPPED', 'DELIVERED')",
    )
    .await;
    assert_eq!(orders["units"].as_i64(), Some(seeded_units), "units sold over paid orders: {orders}");
    assert!(seeded_units >= 2);
    assert_eq!(app.post_json_as(&client, "/api/seller/orders", json!({})).await.0, 403);
}

on_both_backends!(
    sellers_see_only_their_own_order_lines,
    products_and_variants_are_validated_field_by_field,
    a_new_product_is_on_the_storefront_and_its_stock_is_a_restock,
    sales_adjustments_and_cancellations_are_movements_that_add_up,
    low_stock_alerts_are_raised_once_per_crossing_live_and_resolved,
    sellers_reach_only_their_own_products,
    sellers_may_subscribe_only_to_their_own_topic,
);

/// A real 1×1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63,
    0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
    0xAE, 0x42, 0x60, 0x82,
];

async fn upload(app: &TestApp, client: &Client, product: i64, name: &str, bytes: Vec<u8>, content_type: &str) -> (u16, Value) {
    post_image(app, client, &format!("/api/products/{product}/images"), name, bytes, content_type).await
}

/// Posts a file as the multipart field `image` (and an alt text) to `path`.
pub(crate) async fn post_image(app: &TestApp, client: &Client, path: &str, name: &str, bytes: Vec<u8>, content_type: &str) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(content_type).expect("mime");
    let form = reqwest::multipart::Form::new().part("image", part).text("alt", "A test image");
    let response = client
        .post(format!("{}{path}", app.base))
        .header("origin", &app.base)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn images_are_checked_by_content_stored_and_served(app: TestApp) {
    let staff = admin(&app).await;
    let product = new_product(&app, &staff, "Picture Tee", "harbor-pine").await["id"].as_i64().expect("id");
    let (status, image) = upload(&app, &staff, product, "tee.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 201, "{image}");
    let url = image["url"].as_str().expect("url").to_string();
    assert!(url.starts_with("/media/") && url.ends_with(".png"), "{url}");
    let served = app.session_client().get(format!("{}{url}", app.base)).send().await.expect("GET image");
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PNG);

    // An executable named like a picture, and an SVG, are refused: nothing stored.
    let mut disguised = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec();
    disguised.extend(std::iter::repeat_n(0u8, 200));
    let (status, body) = upload(&app, &staff, product, "holiday.png", disguised, "image/png").await;
    field_error(status, &body, "image");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>".to_vec();
    let (status, body) = upload(&app, &staff, product, "logo.svg", svg, "image/svg+xml").await;
    field_error(status, &body, "image");
    let mut huge = PNG.to_vec();
    huge.extend(std::iter::repeat_n(0u8, 6 * 1024 * 1024));
    let (status, body) = upload(&app, &staff, product, "huge.png", huge, "image/png").await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM product_images WHERE product_id = {product}")).await, 1);

    // Alt text, order, removal; a seller cannot touch another seller's images.
    let image_id = image["id"].as_i64().expect("image id");
    let seller = seller(&app).await;
    let (status, _) = upload(&app, &seller, product, "tee.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 404, "another seller's product");
    for (path, body) in [
        ("/api/products/images/alt", json!({ "id": image_id, "alt": "Mine" })),
        ("/api/products/images/move", json!({ "id": image_id, "earlier": true })),
        ("/api/products/images/delete", json!({ "id": image_id })),
    ] {
        assert_eq!(app.post_json_as(&seller, path, body).await.0, 404, "{path}");
    }
    let (status, body) = app.post_json_as(&staff, "/api/products/images/alt", json!({ "id": image_id, "alt": "A blue tee, folded" })).await;
    assert_eq!((status, body["alt"].as_str()), (200, Some("A blue tee, folded")), "{body}");
    let (status, second) = upload(&app, &staff, product, "again.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["id"].as_i64().expect("id");
    assert_eq!(app.post_json_as(&staff, "/api/products/images/move", json!({ "id": second_id, "earlier": true })).await.0, 200);
    let (_, detail) = app.post_json_as(&staff, "/api/products/get", json!({ "id": product })).await;
    assert_eq!(detail["images"][0]["id"].as_i64(), Some(second_id), "moved first: {detail}");
    assert_eq!(app.post_json_as(&staff, "/api/products/images/delete", json!({ "id": image_id })).await.0, 200);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM product_images WHERE product_id = {product}")).await, 1);
    let (status, _) = upload(&app, &app.session_client(), product, "tee.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 401);
}

on_both_backends!(images_are_checked_by_content_stored_and_served);
