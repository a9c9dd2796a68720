//! `checkout-baseline`: how many guarded single-checkout transactions raw
//! SQLite commits per second on this machine, the baseline of
//! `checkout-bench` (issue 11, target 4).
//!
//! It creates a fresh SQLite file with the shop's pragmas (WAL,
//! `synchronous = NORMAL`, foreign keys, 5 s busy timeout; see
//! `server/src/db.rs`), three small tables and the variants to sell, then
//! lets `--concurrency` tasks run, for `--duration`, this transaction:
//!
//! ```sql
//! BEGIN IMMEDIATE;
//! UPDATE variants SET stock = stock - 1 WHERE id = ? AND stock >= 1;  -- the guard
//! INSERT INTO orders (…) VALUES (…) RETURNING id;
//! INSERT INTO order_items (…) VALUES (…);
//! COMMIT;
//! ```
//!
//! rolled back when the guard updates no row (sold out). Half the tasks go
//! for one contended variant with `--contended-stock` units until it is
//! sold out to them, like checkout-bench's buyers, so the same oversell
//! check applies: the stock never goes below zero and ends at exactly
//! what it was minus what was sold. See bench/README.md.
//!
//! ```sh
//! target/release/checkout-baseline --database /tmp/baseline.db --concurrency 128 --duration 10
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
// The sqlx that sea-orm re-exports: the very build, and so the very SQLite
// library, the shop runs on.
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sea_orm::sqlx::{self, Connection, Row};
use serde::Serialize;
use tokio::task::JoinSet;

/// Variants that are not contended: each transaction picks one of them,
/// so two transactions rarely touch the same row.
const UNCONTENDED_VARIANTS: i64 = 1000;
/// Their stock: more than any run sells.
const UNCONTENDED_STOCK: i64 = 1_000_000_000;
/// Id of the contended variant (the uncontended ones follow it).
const CONTENDED_ID: i64 = 1;
/// The price written on every order.
const PRICE_CENTS: i64 = 1999;

/// Exit status when the stock check failed.
const EXIT_FAILED: u8 = 1;
/// Exit status when the baseline could not run (clap uses 2 for usage).
const EXIT_CANNOT_RUN: u8 = 3;

/// The tables, as small as a guarded checkout allows: the order's key is
/// unique per customer, as in the shop, and its item refers to it.
const SCHEMA: &str = "
CREATE TABLE variants (
    id INTEGER PRIMARY KEY,
    price_cents INTEGER NOT NULL,
    stock INTEGER NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    variant_id INTEGER NOT NULL REFERENCES variants (id),
    unit_price_cents INTEGER NOT NULL,
    quantity INTEGER NOT NULL
);
CREATE INDEX order_items_order ON order_items (order_id);
";

/// Raw SQLite guarded-checkout transactions per second.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The SQLite file to create (it must not exist yet).
    #[arg(long, value_name = "PATH")]
    database: PathBuf,
    /// Tasks running transactions at once.
    #[arg(long, short = 'c', default_value_t = 128, value_parser = clap::value_parser!(u32).range(2..=1024))]
    concurrency: u32,
    /// Seconds during which transactions are started.
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// Connections in the pool. SQLite lets one connection write at a
    /// time; with more, the others sleep in its busy handler while the
    /// lock is free, so 1 is the fastest (the shop queues its writers in
    /// the process for the same reason, app/src/db.rs).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    connections: u32,
    /// Units of the contended variant.
    #[arg(long, default_value_t = 20)]
    contended_stock: i64,
    /// Also print one JSON object (a line starting with '{').
    #[arg(long)]
    json: bool,
}

/// Why the baseline could not run.
#[derive(Debug, thiserror::Error)]
enum BaselineError {
    #[error("{0} already exists; give a path for a new file")]
    Exists(PathBuf),
    #[error("--duration must be between 0.01 and 3600 seconds")]
    Duration,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("worker task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("cannot serialise the result: {0}")]
    Json(#[from] serde_json::Error),
}

/// What one task counted.
#[derive(Debug, Default)]
struct Tally {
    committed: u64,
    contended_sold: u64,
    sold_out: u64,
    errors: u64,
    first_error: Option<String>,
}

/// The result (the JSON line is this object).
#[derive(Debug, Serialize)]
struct Report {
    concurrency: u32,
    connections: u32,
    duration_s: f64,
    elapsed_s: f64,
    /// Committed transactions.
    transactions: u64,
    transactions_per_sec: f64,
    /// Transactions rolled back because the guard found no unit.
    sold_out: u64,
    errors: u64,
    first_error: Option<String>,
    stock_before: i64,
    stock_after: i64,
    contended_sold: u64,
    oversold_units: u64,
    /// `stock_after == stock_before − contended_sold`, and ≥ 0.
    stock_balanced: bool,
    passed: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("checkout-baseline: the stock check failed (see above)");
            ExitCode::from(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!("checkout-baseline: {e}");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// Creates the database, runs the timed phase and checks the stock.
async fn run(args: &Args) -> Result<bool, BaselineError> {
    if args.database.exists() {
        return Err(BaselineError::Exists(args.database.clone()));
    }
    if !args.duration.is_finite() || !(0.01..=3600.0).contains(&args.duration) {
        return Err(BaselineError::Duration);
    }
    let duration = Duration::from_secs_f64(args.duration);
    let pool = open(args).await?;
    create(&pool, args.contended_stock).await?;
    let before = contended_stock(&pool).await?;

    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for task in 0..args.concurrency {
        let pool = pool.clone();
        // The second half contend, as in checkout-bench.
        let contends = task >= args.concurrency / 2;
        tasks.spawn(check_out_until(pool, task, contends, start, duration));
    }
    let mut total = Tally::default();
    while let Some(tally) = tasks.join_next().await {
        let tally = tally?;
        total.committed += tally.committed;
        total.contended_sold += tally.contended_sold;
        total.sold_out += tally.sold_out;
        total.errors += tally.errors;
        if total.first_error.is_none() {
            total.first_error = tally.first_error;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();

    let after = contended_stock(&pool).await?;
    let sold = i64::try_from(total.contended_sold).unwrap_or(i64::MAX);
    let oversold_units = u64::try_from(sold - before.max(0)).unwrap_or(0);
    let stock_balanced = after >= 0 && after == before - sold;
    let report = Report {
        concurrency: args.concurrency,
        connections: args.connections,
        duration_s: args.duration,
        elapsed_s: round3(elapsed),
        transactions: total.committed,
        transactions_per_sec: round3(total.committed as f64 / elapsed),
        sold_out: total.sold_out,
        errors: total.errors,
        first_error: total.first_error,
        stock_before: before,
        stock_after: after,
        contended_sold: total.contended_sold,
        oversold_units,
        stock_balanced,
        passed: oversold_units == 0 && stock_balanced,
    };
    print(&report);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    pool.close().await;
    Ok(report.passed)
}

/// A pool on a new file with the shop's pragmas (server/src/db.rs).
async fn open(args: &Args) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(&args.database)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(args.connections)
        .connect_with(options)
        .await
}

/// The tables and the variants: the contended one with `contended_stock`
/// units, then the plentiful ones.
async fn create(pool: &SqlitePool, contended_stock: i64) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(SCHEMA).execute(pool).await?;
    let mut conn = pool.acquire().await?;
    let mut txn = conn.begin().await?;
    sqlx::query("INSERT INTO variants (id, price_cents, stock) VALUES (?, ?, ?)")
        .bind(CONTENDED_ID)
        .bind(PRICE_CENTS)
        .bind(contended_stock)
        .execute(&mut *txn)
        .await?;
    for id in CONTENDED_ID + 1..=CONTENDED_ID + UNCONTENDED_VARIANTS {
        sqlx::query("INSERT INTO variants (id, price_cents, stock) VALUES (?, ?, ?)")
            .bind(id)
            .bind(PRICE_CENTS)
            .bind(UNCONTENDED_STOCK)
            .execute(&mut *txn)
            .await?;
    }
    txn.commit().await
}

async fn contended_stock(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT stock FROM variants WHERE id = ?")
        .bind(CONTENDED_ID)
        .fetch_one(pool)
        .await?
        .try_get(0)
}

/// One task: transactions back to back until `duration` has passed since
/// `start`, for the contended variant until it is sold out to this task.
async fn check_out_until(
    pool: SqlitePool,
    task: u32,
    contends: bool,
    start: Instant,
    duration: Duration,
) -> Tally {
    let mut tally = Tally::default();
    let mut contending = contends;
    // A cheap spread over the uncontended rows without a shared RNG.
    let mut next = u64::from(task).wrapping_mul(7919);
    let mut n: u64 = 0;
    while start.elapsed() < duration {
        let variant = if contending {
            CONTENDED_ID
        } else {
            next = next.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            CONTENDED_ID + 1 + i64::try_from((next >> 33) % UNCONTENDED_VARIANTS as u64).unwrap_or(0)
        };
        n += 1;
        let key = format!("baseline-{task}-{n}");
        match check_out(&pool, task, variant, &key).await {
            Ok(true) => {
                tally.committed += 1;
                if variant == CONTENDED_ID {
                    tally.contended_sold += 1;
                }
            }
            Ok(false) => {
                tally.sold_out += 1;
                contending = false;
            }
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert_with(|| e.to_string());
                contending = false;
            }
        }
    }
    tally
}

/// One guarded checkout of 1 unit of `variant`: `Ok(false)` when the
/// guard found no unit and the transaction was rolled back.
async fn check_out(pool: &SqlitePool, user: u32, variant: i64, key: &str) -> Result<bool, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let result = guarded(&mut conn, user, variant, key).await;
    let end = if matches!(result, Ok(true)) { "COMMIT" } else { "ROLLBACK" };
    let ended = sqlx::query(end).execute(&mut *conn).await;
    let taken = result?;
    ended?;
    Ok(taken)
}

/// The statements inside the transaction.
async fn guarded(conn: &mut SqliteConnection, user: u32, variant: i64, key: &str) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query("UPDATE variants SET stock = stock - 1 WHERE id = ? AND stock >= 1")
        .bind(variant)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if taken == 0 {
        return Ok(false);
    }
    let order: i64 = sqlx::query(
        "INSERT INTO orders (user_id, idempotency_key, status, total_cents, created_at) \
         VALUES (?, ?, 'CONFIRMED', ?, datetime('now')) RETURNING id",
    )
    .bind(user)
    .bind(key)
    .bind(PRICE_CENTS)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    sqlx::query(
        "INSERT INTO order_items (order_id, variant_id, unit_price_cents, quantity) VALUES (?, ?, ?, 1)",
    )
    .bind(order)
    .bind(variant)
    .bind(PRICE_CENTS)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

fn print(r: &Report) {
    println!(
        "checkout-baseline: {} tasks, {} connection(s), {:.1} s",
        r.concurrency, r.connections, r.duration_s
    );
    println!("transactions committed: {}", r.transactions);
    println!("sold-out rollbacks:     {}", r.sold_out);
    println!("errors:                 {}", r.errors);
    if let Some(e) = &r.first_error {
        println!("  first error: {e}");
    }
    println!("elapsed:                {:.3} s", r.elapsed_s);
    println!("transactions/s:         {:.1}", r.transactions_per_sec);
    println!(
        "contended variant: stock before {}, sold {}, stock after {}, oversold units {}, {}",
        r.stock_before,
        r.contended_sold,
        r.stock_after,
        r.oversold_units,
        if r.stock_balanced { "balanced" } else { "DOES NOT BALANCE" }
    );
    println!("result: {}", if r.passed { "PASS" } else { "FAIL" });
}

/// Rounds to three decimals so JSON stays readable.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
