//! `server seed-orders N`: made-up order history on a demo database,
//! through the library function the subcommand calls.

use crate::helpers::{for_both_backends, on_both_backends, Backend, TestApp};
use app::entity::{order, order_item, user};
use app::orders::status::OrderStatus;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use server::config::SeedMode;
use server::seed::orders::{seed_orders, SeedOrdersError, CUSTOMER_COUNT};
use std::collections::{HashMap, HashSet};

/// Orders per run: enough for several statuses, few enough to be quick.
const ORDERS: usize = 300;

/// The orders with ids above `after`, and their items by order id.
async fn orders_after(app: &TestApp, after: i32) -> (Vec<order::Model>, HashMap<i32, Vec<order_item::Model>>) {
    let orders = order::Entity::find()
        .filter(order::Column::Id.gt(after))
        .order_by_asc(order::Column::Id)
        .all(&app.db)
        .await
        .expect("orders");
    let mut items: HashMap<i32, Vec<order_item::Model>> = HashMap::new();
    for item in order_item::Entity::find()
        .filter(order_item::Column::OrderId.gt(after))
        .all(&app.db)
        .await
        .expect("items")
    {
        items.entry(item.order_id).or_default().push(item);
    }
    (orders, items)
}

async fn order_count(app: &TestApp) -> u64 {
    order::Entity::find().count(&app.db).await.expect("count orders")
}

fn last_id(orders: &[order::Model]) -> i32 {
    orders.iter().map(|o| o.id).max().unwrap_or(0)
}

async fn seeded_orders_are_consistent_and_deterministic(app: TestApp) {
    let (before, _) = orders_after(&app, 0).await;
    let users_before = user::Entity::find().count(&app.db).await.expect("count users");

    let report = seed_orders(&app.db, ORDERS, false).await.expect("first run");
    assert_eq!((report.orders, report.customers, report.customers_created), (ORDERS, CUSTOMER_COUNT, CUSTOMER_COUNT));
    assert_eq!(order_count(&app).await, (before.len() + ORDERS) as u64);
    let users_after = user::Entity::find().count(&app.db).await.expect("count users");
    assert_eq!(users_after, users_before + CUSTOMER_COUNT as u64);

    let (first, items) = orders_after(&app, last_id(&before)).await;
    assert_eq!(first.len(), ORDERS);
    assert_eq!(items.values().map(Vec::len).sum::<usize>(), report.items);
    let mut statuses = HashSet::new();
    for o in &first {
        let lines = items.get(&o.id).map(Vec::as_slice).unwrap_or_default();
        assert!(!lines.is_empty(), "order {} has no items", o.id);
        let sum: i64 = lines.iter().map(|i| i.unit_price_cents * i64::from(i.quantity)).sum();
        assert_eq!(o.subtotal_cents, sum, "order {}", o.id);
        assert_eq!(o.total_cents, o.subtotal_cents + o.shipping_cents, "order {}", o.id);
        assert_eq!(o.request_fingerprint, "seed");
        assert!(o.idempotency_key.starts_with("seed-") && o.payment_reference == o.idempotency_key);
        assert!(o.created_at <= o.updated_at, "order {}", o.id);
        match o.status {
            OrderStatus::Delivered => {
                let (shipped, delivered) = (o.shipped_at.expect("shipped_at"), o.delivered_at.expect("delivered_at"));
                assert!(shipped <= delivered, "order {}", o.id);
                assert_eq!(o.updated_at, delivered);
                assert!(o.tracking_number.is_some());
            }
            OrderStatus::Shipped => assert!(o.shipped_at.is_some() && o.delivered_at.is_none() && o.tracking_number.is_some()),
            OrderStatus::Cancelled => assert!(o.cancelled_at.is_some() && o.shipped_at.is_none()),
            OrderStatus::Confirmed => assert!(o.confirmed_at.is_some() && o.shipped_at.is_none()),
            OrderStatus::Pending => assert!(o.confirmed_at.is_none() && o.cancelled_at.is_none()),
        }
        statuses.insert(o.status);
    }
    assert!(statuses.len() >= 3, "statuses seen: {statuses:?}");

    // A second run reuses the customers and adds the same orders again.
    let again = seed_orders(&app.db, ORDERS, false).await.expect("second run");
    assert_eq!(again.customers_created, 0);
    assert_eq!(user::Entity::find().count(&app.db).await.expect("count users"), users_after);
    let (second, _) = orders_after(&app, last_id(&first)).await;
    assert_eq!(second.len(), ORDERS);
    let totals = |orders: &[order::Model]| orders.iter().map(|o| o.total_cents).sum::<i64>();
    assert_eq!(totals(&second), totals(&first));
    assert_eq!(again.items, report.items);
}

async fn seeding_orders_needs_a_catalog(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.seed = SeedMode::None).await;
    let refused = seed_orders(&app.db, 10, false).await;
    assert!(matches!(refused, Err(SeedOrdersError::EmptyCatalog)), "{refused:?}");
    assert!(refused.is_err_and(|e| e.to_string().contains("demo data")));
    assert_eq!(order_count(&app).await, 0);
}

on_both_backends!(seeded_orders_are_consistent_and_deterministic);
for_both_backends!(seeding_orders_needs_a_catalog);
