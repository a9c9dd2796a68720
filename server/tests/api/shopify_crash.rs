//! The crash test: the real server binary takes 200 signed webhooks
//! (some with bad signatures) and is killed with SIGKILL while it is still
//! answering and processing them. Restarted on the same database, it
//! finishes the queue: every webhook that was answered 200 ends as exactly
//! one correct order, none answered 401 left a trace, and the ones that got
//! no answer, delivered again as Shopify would, end as exactly one order
//! too.

use crate::helpers::{for_both_backends, Backend, SHOPIFY_SECRET};
use crate::shopify::{catalog_lines, order, unknown_line, Delivery, Line};
use futures::StreamExt;
use sea_orm::{Database, DatabaseConnection};
use std::collections::HashMap;
use crate::process::{count, ServerProcess, SharedDatabase};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const WEBHOOKS: usize = 200;
/// Every this many webhooks, one is signed with the wrong secret.
const BAD_EVERY: usize = 10;
/// The server is killed once this many answers have arrived.
const KILL_AFTER: usize = 100;
/// Requests in flight at once.
const CONCURRENCY: usize = 32;
/// How long the restarted server may take to drain the queue.
const DRAIN_DEADLINE: Duration = Duration::from_secs(45);

/// The real binary on the shared database, with the webhook secret, no
/// rate limits, and leases short enough for the test to see a killed
/// worker's jobs run again.
fn start_server(database_url: &str, outbox: &std::path::Path) -> ServerProcess {
    ServerProcess::start_on(
        database_url,
        outbox,
        &[
            ("BAZAAR_SHOPIFY_WEBHOOK_SECRET", SHOPIFY_SECRET),
            ("BAZAAR_SHOPIFY_RATE_PER_SEC", "0"),
            ("BAZAAR_API_RATE_PER_SEC", "0"),
            ("BAZAAR_MAX_CONNECTIONS_PER_IP", "0"),
            ("BAZAAR_JOBS_LEASE_SECS", "3"),
            ("BAZAAR_JOBS_BACKOFF_MS", "200"),
            ("BAZAAR_JOBS_POLL_MS", "200"),
        ],
    )
}

/// What a webhook's sender saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Accepted,
    Unauthorized,
    /// No answer (the server died first) or another status.
    Unknown,
}

struct Sent {
    delivery: Delivery,
    shopify_id: i64,
    lines: Vec<Line>,
    signed_right: bool,
}

async fn send_all(sent: &[Sent], indices: &[usize], base: &str, answered: &AtomicUsize, kill_at: Option<&tokio::sync::Notify>) -> HashMap<usize, Seen> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    futures::stream::iter(indices.iter().copied())
        .map(|i| {
            let client = client.clone();
            async move {
                let seen = match sent[i].delivery.try_send(&client, base).await {
                    Ok((200, _)) => Seen::Accepted,
                    Ok((401, _)) => Seen::Unauthorized,
                    Ok(_) | Err(_) => Seen::Unknown,
                };
                if answered.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                    if let Some(kill) = kill_at {
                        kill.notify_one();
                    }
                }
                (i, seen)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// Waits until no job is pending, running or waiting for a retry.
async fn drain(db: &DatabaseConnection, server: &ServerProcess) {
    let deadline = Instant::now() + DRAIN_DEADLINE;
    loop {
        let left = count(db, "SELECT COUNT(*) FROM jobs WHERE status IN ('pending', 'running', 'failed')").await;
        if left == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{left} jobs still unfinished after {DRAIN_DEADLINE:?}; server log:\n{}", server.log().join("\n"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks that the Shopify order of `sent` exists exactly once, with its
/// lines and totals.
async fn assert_one_correct_order(db: &DatabaseConnection, sent: &Sent) {
    let id = sent.shopify_id;
    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM orders WHERE shopify_order_id = {id}")).await, 1, "order {id} exists once");
    let lines = count(db, &format!("SELECT COUNT(*) FROM order_items WHERE order_id = (SELECT id FROM orders WHERE shopify_order_id = {id})")).await
        + count(db, &format!("SELECT COUNT(*) FROM order_external_lines WHERE order_id = (SELECT id FROM orders WHERE shopify_order_id = {id})")).await;
    assert_eq!(lines, sent.lines.len() as i64, "order {id} has its lines, once each");
    let subtotal: i64 = sent.lines.iter().map(Line::cents).sum();
    assert_eq!(count(db, &format!("SELECT subtotal_cents FROM orders WHERE shopify_order_id = {id}")).await, subtotal, "order {id} subtotal");
    assert_eq!(
        count(db, &format!("SELECT total_cents - subtotal_cents - shipping_cents FROM orders WHERE shopify_order_id = {id}")).await,
        0,
        "order {id} total is its subtotal and shipping"
    );
}

async fn killed_mid_stream_every_accepted_webhook_ends_as_one_order(backend: Backend) {
    let started = Instant::now();
    let database = SharedDatabase::new(backend).await;
    let outbox = database.dir.path().join("outbox");
    let mut server = start_server(&database.url, &outbox);
    let db = Database::connect(&database.url).await.expect("test connection");
    let catalog = catalog_lines(&db, 0, WEBHOOKS).await;
    let sent: Vec<Sent> = (0..WEBHOOKS)
        .map(|n| {
            let shopify_id = 7_000_000_000 + n as i64;
            let lines = vec![Line { quantity: 1 + (n % 3) as i64, ..catalog[n].clone() }, unknown_line()];
            let body = order(shopify_id, "2026-12-01T09:14:05-05:00", &lines, |_| {});
            let signed_right = n % BAD_EVERY != BAD_EVERY - 1;
            let secret = if signed_right { SHOPIFY_SECRET } else { "a-forged-secret" };
            Sent { delivery: Delivery::signed(&format!("crash-{n:03}"), "orders/create", &body, secret), shopify_id, lines, signed_right }
        })
        .collect();
    let answered = AtomicUsize::new(0);
    let kill = tokio::sync::Notify::new();
    let all: Vec<usize> = (0..WEBHOOKS).collect();
    let base = server.base.clone();
    let (seen, ()) = tokio::join!(send_all(&sent, &all, &base, &answered, Some(&kill)), async {
        kill.notified().await;
        server.kill();
    });
    let accepted: Vec<usize> = all.iter().copied().filter(|i| seen[i] == Seen::Accepted).collect();
    let refused: Vec<usize> = all.iter().copied().filter(|i| seen[i] == Seen::Unauthorized).collect();
    let unknown: Vec<usize> = all.iter().copied().filter(|i| seen[i] == Seen::Unknown).collect();
    assert!(accepted.len() >= KILL_AFTER * 8 / 10 - 10, "most answers before the kill are 200: {} accepted", accepted.len());
    assert!(!refused.is_empty(), "some forged webhooks were answered before the kill");
    for i in &refused {
        assert!(!sent[*i].signed_right, "webhook {i} was signed right but got 401");
    }
    for i in &accepted {
        assert!(sent[*i].signed_right, "forged webhook {i} was accepted");
    }
    let pending = count(&db, "SELECT COUNT(*) FROM jobs WHERE status <> 'done'").await;
    eprintln!(
        "killed after {} answers: {} accepted, {} refused, {} unanswered; {pending} jobs unfinished at the kill",
        KILL_AFTER,
        accepted.len(),
        refused.len(),
        unknown.len()
    );

    let server = start_server(&database.url, &outbox);
    drain(&db, &server).await;
    for i in &accepted {
        assert_one_correct_order(&db, &sent[*i]).await;
    }
    for i in &refused {
        let (id, webhook_id) = (sent[*i].shopify_id, &sent[*i].delivery.webhook_id);
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM orders WHERE shopify_order_id = {id}")).await, 0, "forged {id} left no order");
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = '{webhook_id}'")).await, 0);
    }
    // Shopify delivers again what it got no answer for: each ends once.
    let answered = AtomicUsize::new(0);
    let again = send_all(&sent, &unknown, &server.base, &answered, None).await;
    for i in &unknown {
        let expected = if sent[*i].signed_right { Seen::Accepted } else { Seen::Unauthorized };
        assert_eq!(again[i], expected, "redelivery of webhook {i}");
    }
    drain(&db, &server).await;
    for item in sent.iter().filter(|s| s.signed_right) {
        assert_one_correct_order(&db, item).await;
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM orders WHERE shopify_order_id IS NOT NULL").await,
        sent.iter().filter(|s| s.signed_right).count() as i64
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM jobs WHERE status = 'dead'").await, 0, "no job died; log:\n{}", server.log().join("\n"));
    drop(server);
    db.close().await.expect("close");
    database.drop_database().await;
    eprintln!("crash test took {:?}", started.elapsed());
}

for_both_backends!(killed_mid_stream_every_accepted_webhook_ends_as_one_order);
