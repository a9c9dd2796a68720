//! Categories for admins over HTTP: created with a slug made from the
//! name, unique slugs, renames and moves that show on the storefront at
//! once, no cycles, deletion refused while products or subcategories are
//! in it, images set, shown and taken away, and only admins allowed.

use crate::admin::admin;
use crate::checkout::{customer, scalar};
use crate::helpers::{on_both_backends, TestApp};
use crate::inventory::{post_image, seller, PNG};
use reqwest::Client;
use serde_json::{json, Value};

async fn id_of(app: &TestApp, slug: &str) -> i64 {
    scalar(app, &format!("SELECT id FROM categories WHERE slug = '{slug}'")).await
}

async fn save(app: &TestApp, client: &Client, id: Option<i64>, draft: Value) -> (u16, Value) {
    app.post_json_as(client, "/api/admin/categories/save", json!({ "id": id, "draft": draft })).await
}

/// Creates a category from `draft`, expecting success.
async fn create(app: &TestApp, client: &Client, draft: Value) -> Value {
    let (status, body) = save(app, client, None, draft.clone()).await;
    assert_eq!(status, 200, "create {draft}: {body}");
    body
}

/// The storefront's category tree, by slug.
async fn storefront(app: &TestApp, slug: &str) -> Option<Value> {
    let (status, body) = app.post_json("/api/catalog/categories", json!({})).await;
    assert_eq!(status, 200, "{body}");
    body["categories"].as_array().expect("categories").iter().find(|c| c["slug"] == slug).cloned()
}

fn refused_on(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], field, "{body}");
}

async fn creating_makes_a_slug_and_shows_on_the_storefront(app: TestApp) {
    let admin = admin(&app).await;
    let clothing = id_of(&app, "clothing").await;
    let row = create(&app, &admin, json!({ "name": "  Rain Jackets ", "description": "Dry in a downpour.", "parent": clothing })).await;
    assert_eq!(row["slug"], "rain-jackets");
    assert_eq!(row["name"], "Rain Jackets");
    assert_eq!(row["parent"], clothing);
    assert_eq!(row["depth"], 1);
    assert_eq!(row["products"], 0);
    let shown = storefront(&app, "rain-jackets").await.expect("on the storefront");
    assert_eq!(shown["parent_id"], clothing);
    assert_eq!(shown["description"], "Dry in a downpour.");
    let (status, page) = app.get("/c/rain-jackets").await;
    assert_eq!(status, 200);
    assert!(page.contains("Rain Jackets"), "the category page names it");
    let (status, list) = app.post_json_as(&admin, "/api/admin/categories/list", json!({})).await;
    assert_eq!(status, 200, "{list}");
    let rows = list["categories"].as_array().expect("rows");
    let lighting = rows.iter().find(|c| c["slug"] == "lighting").expect("lighting listed");
    assert!(lighting["products"].as_u64().expect("a count") > 0, "{lighting}");
    // Tree order: every child comes after its parent.
    let position = |id: &Value| rows.iter().position(|c| &c["id"] == id);
    for row in rows.iter().filter(|c| !c["parent"].is_null()) {
        assert!(position(&row["parent"]) < position(&row["id"]), "{row} after its parent");
    }
    let events = scalar(&app, "SELECT COUNT(*) FROM events WHERE kind = 'CATEGORY_CHANGED'").await;
    assert_eq!(events, 1);
}

async fn slugs_are_unique_and_checked(app: TestApp) {
    let admin = admin(&app).await;
    let (status, body) = save(&app, &admin, None, json!({ "name": "Lighting" })).await;
    refused_on(status, &body, "slug");
    assert!(body["Validation"]["message"].as_str().expect("message").contains("already uses"), "{body}");
    let (status, body) = save(&app, &admin, None, json!({ "name": "Lamps", "slug": "cookware" })).await;
    refused_on(status, &body, "slug");
    let (status, body) = save(&app, &admin, None, json!({ "name": "Lamps", "slug": "Not A Slug" })).await;
    refused_on(status, &body, "slug");
    let (status, body) = save(&app, &admin, None, json!({ "name": "  " })).await;
    refused_on(status, &body, "name");
    let (status, body) = save(&app, &admin, None, json!({ "name": "Lamps", "parent": 999_999 })).await;
    refused_on(status, &body, "parent");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM categories WHERE name = 'Lamps'").await, 0);
}

async fn renames_and_moves_show_on_the_storefront_at_once(app: TestApp) {
    let admin = admin(&app).await;
    let lighting = id_of(&app, "lighting").await;
    let outdoors = id_of(&app, "outdoors").await;
    let (status, row) =
        save(&app, &admin, Some(lighting), json!({ "name": "Lamps & Lights", "slug": "lighting", "description": "Warm light." })).await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["parent"], Value::Null, "no parent: moved to the top level");
    let shown = storefront(&app, "lighting").await.expect("still listed");
    assert_eq!(shown["name"], "Lamps & Lights");
    assert_eq!(shown["parent_id"], Value::Null);
    let (status, row) = save(&app, &admin, Some(lighting), json!({ "name": "Lamps & Lights", "slug": "lamps", "parent": outdoors })).await;
    assert_eq!(status, 200, "{row}");
    let shown = storefront(&app, "lamps").await.expect("listed under its new slug");
    assert_eq!(shown["parent_id"], outdoors);
    assert!(storefront(&app, "lighting").await.is_none());
    // The products came along: the new parent's listing includes them.
    let listed = app.search(json!({ "category": "outdoors" })).await;
    let lamps = app.search(json!({ "category": "lamps" })).await;
    assert!(lamps["total"].as_u64().expect("total") > 0, "{lamps}");
    assert!(listed["total"].as_u64() >= lamps["total"].as_u64(), "{listed}");
}

async fn cycles_are_refused(app: TestApp) {
    let admin = admin(&app).await;
    let home = id_of(&app, "home-kitchen").await;
    let lighting = id_of(&app, "lighting").await;
    let desk = create(&app, &admin, json!({ "name": "Desk Lamps", "parent": lighting })).await;
    let (status, body) = save(&app, &admin, Some(home), json!({ "name": "Home & Kitchen", "slug": "home-kitchen", "parent": home })).await;
    refused_on(status, &body, "parent");
    assert!(body["Validation"]["message"].as_str().expect("message").contains("its own parent"), "{body}");
    for below in [lighting, desk["id"].as_i64().expect("id")] {
        let (status, body) =
            save(&app, &admin, Some(home), json!({ "name": "Home & Kitchen", "slug": "home-kitchen", "parent": below })).await;
        refused_on(status, &body, "parent");
        assert!(body["Validation"]["message"].as_str().expect("message").contains("subcategories"), "{body}");
    }
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM categories WHERE id = {home} AND parent_id IS NULL")).await, 1);
}

async fn deleting_waits_until_the_category_is_empty(app: TestApp) {
    let admin = admin(&app).await;
    let lighting = id_of(&app, "lighting").await;
    let products = scalar(&app, &format!("SELECT COUNT(*) FROM products WHERE category_id = {lighting}")).await;
    let (status, body) = app.post_json_as(&admin, "/api/admin/categories/delete", json!({ "id": lighting })).await;
    assert_eq!(status, 409, "{body}");
    let message = body["Conflict"].as_str().expect("a message");
    assert!(message.contains(&format!("{products} products")) && message.contains("move"), "{message}");
    let home = id_of(&app, "home-kitchen").await;
    let (status, body) = app.post_json_as(&admin, "/api/admin/categories/delete", json!({ "id": home })).await;
    assert_eq!(status, 409, "a parent with subcategories stays: {body}");
    let empty = create(&app, &admin, json!({ "name": "Short Lived", "parent": lighting })).await;
    let (status, body) = app.post_json_as(&admin, "/api/admin/categories/delete", json!({ "id": empty["id"] })).await;
    assert_eq!(status, 200, "{body}");
    assert!(storefront(&app, "short-lived").await.is_none());
    let (status, _) = app.post_json_as(&admin, "/api/admin/categories/delete", json!({ "id": empty["id"] })).await;
    assert_eq!(status, 404);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM events WHERE kind = 'CATEGORY_CHANGED'").await, 2);
}

async fn only_admins_manage_categories(app: TestApp) {
    let shopper = customer(&app, "shopper@example.com").await;
    let guest = app.session_client();
    let lighting = id_of(&app, "lighting").await;
    for (path, body) in [
        ("/api/admin/categories/list", json!({})),
        ("/api/admin/categories/save", json!({ "draft": { "name": "Mine" } })),
        ("/api/admin/categories/delete", json!({ "id": lighting })),
        ("/api/admin/categories/image/remove", json!({ "id": lighting })),
    ] {
        assert_eq!(app.post_json_as(&guest, path, body.clone()).await.0, 401, "{path} signed out");
        assert_eq!(app.post_json_as(&shopper, path, body).await.0, 403, "{path} as a customer");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM categories WHERE name = 'Mine'").await, 0);
    assert!(storefront(&app, "lighting").await.is_some());
}

async fn images_show_on_the_category_page(app: TestApp) {
    let admin = admin(&app).await;
    let lighting = id_of(&app, "lighting").await;
    let path = format!("/api/categories/{lighting}/image");
    let (status, row) = post_image(&app, &admin, &path, "lamps.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 200, "{row}");
    let url = row["image"].as_str().expect("an image").to_string();
    assert!(url.starts_with("/media/") && url.ends_with(".png"), "{url}");
    assert_eq!(storefront(&app, "lighting").await.expect("listed")["image"], url.as_str());
    let (status, page) = app.get("/c/lighting").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!(r#"src="{url}""#)), "the category page shows its image");
    let served = app.session_client().get(format!("{}{url}", app.base)).send().await.expect("GET image");
    assert_eq!(served.status().as_u16(), 200);

    // Refused: not an image, no file, a seller, a customer, nobody, no such category.
    let (status, body) = post_image(&app, &admin, &path, "lamps.png", b"MZ\x90\x00 not a picture".to_vec(), "image/png").await;
    refused_on(status, &body, "image");
    let (status, _) = post_image(&app, &seller(&app).await, &path, "lamps.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 403, "a seller");
    let (status, _) = post_image(&app, &customer(&app, "shopper@example.com").await, &path, "lamps.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 403, "a customer");
    let (status, _) = post_image(&app, &app.session_client(), &path, "lamps.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 401, "signed out");
    let (status, _) = post_image(&app, &admin, "/api/categories/999999/image", "lamps.png", PNG.to_vec(), "image/png").await;
    assert_eq!(status, 404, "no such category");
    assert_eq!(storefront(&app, "lighting").await.expect("listed")["image"], url.as_str(), "unchanged by the refusals");

    let (status, row) = app.post_json_as(&admin, "/api/admin/categories/image/remove", json!({ "id": lighting })).await;
    assert_eq!((status, &row["image"]), (200, &Value::Null), "{row}");
    let (_, page) = app.get("/c/lighting").await;
    assert!(!page.contains(&url), "the image is gone from the page");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM events WHERE kind = 'CATEGORY_CHANGED'").await, 2);
}

on_both_backends!(
    images_show_on_the_category_page,
    creating_makes_a_slug_and_shows_on_the_storefront,
    slugs_are_unique_and_checked,
    renames_and_moves_show_on_the_storefront_at_once,
    cycles_are_refused,
    deleting_waits_until_the_category_is_empty,
    only_admins_manage_categories,
);
