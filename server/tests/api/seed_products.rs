//! `server seed-products N`: made-up products on a demo database, through
//! the library function the subcommand calls, found by the shop's search.

use crate::helpers::{for_both_backends, on_both_backends, Backend, TestApp};
use app::entity::{product, variant};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use server::config::SeedMode;
use server::seed::products::{seed_products, SeedProductsError, EDITIONS};
use std::collections::HashMap;

/// Products per run: every leaf and edition word several times over, few
/// enough to be quick.
const PRODUCTS: usize = 300;

async fn product_count(app: &TestApp) -> u64 {
    product::Entity::find().count(&app.db).await.expect("count products")
}

async fn products_after(app: &TestApp, after: i32) -> Vec<product::Model> {
    product::Entity::find()
        .filter(product::Column::Id.gt(after))
        .order_by_asc(product::Column::Id)
        .all(&app.db)
        .await
        .expect("products")
}

async fn seeded_products_are_complete_and_searchable(app: TestApp) {
    let before = products_after(&app, 0).await;
    let last_demo_id = before.iter().map(|p| p.id).max().unwrap_or(0);

    let report = seed_products(&app.db, PRODUCTS, false).await.expect("first run");
    assert_eq!(report.products, PRODUCTS);
    assert_eq!(report.numbers.0, u64::try_from(last_demo_id).expect("positive id") + 1);
    let seeded = products_after(&app, last_demo_id).await;
    assert_eq!(seeded.len(), PRODUCTS);

    let mut variants: HashMap<i32, Vec<variant::Model>> = HashMap::new();
    for v in variant::Entity::find()
        .filter(variant::Column::ProductId.gt(last_demo_id))
        .all(&app.db)
        .await
        .expect("variants")
    {
        variants.entry(v.product_id).or_default().push(v);
    }
    assert_eq!(variants.values().map(Vec::len).sum::<usize>(), report.variants);
    for p in &seeded {
        let own = variants.get(&p.id).map(Vec::as_slice).unwrap_or_default();
        assert!((1..=3).contains(&own.len()), "{} has {} variants", p.slug, own.len());
        assert_eq!(Some(p.price_cents), own.iter().map(|v| v.price_cents).min(), "{}", p.slug);
        assert!(p.active && !p.featured, "{}", p.slug);
    }

    // Edition words are in seeded names only: a search for one finds
    // exactly the seeded products whose name has it, so every one of them
    // reached the full-text index.
    let edition = EDITIONS
        .iter()
        .find(|e| seeded.iter().any(|p| p.name.ends_with(*e)))
        .expect("some name has an edition");
    let named = seeded.iter().filter(|p| p.name.split(' ').any(|w| w == *edition)).count();
    let found = app.search(json!({ "text": edition.to_lowercase() })).await;
    assert_eq!(found["total"].as_u64(), Some(named as u64), "search for {edition}");
    // …and a seeded product is found by its whole name.
    let first = &seeded[0];
    let by_name = app.search(json!({ "text": first.name })).await;
    let slugs: Vec<&str> =
        by_name["products"].as_array().expect("products").iter().filter_map(|p| p["slug"].as_str()).collect();
    assert!(slugs.contains(&first.slug.as_str()), "{} not among {slugs:?}", first.slug);

    // A second run continues the numbering: new slugs and SKUs, no clash.
    let again = seed_products(&app.db, PRODUCTS, false).await.expect("second run");
    assert!(again.numbers.0 > report.numbers.1, "{:?} after {:?}", again.numbers, report.numbers);
    assert_eq!(product_count(&app).await, (before.len() + 2 * PRODUCTS) as u64);
}

async fn seeding_products_needs_the_demo_catalog(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.seed = SeedMode::None).await;
    let refused = seed_products(&app.db, 10, false).await;
    assert!(matches!(refused, Err(SeedProductsError::NoDemoCatalog { .. })), "{refused:?}");
    assert!(refused.is_err_and(|e| e.to_string().contains("demo data")));
    assert_eq!(product_count(&app).await, 0);
}

on_both_backends!(seeded_products_are_complete_and_searchable);
for_both_backends!(seeding_products_needs_the_demo_catalog);
