//! `server seed-orders N`: a year of made-up order history, for trying out
//! and benchmarking the admin order desk.
//!
//! The orders go to [`CUSTOMER_COUNT`] generated customer accounts and buy
//! variants of the catalog already in the database (the demo catalog,
//! usually), so a catalog must exist first. Everything but the timestamps
//! comes from fixed seeds: the same `N` on the same catalog always gives the
//! same orders, and a later run reuses the customers of the first. The
//! timestamps are placed back from the moment of the run, so the newest
//! orders are always recent. Stock is not taken: this is history, not
//! checkouts.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use app::auth::Role;
use app::account::ssr::password::{self, HashingLimit, Plaintext};
use app::checkout::shipping::shipping_fee_cents;
use app::entity::{order, order_item, product, user, variant};
use app::error::AppError;
use app::money::Currency;
use app::orders::status::OrderStatus;
use chrono::{DateTime, TimeDelta, Utc};
use rand::distributions::{Alphanumeric, DistString};
use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

/// How many customer accounts the orders are spread over. They are created
/// by the first run and reused by later ones (their emails are fixed).
pub const CUSTOMER_COUNT: usize = 2_000;

/// Seed of the customers' names and addresses.
pub const CUSTOMER_SEED: u64 = 20261201;

/// Seed of the orders: who ordered, when, what, and how far each got.
pub const ORDER_SEED: u64 = 20261202;

/// The `request_fingerprint` of every seeded order. A real order holds the
/// hex SHA-256 of its checkout request, so this also tells seeded ones apart.
pub const SEED_FINGERPRINT: &str = "seed";

/// Where every seeded customer lives (the shipping fee depends on it).
const COUNTRY: &str = "US";

/// Orders per multi-row INSERT: 26 parameters each make 13,000, and their
/// at most 4 items each 2,000 items of 7, i.e. 14,000; both well under
/// SQLite's 32,766 (and PostgreSQL's 65,535).
const BATCH_SIZE: usize = 500;

/// Orders per transaction: few enough that a failure loses little, many
/// enough that SQLite does not sync after every batch.
const ORDERS_PER_TRANSACTION: usize = 5_000;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// How far back the orders go.
const HISTORY_SECS: i64 = 365 * DAY;

/// An order's age is `HISTORY_SECS × u^RECENCY_SKEW` for a uniform `u`:
/// above 1, recent weeks are busier (about a sixth of the orders fall in
/// the last month, a fortieth in the last two days).
const RECENCY_SKEW: f64 = 1.4;

/// The customer is number `CUSTOMER_COUNT × u^CUSTOMER_SKEW`: some
/// customers come back far more often than others.
const CUSTOMER_SKEW: f64 = 1.5;

/// Share of orders cancelled before they shipped.
const CANCEL_RATE: f64 = 0.05;

/// Relative odds of an order having 1, 2, 3 or 4 lines.
const LINE_COUNT_WEIGHTS: [u32; 4] = [45, 30, 15, 10];

/// Relative odds of a line's quantity being 1, 2 or 3.
const QUANTITY_WEIGHTS: [u32; 3] = [80, 15, 5];

const FIRST_NAMES: &[&str] = &[
    "Ann", "Ben", "Chloe", "Dan", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jack", "Kara", "Liam", "Maya", "Noah",
    "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wendy", "Xavier", "Yara", "Zoe", "Aaron",
    "Bella", "Carlos", "Diana", "Ethan", "Fiona", "George", "Hannah", "Isaac", "Julia", "Kevin", "Laura", "Marco",
    "Nina",
];

const LAST_NAMES: &[&str] = &[
    "Lee", "Smith", "Garcia", "Chen", "Johnson", "Patel", "Brown", "Nguyen", "Miller", "Davis", "Lopez", "Wilson",
    "Kim", "Taylor", "Thomas", "Moore", "Martin", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Rivera", "Campbell", "Mitchell", "Roberts", "Carter",
    "Phillips", "Evans", "Turner", "Torres", "Parker",
];

const STREETS: &[&str] = &[
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main", "Church", "Highland",
    "Sunset", "River", "Spring", "Willow", "Meadow", "Forest", "Ridge", "Jefferson",
];

const STREET_KINDS: &[&str] = &["St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way"];

/// City, state, the first three digits of its ZIP codes, its area code.
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Portland", "OR", "972", "503"),
    ("Seattle", "WA", "981", "206"),
    ("Austin", "TX", "787", "512"),
    ("Denver", "CO", "802", "303"),
    ("Chicago", "IL", "606", "312"),
    ("Boston", "MA", "021", "617"),
    ("Atlanta", "GA", "303", "404"),
    ("Phoenix", "AZ", "850", "602"),
    ("Minneapolis", "MN", "554", "612"),
    ("Nashville", "TN", "372", "615"),
    ("San Diego", "CA", "921", "619"),
    ("Raleigh", "NC", "276", "919"),
    ("Columbus", "OH", "432", "614"),
    ("Madison", "WI", "537", "608"),
    ("Albuquerque", "NM", "871", "505"),
    ("Pittsburgh", "PA", "152", "412"),
];

/// Why the orders could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedOrdersError {
    #[error(
        "the catalog has no variants to order: start the server once with demo data first \
         (BAZAAR_SEED=demo, the default outside production), then run seed-orders"
    )]
    EmptyCatalog,
    #[error("cannot hash the customers' password: {0}")]
    Password(AppError),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

/// What [`seed_orders`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOrdersReport {
    /// Orders inserted.
    pub orders: usize,
    /// Order items inserted.
    pub items: usize,
    /// Customers the orders went to.
    pub customers: usize,
    /// Of those, accounts created by this run (0 when an earlier run made them).
    pub customers_created: usize,
    /// Wall time, customers and catalog included.
    pub elapsed: Duration,
}

impl fmt::Display for SeedOrdersReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Seeded {} orders for {} customers in {:.1} s ({} items; {} customer accounts created)",
            self.orders,
            self.customers,
            self.elapsed.as_secs_f64(),
            self.items,
            self.customers_created
        )
    }
}

/// Inserts `count` orders with their items, creating the customer accounts
/// first if an earlier run has not. Draws a progress bar on stderr when
/// `progress` is set (and stderr is a terminal).
///
/// Orders are committed [`ORDERS_PER_TRANSACTION`] at a time, so a failure
/// part-way leaves the transactions before it in place.
pub async fn seed_orders(
    db: &DatabaseConnection,
    count: usize,
    progress: bool,
) -> Result<SeedOrdersReport, SeedOrdersError> {
    let started = Instant::now();
    let catalog = load_catalog(db).await?;
    if catalog.is_empty() {
        return Err(SeedOrdersError::EmptyCatalog);
    }
    let bar = super::progress::bar(count, progress, "orders");
    let now = Utc::now();

    bar.set_message("customers");
    let customers = generate_customers();
    let (user_ids, customers_created) = ensure_customers(db, &customers, now).await?;

    bar.set_message("orders");
    let plan = plan_orders(count, customers.len(), &catalog);
    // Keys continue after the highest order id, which every earlier seeded
    // order's key is at most: a second run never reuses a key.
    let first_number = i64::from(max_order_id(db).await?) + 1;
    let context = Context { catalog: &catalog, customers: &customers, user_ids: &user_ids, now };
    let mut items = 0;
    let numbered: Vec<(i64, &PlannedOrder)> = (first_number..).zip(&plan).collect();
    for chunk in numbered.chunks(ORDERS_PER_TRANSACTION) {
        let txn = db.begin().await?;
        for batch in chunk.chunks(BATCH_SIZE) {
            items += insert_batch(&txn, batch, &context).await?;
            bar.inc(batch.len() as u64);
        }
        txn.commit().await?;
    }
    bar.finish_and_clear();

    let report = SeedOrdersReport {
        orders: plan.len(),
        items,
        customers: customers.len(),
        customers_created,
        elapsed: started.elapsed(),
    };
    tracing::info!(orders = report.orders, items, customers_created, "seeded orders");
    Ok(report)
}

/// A variant that can be ordered, with what an order line copies from it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CatalogVariant {
    id: i32,
    product_name: String,
    label: String,
    sku: String,
    price_cents: i64,
}

/// Every variant of an active product, by id.
async fn load_catalog(db: &DatabaseConnection) -> Result<Vec<CatalogVariant>, DbErr> {
    let rows = variant::Entity::find()
        .find_also_related(product::Entity)
        .filter(product::Column::Active.eq(true))
        .order_by_asc(variant::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(v, p)| {
            p.map(|p| CatalogVariant { id: v.id, product_name: p.name, label: v.label, sku: v.sku, price_cents: v.price_cents })
        })
        .collect())
}

/// A generated customer: their account and the address they ship to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Customer {
    email: String,
    name: String,
    line1: String,
    line2: String,
    city: &'static str,
    region: &'static str,
    postal_code: String,
    phone: String,
    /// Days before the run the account was opened (before its first order).
    signed_up_days_ago: i64,
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// The index drawn from `weights`, each index as likely as its weight.
fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let mut roll = rng.gen_range(0..weights.iter().sum::<u32>());
    for (i, &weight) in weights.iter().enumerate() {
        if roll < weight {
            return i;
        }
        roll -= weight;
    }
    weights.len() - 1
}

/// The [`CUSTOMER_COUNT`] customers, the same on every run. The number in
/// each email (`ann.lee.123@example.com`) keeps them unique.
fn generate_customers() -> Vec<Customer> {
    let mut rng = ChaCha8Rng::seed_from_u64(CUSTOMER_SEED);
    (0..CUSTOMER_COUNT)
        .map(|number| {
            let first = pick(&mut rng, FIRST_NAMES);
            let last = pick(&mut rng, LAST_NAMES);
            let (city, region, zip_prefix, area_code) = pick(&mut rng, CITIES);
            let house = rng.gen_range(1..=9999);
            let street = pick(&mut rng, STREETS);
            let kind = pick(&mut rng, STREET_KINDS);
            let line2 = if rng.gen_bool(0.2) { format!("Apt {}", rng.gen_range(1..=40)) } else { String::new() };
            let zip_suffix = rng.gen_range(0..100);
            // 555-0100 to 555-0199 are reserved for fiction.
            let phone_suffix = rng.gen_range(0..100);
            Customer {
                email: format!("{}.{}.{number}@example.com", first.to_lowercase(), last.to_lowercase()),
                name: format!("{first} {last}"),
                line1: format!("{house} {street} {kind}"),
                line2,
                city,
                region,
                postal_code: format!("{zip_prefix}{zip_suffix:02}"),
                phone: format!("+1 {area_code} 555 01{phone_suffix:02}"),
                signed_up_days_ago: HISTORY_SECS / DAY + rng.gen_range(1..=400),
            }
        })
        .collect()
}

/// The user ids of `customers`, in their order, creating the accounts that
/// do not exist yet; and how many it created.
async fn ensure_customers(
    db: &DatabaseConnection,
    customers: &[Customer],
    now: DateTime<Utc>,
) -> Result<(Vec<i32>, usize), SeedOrdersError> {
    let mut ids = user_ids_by_email(db, customers).await?;
    let missing: Vec<&Customer> = customers.iter().filter(|c| !ids.contains_key(&c.email)).collect();
    if !missing.is_empty() {
        let password_hash = unguessable_password_hash().await?;
        let txn = db.begin().await?;
        for batch in missing.chunks(BATCH_SIZE) {
            let rows = batch.iter().map(|c| {
                let signed_up = now - TimeDelta::days(c.signed_up_days_ago);
                user::ActiveModel {
                    id: NotSet,
                    email: Set(c.email.clone()),
                    name: Set(c.name.clone()),
                    password_hash: Set(password_hash.clone()),
                    role: Set(Role::Customer),
                    seller_id: Set(None),
                    created_at: Set(signed_up),
                    updated_at: Set(signed_up),
                    session_generation: Set(0),
                }
            });
            user::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
        ids = user_ids_by_email(db, customers).await?;
    }
    let ordered = customers
        .iter()
        .map(|c| {
            ids.get(&c.email)
                .copied()
                .ok_or_else(|| DbErr::RecordNotFound(format!("seed-orders: customer {} was not created", c.email)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ordered, missing.len()))
}

/// Email → id of the accounts of `customers` that exist.
async fn user_ids_by_email(db: &DatabaseConnection, customers: &[Customer]) -> Result<HashMap<String, i32>, DbErr> {
    let mut ids = HashMap::with_capacity(customers.len());
    for batch in customers.chunks(BATCH_SIZE) {
        let rows: Vec<(i32, String)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Email)
            .filter(user::Column::Email.is_in(batch.iter().map(|c| c.email.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(rows.into_iter().map(|(id, email)| (email, id)));
    }
    Ok(ids)
}

/// The hash of a random password that is never shown or kept, hashed once
/// and shared by every seeded account: they look like real accounts, and
/// no one can sign in as one.
async fn unguessable_password_hash() -> Result<String, SeedOrdersError> {
    let secret = Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32);
    let limit = HashingLimit::new(1, Duration::from_secs(60));
    let hash = password::hash(&limit, Plaintext::from(secret.as_str())).await.map_err(SeedOrdersError::Password)?;
    Ok(hash.into_stored())
}

/// One order to insert, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlannedOrder {
    /// Index into the customers.
    customer: usize,
    /// Seconds between the order being placed and the run.
    age_secs: i64,
    lines: Vec<PlannedLine>,
    life: Lifecycle,
    /// Set when the order has shipped.
    tracking_number: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PlannedLine {
    /// Index into the catalog.
    variant: usize,
    quantity: i32,
}

/// How far an order got, each milestone in seconds after it was placed;
/// `None` for those not reached by the time of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lifecycle {
    status: OrderStatus,
    confirmed: Option<i64>,
    shipped: Option<i64>,
    delivered: Option<i64>,
    cancelled: Option<i64>,
}

impl Lifecycle {
    fn milestones(&self) -> impl Iterator<Item = i64> {
        [self.confirmed, self.shipped, self.delivered, self.cancelled].into_iter().flatten()
    }

    /// Every status change is a write, and every write bumps the version.
    fn version(&self) -> i32 {
        1 + self.milestones().count() as i32
    }

    /// Seconds after placing of the last change (0 for a pending order).
    fn last_change(&self) -> i64 {
        self.milestones().max().unwrap_or(0)
    }
}

/// The lifecycle of an order placed `age_secs` before the run: confirmed
/// within minutes (sometimes a day or so), shipped 1–3 days after, delivered
/// 1–7 days after that, unless it is among the [`CANCEL_RATE`] cancelled
/// before shipping. Milestones still in the future are left out, so recent
/// orders are pending, confirmed or shipped and older ones mostly delivered.
fn lifecycle(rng: &mut ChaCha8Rng, age_secs: i64) -> Lifecycle {
    let confirmed =
        if rng.gen_bool(0.8) { rng.gen_range(MINUTE..=45 * MINUTE) } else { rng.gen_range(2 * HOUR..=36 * HOUR) };
    let shipped = confirmed + rng.gen_range(DAY..=3 * DAY);
    let delivered = shipped + rng.gen_range(DAY..=7 * DAY);
    let cancelled = rng.gen_bool(CANCEL_RATE).then(|| rng.gen_range(5 * MINUTE..shipped - HOUR));
    let reached = |at: i64| (at <= age_secs).then_some(at);
    if let Some(cancelled) = cancelled.and_then(reached) {
        return Lifecycle {
            status: OrderStatus::Cancelled,
            confirmed: Some(confirmed).filter(|&at| at < cancelled),
            shipped: None,
            delivered: None,
            cancelled: Some(cancelled),
        };
    }
    let confirmed = reached(confirmed);
    // An order that will be cancelled later has not shipped.
    let shipped = if cancelled.is_some() { None } else { confirmed.and(reached(shipped)) };
    let delivered = shipped.and(reached(delivered));
    let status = match (confirmed, shipped, delivered) {
        (_, _, Some(_)) => OrderStatus::Delivered,
        (_, Some(_), None) => OrderStatus::Shipped,
        (Some(_), None, None) => OrderStatus::Confirmed,
        (None, _, _) => OrderStatus::Pending,
    };
    Lifecycle { status, confirmed, shipped, delivered, cancelled: None }
}

/// `count` orders for `customers` customers from `catalog`, oldest first so
/// that ids grow with time as in a real shop. The same arguments always give
/// the same plan.
fn plan_orders(count: usize, customers: usize, catalog: &[CatalogVariant]) -> Vec<PlannedOrder> {
    let mut rng = ChaCha8Rng::seed_from_u64(ORDER_SEED);
    let mut plan: Vec<PlannedOrder> = (0..count)
        .map(|_| {
            let customer = ((rng.gen::<f64>().powf(CUSTOMER_SKEW) * customers as f64) as usize).min(customers - 1);
            let age_secs = (rng.gen::<f64>().powf(RECENCY_SKEW) * HISTORY_SECS as f64) as i64;
            let line_count = (1 + weighted(&mut rng, &LINE_COUNT_WEIGHTS)).min(catalog.len());
            let lines = index::sample(&mut rng, catalog.len(), line_count)
                .into_iter()
                .map(|variant| PlannedLine { variant, quantity: 1 + weighted(&mut rng, &QUANTITY_WEIGHTS) as i32 })
                .collect();
            let life = lifecycle(&mut rng, age_secs);
            let tracking_number = life.shipped.map(|_| {
                format!("1Z{:06X}{:02}{:08}", rng.gen_range(0..0x100_0000), rng.gen_range(0..100), rng.gen_range(0..100_000_000))
            });
            PlannedOrder { customer, age_secs, lines, life, tracking_number }
        })
        .collect();
    plan.sort_by_key(|order| std::cmp::Reverse(order.age_secs));
    plan
}

/// What every row of a run shares.
struct Context<'a> {
    catalog: &'a [CatalogVariant],
    customers: &'a [Customer],
    /// The customers' user ids, in the same order.
    user_ids: &'a [i32],
    now: DateTime<Utc>,
}

/// The highest order id (0 when there are none).
async fn max_order_id(db: &impl ConnectionTrait) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> =
        order::Entity::find().select_only().column_as(order::Column::Id.max(), "max_id").into_tuple().one(db).await?;
    Ok(max.flatten().unwrap_or(0))
}

/// Inserts one batch of numbered orders, reads their ids back by key
/// (a multi-row insert does not portably return them), then inserts their
/// items; returns how many items.
async fn insert_batch(
    txn: &impl ConnectionTrait,
    batch: &[(i64, &PlannedOrder)],
    context: &Context<'_>,
) -> Result<usize, DbErr> {
    let before = max_order_id(txn).await?;
    let mut by_key = HashMap::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    for &(number, planned) in batch {
        let key = format!("seed-{number}");
        rows.push(order_row(planned, &key, context)?);
        by_key.insert(key, planned);
    }
    order::Entity::insert_many(rows).exec_without_returning(txn).await?;

    // Every id is above the highest before the insert; the key tells ours
    // from any a checkout placed meanwhile.
    let inserted: Vec<(i32, String)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::IdempotencyKey)
        .filter(order::Column::Id.gt(before))
        .filter(order::Column::RequestFingerprint.eq(SEED_FINGERPRINT))
        .into_tuple()
        .all(txn)
        .await?;
    let mut items = Vec::new();
    for (order_id, key) in inserted {
        let Some(planned) = by_key.remove(&key) else { continue };
        for line in &planned.lines {
            let v = catalog_variant(context.catalog, line.variant)?;
            items.push(order_item::ActiveModel {
                id: NotSet,
                order_id: Set(order_id),
                variant_id: Set(v.id),
                product_name: Set(v.product_name.clone()),
                variant_label: Set(v.label.clone()),
                sku: Set(v.sku.clone()),
                unit_price_cents: Set(v.price_cents),
                quantity: Set(line.quantity),
            });
        }
    }
    if !by_key.is_empty() {
        return Err(DbErr::Custom(format!("seed-orders: {} inserted orders could not be read back", by_key.len())));
    }
    let count = items.len();
    order_item::Entity::insert_many(items).exec_without_returning(txn).await?;
    Ok(count)
}

fn catalog_variant(catalog: &[CatalogVariant], index: usize) -> Result<&CatalogVariant, DbErr> {
    catalog.get(index).ok_or_else(|| DbErr::Custom(format!("seed-orders: no variant at index {index}")))
}

/// The row for `planned` with idempotency key (and payment reference) `key`.
fn order_row(planned: &PlannedOrder, key: &str, context: &Context<'_>) -> Result<order::ActiveModel, DbErr> {
    let customer = context
        .customers
        .get(planned.customer)
        .ok_or_else(|| DbErr::Custom(format!("seed-orders: no customer at index {}", planned.customer)))?;
    let user_id = context
        .user_ids
        .get(planned.customer)
        .copied()
        .ok_or_else(|| DbErr::Custom(format!("seed-orders: no user id for customer {}", customer.email)))?;
    let mut subtotal = 0;
    for line in &planned.lines {
        subtotal += catalog_variant(context.catalog, line.variant)?.price_cents * i64::from(line.quantity);
    }
    let shipping = shipping_fee_cents(subtotal, COUNTRY);
    let placed = context.now - TimeDelta::seconds(planned.age_secs);
    let at = |offset: Option<i64>| offset.map(|secs| placed + TimeDelta::seconds(secs));
    let life = planned.life;
    Ok(order::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        status: Set(life.status),
        version: Set(life.version()),
        idempotency_key: Set(key.to_owned()),
        subtotal_cents: Set(subtotal),
        shipping_cents: Set(shipping),
        total_cents: Set(subtotal + shipping),
        currency: Set(Currency::Usd),
        ship_name: Set(customer.name.clone()),
        ship_line1: Set(customer.line1.clone()),
        ship_line2: Set(customer.line2.clone()),
        ship_city: Set(customer.city.to_owned()),
        ship_region: Set(customer.region.to_owned()),
        ship_postal_code: Set(customer.postal_code.clone()),
        ship_country: Set(COUNTRY.to_owned()),
        ship_phone: Set(customer.phone.clone()),
        payment_reference: Set(key.to_owned()),
        tracking_number: Set(planned.tracking_number.clone()),
        request_fingerprint: Set(SEED_FINGERPRINT.to_owned()),
        notes: Set(String::new()),
        confirmed_at: Set(at(life.confirmed)),
        shipped_at: Set(at(life.shipped)),
        delivered_at: Set(at(life.delivered)),
        cancelled_at: Set(at(life.cancelled)),
        shopify_order_id: Set(None),
        shopify_updated_at: Set(None),
        created_at: Set(placed),
        updated_at: Set(placed + TimeDelta::seconds(life.last_change())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(variants: usize) -> Vec<CatalogVariant> {
        (0..variants)
            .map(|i| CatalogVariant {
                id: i as i32 + 1,
                product_name: format!("Product {i}"),
                label: "One size".into(),
                sku: format!("SKU-{i}"),
                price_cents: 1_000 + i as i64 * 250,
            })
            .collect()
    }

    #[test]
    fn customers_are_unique_and_the_same_every_time() {
        let customers = generate_customers();
        assert_eq!(customers.len(), CUSTOMER_COUNT);
        assert_eq!(customers, generate_customers());
        let emails: std::collections::HashSet<_> = customers.iter().map(|c| c.email.as_str()).collect();
        assert_eq!(emails.len(), CUSTOMER_COUNT);
        assert!(customers[123].email.ends_with(".123@example.com"), "{}", customers[123].email);
    }

    #[test]
    fn plans_are_deterministic_oldest_first_and_within_a_year() {
        let plan = plan_orders(2_000, CUSTOMER_COUNT, &catalog(30));
        assert_eq!(plan, plan_orders(2_000, CUSTOMER_COUNT, &catalog(30)));
        assert!(plan.windows(2).all(|pair| pair[0].age_secs >= pair[1].age_secs));
        for order in &plan {
            assert!((0..=HISTORY_SECS).contains(&order.age_secs));
            assert!((1..=4).contains(&order.lines.len()));
            assert!(order.customer < CUSTOMER_COUNT);
            let mut variants: Vec<_> = order.lines.iter().map(|l| l.variant).collect();
            variants.sort_unstable();
            variants.dedup();
            assert_eq!(variants.len(), order.lines.len(), "one line per variant");
        }
    }

    #[test]
    fn lifecycles_are_consistent_with_their_status() {
        let plan = plan_orders(5_000, CUSTOMER_COUNT, &catalog(30));
        let mut seen = std::collections::HashSet::new();
        for order in &plan {
            let life = order.life;
            seen.insert(life.status);
            assert!(life.milestones().all(|at| at > 0 && at <= order.age_secs), "{life:?}");
            assert_eq!(order.tracking_number.is_some(), life.shipped.is_some());
            match life.status {
                OrderStatus::Pending => assert_eq!(life.milestones().count(), 0),
                OrderStatus::Confirmed => assert!(life.confirmed.is_some() && life.shipped.is_none()),
                OrderStatus::Shipped => assert!(life.shipped > life.confirmed && life.delivered.is_none()),
                OrderStatus::Delivered => assert!(life.delivered > life.shipped && life.shipped > life.confirmed),
                OrderStatus::Cancelled => {
                    assert!(life.shipped.is_none() && life.cancelled.is_some());
                    assert!(life.confirmed.is_none() || life.confirmed < life.cancelled);
                }
            }
        }
        assert_eq!(seen.len(), OrderStatus::ALL.len(), "every status appears in 5,000 orders");
        let old: Vec<_> = plan.iter().filter(|o| o.age_secs > 30 * DAY).collect();
        let delivered = old.iter().filter(|o| o.life.status == OrderStatus::Delivered).count();
        let cancelled = old.iter().filter(|o| o.life.status == OrderStatus::Cancelled).count();
        assert!(delivered * 100 >= old.len() * 90, "{delivered} of {} old orders delivered", old.len());
        assert!((2..=8).contains(&(cancelled * 100 / old.len())), "{cancelled} of {} cancelled", old.len());
    }

    #[test]
    fn weighted_draws_stay_in_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..1_000 {
            assert!(weighted(&mut rng, &LINE_COUNT_WEIGHTS) < LINE_COUNT_WEIGHTS.len());
        }
    }
}
