//! The catalog over HTTP: server-rendered pages and the JSON endpoints.

use crate::helpers::{on_both_backends, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

fn products(results: &Value) -> &Vec<Value> {
    results["products"].as_array().expect("products array")
}

fn total(results: &Value) -> u64 {
    results["total"].as_u64().expect("total")
}

fn price(card: &Value) -> i64 {
    card["price"]["cents"].as_i64().expect("price cents")
}

fn names(results: &Value) -> Vec<String> {
    products(results).iter().map(|p| p["name"].as_str().unwrap_or_default().to_string()).collect()
}

async fn home_page_is_server_rendered_with_featured_products(app: TestApp) {
    let (status, body) = app.post_json("/api/catalog/home", json!({})).await;
    assert_eq!(status, 200);
    let featured = body["featured"].as_array().expect("featured array");
    assert_eq!(featured.len(), 8);

    let (status, html) = app.get("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Featured products"));
    for card in featured {
        let name = card["name"].as_str().expect("name");
        assert!(html.contains(name), "home page HTML lacks featured product {name}");
    }
    assert!(html.contains(r#"<label for="search-q""#) && html.contains(">Search products<"));
}

async fn full_text_search_ranks_name_matches_first(app: TestApp) {
    let results = app.search(json!({ "text": "lamp" })).await;
    assert!(total(&results) > 0);
    let first = &names(&results)[0];
    assert!(first.to_lowercase().contains("lamp"), "best match for lamp was {first}");

    // Words anywhere in name, tags or description count; every word must match.
    let narrower = app.search(json!({ "text": "lamp brass" })).await;
    assert!(total(&narrower) <= total(&results));
    let nothing = app.search(json!({ "text": "zzzqqqxx" })).await;
    assert_eq!(total(&nothing), 0);
    // Query syntax in the input is treated as plain words, never an error.
    let odd = app.search(json!({ "text": "\"lamp\" OR * NEAR( -" })).await;
    assert!(total(&odd) <= total(&app.search(json!({})).await));
}

async fn search_index_follows_product_edits(app: TestApp) {
    app.db
        .execute(Statement::from_string(
            app.db.get_database_backend(),
            "UPDATE products SET name = 'Quixotic Zeppelin' WHERE id = (SELECT MIN(id) FROM products)",
        ))
        .await
        .expect("rename a product");
    let results = app.search(json!({ "text": "zeppelin" })).await;
    assert_eq!(names(&results), ["Quixotic Zeppelin"]);
}

async fn category_filter_includes_subcategories(app: TestApp) {
    let parent = total(&app.search(json!({ "category": "home-kitchen" })).await);
    let mut children = 0;
    for slug in ["lighting", "cookware", "furniture"] {
        let count = total(&app.search(json!({ "category": slug })).await);
        assert!(count > 0, "{slug} is empty");
        children += count;
    }
    assert_eq!(parent, children);

    let (status, body) = app.post_json("/api/catalog/search", json!({ "query": { "category": "nope" } })).await;
    assert_eq!(status, 404, "{body}");
}

async fn price_range_and_sorts(app: TestApp) {
    let ascending = app
        .search(json!({ "min_price_cents": 2000, "max_price_cents": 5000, "sort": "price_asc" }))
        .await;
    let prices: Vec<i64> = products(&ascending).iter().map(price).collect();
    assert!(!prices.is_empty());
    assert!(prices.iter().all(|p| (2000..=5000).contains(p)), "{prices:?}");
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");

    let descending = app.search(json!({ "sort": "price_desc" })).await;
    let prices: Vec<i64> = products(&descending).iter().map(price).collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");

    let newest = app.search(json!({ "sort": "newest", "text": "tent" })).await;
    assert!(total(&newest) > 0);
}

async fn stock_and_rating_filters(app: TestApp) {
    let all = total(&app.search(json!({})).await);
    assert_eq!(all, 500);
    let in_stock = app.search(json!({ "in_stock": true })).await;
    assert!(total(&in_stock) < all, "the demo data has sold-out products");
    assert!(products(&in_stock).iter().all(|p| p["in_stock"] == json!(true)));

    let rated = app.search(json!({ "min_rating": 4, "sort": "rating" })).await;
    assert!(total(&rated) > 0);
    for card in products(&rated) {
        let (count, sum) = (card["rating"]["count"].as_u64().unwrap_or(0), card["rating"]["sum"].as_u64().unwrap_or(0));
        assert!(count > 0 && sum >= 4 * count, "{card}");
    }
    let averages: Vec<u64> = products(&rated)
        .iter()
        .map(|p| p["rating"]["sum"].as_u64().unwrap_or(0) * 1000 / p["rating"]["count"].as_u64().unwrap_or(1))
        .collect();
    assert!(averages.windows(2).all(|w| w[0] >= w[1]), "{averages:?}");
}

async fn pages_do_not_overlap(app: TestApp) {
    let first = slugs(&app, 1).await;
    let second = slugs(&app, 2).await;
    assert_eq!((first.len(), second.len()), (24, 24));
    assert!(first.iter().all(|slug| !second.contains(slug)), "pages 1 and 2 share products");
    let beyond = app.search(json!({ "page": 999 })).await;
    assert!(products(&beyond).is_empty());
    assert_eq!(total(&beyond), 500);
}

async fn slugs(app: &TestApp, page: u32) -> Vec<String> {
    let results = app.search(json!({ "sort": "price_asc", "page": page })).await;
    products(&results).iter().map(|p| p["slug"].as_str().unwrap_or_default().to_string()).collect()
}

async fn listing_pages_render_results_server_side(app: TestApp) {
    let results = app.search(json!({ "text": "lamp", "sort": "price_asc" })).await;
    let (status, html) = app.get("/search?q=lamp&sort=price_asc").await;
    assert_eq!(status, 200);
    assert!(html.contains("Results for \u{201c}lamp\u{201d}"));
    assert!(html.contains(&format!("{} products", total(&results))));
    for name in names(&results) {
        assert!(html.contains(&name), "search page HTML lacks {name}");
    }

    let (status, html) = app.get("/c/clothing").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Clothing"));
    let clothing = app.search(json!({ "category": "clothing" })).await;
    assert!(html.contains(&names(&clothing)[0]));
}

async fn product_page_shows_variants_and_reviews(app: TestApp) {
    let shirts = app.search(json!({ "category": "t-shirts" })).await;
    let slug = products(&shirts)[0]["slug"].as_str().expect("slug").to_string();
    let (status, product) = app.post_json("/api/catalog/product", json!({ "slug": slug })).await;
    assert_eq!(status, 200);
    let variants = product["variants"].as_array().expect("variants");
    assert_eq!(variants.len(), 4);
    let xl = variants.iter().find(|v| v["label"].as_str().is_some_and(|l| l.starts_with("XL"))).expect("XL");
    let xl_price = format!("Price: ${}.{:02}", price_of(xl) / 100, price_of(xl) % 100);

    let (status, html) = app.get(&format!("/p/{slug}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(product["name"].as_str().expect("name")));
    assert!(html.contains("Choose a variant"));
    assert!(!html.contains(&xl_price) || variants[0] == *xl);

    let sku = xl["sku"].as_str().expect("sku");
    let (status, html) = app.get(&format!("/p/{slug}?variant={sku}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&xl_price), "choosing XL shows its price");
}

fn price_of(variant: &Value) -> i64 {
    variant["price"]["cents"].as_i64().expect("variant price")
}

async fn unknown_things_are_404(app: TestApp) {
    for path in ["/p/does-not-exist", "/c/nope", "/no/such/page"] {
        let (status, html) = app.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
    let (status, body) = app.post_json("/api/catalog/product", json!({ "slug": "nope" })).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({ "NotFound": "Product" }));
}

async fn bad_parameters_fall_back(app: TestApp) {
    let (status, html) = app.get("/search?page=abc&sort=bogus").await;
    assert_eq!(status, 200);
    assert!(html.contains("Page 1 of 21"));
    let (status, html) = app.get("/search?min_price=-5").await;
    assert_eq!(status, 200);
    assert!(html.contains("Min price must be a positive amount, like 10 or 10.50; ignored."));
    let (status, html) = app.get("/search?category=nope").await;
    assert_eq!(status, 200);
    assert!(html.contains("showing all categories"));
    let (status, _) = app.get("/search?min_rating=x&max_price=1e9999").await;
    assert_eq!(status, 200);
    // Bytes that are not text are refused at the edge (see bad_input.rs).
    let (status, _) = app.get("/search?min_rating=%FF%FE").await;
    assert_eq!(status, 400);
}

async fn restart_does_not_seed_twice(app: TestApp) {
    let count = |db: &sea_orm::DatabaseConnection| {
        let db = db.clone();
        async move {
            db.query_one(Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM products"))
                .await
                .expect("count")
                .and_then(|row| row.try_get::<i64>("", "n").ok())
                .expect("a count")
        }
    };
    assert_eq!(count(&app.db).await, 500);
    server::seed::seed_demo(&app.db, server::seed::DEMO_SEED).await.expect("second seed is a no-op");
    assert_eq!(count(&app.db).await, 500);
}

on_both_backends!(
    home_page_is_server_rendered_with_featured_products,
    full_text_search_ranks_name_matches_first,
    search_index_follows_product_edits,
    category_filter_includes_subcategories,
    price_range_and_sorts,
    stock_and_rating_filters,
    pages_do_not_overlap,
    listing_pages_render_results_server_side,
    product_page_shows_variants_and_reviews,
    unknown_things_are_404,
    bad_parameters_fall_back,
    restart_does_not_seed_twice,
);

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let dir = tempfile::tempdir().expect("dir");
    let db = server::db::connect_and_migrate(&format!("sqlite://{}/x.db?mode=rwc", dir.path().display()))
        .await
        .expect("connect");
    for (pragma, expected) in [("journal_mode", "wal"), ("foreign_keys", "1")] {
        let row = db
            .query_one(Statement::from_string(db.get_database_backend(), format!("PRAGMA {pragma}")))
            .await
            .expect("pragma")
            .expect("a row");
        let value = row
            .try_get_by_index::<String>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
            .expect("value");
        assert_eq!(value, expected, "PRAGMA {pragma}");
    }
}
