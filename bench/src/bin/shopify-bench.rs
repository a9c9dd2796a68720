//! `shopify-bench`: signs Shopify order webhooks (Shopify's published
//! order JSON, `server/tests/api/fixtures/shopify_order.json`, with lines
//! from the shop's own catalog) and sends them to `POST /webhooks/shopify`.
//!
//! - `send`: a few sample orders for a person to watch arrive on `/admin`
//!   (bench/shopify-send.sh wraps it).
//! - `bench`: many webhooks at once, measuring accepts per second and
//!   their latency while the workers process them, orders processed per
//!   second end to end, and the time from each accept to its
//!   `ORDER_SYNCED` on an admin's `/ws` socket.
//!
//! Loopback only, like every tool in bench/. See bench/README.md.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use clap::{Args as ClapArgs, Parser, Subcommand};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderValue, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Client, Url};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Shopify's sample `orders/create` body, the same the server's tests use.
const SAMPLE_ORDER: &str = include_str!("../../../server/tests/api/fixtures/shopify_order.json");
/// The demo admin that `BAZAAR_SEED=demo` creates.
const ADMIN_EMAIL: &str = "admin@bazaar.test";
const ADMIN_PASSWORD: &str = "bazaar-demo-overseer";
const HIST_MAX_US: u64 = 3_600_000_000;

/// Sample Shopify webhooks for a Bazaar on this machine.
#[derive(Debug, Parser)]
#[command(name = "shopify-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send a few signed sample orders (and, for some, a later update) to
    /// watch them appear live on /admin.
    Send(SendArgs),
    /// Send many signed webhooks at once and measure ingestion and
    /// processing.
    Bench(BenchArgs),
}

#[derive(Debug, ClapArgs)]
struct Common {
    /// The shop's origin, e.g. http://127.0.0.1:3000 (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// The webhook secret the shop was started with
    /// (BAZAAR_SHOPIFY_WEBHOOK_SECRET); also read from SHOPIFY_WEBHOOK_SECRET.
    #[arg(long, env = "SHOPIFY_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// Catalog products whose variants the orders buy.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=500))]
    products: u32,
}

#[derive(Debug, ClapArgs)]
struct SendArgs {
    #[command(flatten)]
    common: Common,
    /// Orders to send.
    #[arg(short = 'n', long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    orders: u32,
    /// Orders per second.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Skip the follow-up webhooks (every third order fulfilled, every
    /// fifth cancelled, a few seconds later).
    #[arg(long)]
    no_updates: bool,
}

#[derive(Debug, ClapArgs)]
struct BenchArgs {
    #[command(flatten)]
    common: Common,
    /// Webhooks to send (each a new order).
    #[arg(short = 'n', long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    webhooks: u32,
    /// Requests in flight at once.
    #[arg(short = 'c', long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Webhooks per second over all connections (default: as fast as the
    /// server answers). Below the processing rate, accept→synced shows the
    /// latency of an order through the queue rather than the backlog.
    #[arg(long)]
    rate: Option<f64>,
    /// How long to wait for the last ORDER_SYNCED after the last accept.
    #[arg(long, default_value_t = 300)]
    drain_secs: u64,
    /// After the report, also print one JSON object (a line starting with `{`).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("refusing `{0}`: {1}")]
    Refused(String, String),
    #[error("{0}")]
    Failed(String),
}

fn failed(what: &str, err: impl std::fmt::Display) -> RunError {
    RunError::Failed(format!("{what}: {err}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Send(args) => send(args).await,
        Command::Bench(args) => bench(args).await,
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err @ RunError::Refused(..)) => {
            eprintln!("shopify-bench: {err}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("shopify-bench: {err}");
            ExitCode::from(3)
        }
    }
}

/// The shop, checked to be on this machine.
struct Target {
    base: Url,
    addr: SocketAddr,
    host: String,
}

impl Target {
    async fn parse(raw: &str) -> Result<Target, RunError> {
        let refuse = |reason: &str| RunError::Refused(raw.to_owned(), reason.to_owned());
        let base = Url::parse(raw).map_err(|e| refuse(&e.to_string()))?;
        if base.scheme() != "http" || base.path() != "/" || base.query().is_some() {
            return Err(refuse("give an http:// origin only, like http://127.0.0.1:3000"));
        }
        let host = base.host_str().ok_or_else(|| refuse("missing host"))?.trim_matches(['[', ']']).to_owned();
        let port = base.port_or_known_default().unwrap_or(80);
        let addr = match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) if ip == Ipv4Addr::LOCALHOST => SocketAddr::new(ip.into(), port),
            Ok(IpAddr::V6(ip)) if ip == Ipv6Addr::LOCALHOST => SocketAddr::new(ip.into(), port),
            Err(_) if host == "localhost" => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                    .await
                    .map_err(|e| refuse(&format!("cannot resolve localhost: {e}")))?
                    .collect();
                if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
                    return Err(refuse("localhost does not resolve to loopback addresses only"));
                }
                *addrs.iter().find(|a| a.is_ipv4()).or(addrs.first()).ok_or_else(|| refuse("no address"))?
            }
            _ => return Err(refuse("not a loopback host (only 127.0.0.1, localhost and [::1] are allowed)")),
        };
        Ok(Target { base, addr, host })
    }

    fn client(&self, pool: usize) -> Result<Client, RunError> {
        Client::builder()
            .no_proxy()
            .resolve(&self.host, self.addr)
            .http1_only()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(pool)
            .timeout(Duration::from_secs(30))
            .user_agent("Shopify-Captain-Hook")
            .build()
            .map_err(|e| failed("HTTP client", e))
    }

    fn url(&self, path: &str) -> Result<Url, RunError> {
        self.base.join(path).map_err(|e| failed(path, e))
    }
}

/// A catalog variant an order can buy.
#[derive(Debug, Clone)]
struct Variant {
    sku: String,
    title: String,
    variant: String,
    cents: i64,
}

/// Calls a server function; over the API's rate limit (a shop with the
/// default limits), waits as `Retry-After` says and tries again.
async fn call(client: &Client, target: &Target, endpoint: &str, body: Value) -> Result<Value, RunError> {
    let url = target.url(&format!("/api/{endpoint}"))?;
    let mut attempts = 0;
    let (status, text) = loop {
        let response = client.post(url.clone()).json(&body).send().await.map_err(|e| failed(endpoint, e))?;
        let status = response.status();
        let wait = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let text = response.text().await.map_err(|e| failed(endpoint, e))?;
        attempts += 1;
        match wait {
            Some(secs) if status.as_u16() == 429 && attempts < 10 => tokio::time::sleep(Duration::from_secs(secs.clamp(1, 60))).await,
            _ => break (status, text),
        }
    };
    if !status.is_success() {
        return Err(failed(endpoint, format!("HTTP {status}: {}", text.chars().take(300).collect::<String>())));
    }
    serde_json::from_str(&text).map_err(|e| failed(endpoint, e))
}

/// In-stock variants of the first `products` products of the catalog, read
/// through the public API (at most a few calls a second, well inside the
/// API's default rate limit).
async fn catalog(client: &Client, target: &Target, products: u32) -> Result<Vec<Variant>, RunError> {
    let mut variants = Vec::new();
    let mut page = 1;
    let mut seen = 0;
    while seen < products {
        let results = call(client, target, "catalog/search", json!({ "query": { "in_stock": true, "page": page } })).await?;
        let cards = results["products"].as_array().cloned().unwrap_or_default();
        if cards.is_empty() {
            break;
        }
        for card in cards {
            if seen >= products {
                break;
            }
            seen += 1;
            let slug = card["slug"].as_str().unwrap_or_default();
            let product = call(client, target, "catalog/product", json!({ "slug": slug })).await?;
            for v in product["variants"].as_array().cloned().unwrap_or_default() {
                if v["stock"].as_i64().unwrap_or(0) > 0 {
                    variants.push(Variant {
                        sku: v["sku"].as_str().unwrap_or_default().to_owned(),
                        title: product["name"].as_str().unwrap_or_default().to_owned(),
                        variant: v["label"].as_str().unwrap_or_default().to_owned(),
                        cents: v["price"]["cents"].as_i64().unwrap_or(0),
                    });
                }
            }
        }
        page += 1;
    }
    if variants.is_empty() {
        return Err(RunError::Failed("the catalog has no variant in stock (start the shop with demo data)".into()));
    }
    Ok(variants)
}

fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

const FIRST_NAMES: [&str; 8] = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Frances", "Donald"];
const LAST_NAMES: [&str; 8] = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Allen", "Knuth"];

/// Shopify order `id` number `n`, updated at `updated_at`, with one to
/// three catalog lines (and, for every fourth, a line we do not sell).
fn order(id: i64, n: usize, run: u64, updated_at: &str, variants: &[Variant]) -> Value {
    let mut order: Value = serde_json::from_str(SAMPLE_ORDER).unwrap_or(Value::Null);
    let (first, last) = (FIRST_NAMES[n % 8], LAST_NAMES[(n / 8) % 8]);
    let email = format!("{}.{}.{run}.{n}@shopify-sample.example", first.to_lowercase(), last.to_lowercase());
    let template = order["line_items"][0].clone();
    let mut items = Vec::new();
    let mut subtotal = 0;
    for k in 0..(1 + n % 3) {
        let v = &variants[(n * 3 + k) % variants.len()];
        let quantity = 1 + (n + k) % 2;
        let mut item = template.clone();
        item["id"] = json!(id * 10 + k as i64);
        item["sku"] = json!(v.sku);
        item["title"] = json!(v.title);
        item["name"] = json!(format!("{} - {}", v.title, v.variant));
        item["variant_title"] = json!(v.variant);
        item["quantity"] = json!(quantity);
        item["price"] = json!(decimal(v.cents));
        item["price_set"]["shop_money"]["amount"] = json!(decimal(v.cents));
        subtotal += v.cents * quantity as i64;
        items.push(item);
    }
    if n % 4 == 3 {
        let mut item = template.clone();
        item["id"] = json!(id * 10 + 9);
        subtotal += 19_900;
        items.push(item);
    }
    order["id"] = json!(id);
    order["admin_graphql_api_id"] = json!(format!("gid://shopify/Order/{id}"));
    order["name"] = json!(format!("#{}", 1001 + n));
    order["order_number"] = json!(1001 + n);
    order["email"] = json!(email);
    order["contact_email"] = json!(email);
    order["created_at"] = json!(updated_at);
    order["processed_at"] = json!(updated_at);
    order["updated_at"] = json!(updated_at);
    order["line_items"] = Value::Array(items);
    order["subtotal_price"] = json!(decimal(subtotal));
    order["total_line_items_price"] = json!(decimal(subtotal));
    order["total_price"] = json!(decimal(subtotal + 1_000));
    order["customer"]["email"] = json!(email);
    order["customer"]["first_name"] = json!(first);
    order["customer"]["last_name"] = json!(last);
    order["shipping_address"]["first_name"] = json!(first);
    order["shipping_address"]["last_name"] = json!(last);
    order["shipping_address"]["name"] = json!(format!("{first} {last}"));
    order
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(body);
    BASE64.encode(mac.finalize().into_bytes())
}

/// One signed webhook, ready to send.
struct Webhook {
    id: String,
    topic: &'static str,
    body: Vec<u8>,
    signature: String,
}

impl Webhook {
    fn new(secret: &str, id: String, topic: &'static str, order: &Value) -> Webhook {
        let body = serde_json::to_vec(order).unwrap_or_default();
        let signature = sign(secret, &body);
        Webhook { id, topic, body, signature }
    }

    async fn send(&self, client: &Client, url: &Url) -> Result<(u16, String), reqwest::Error> {
        let response = client
            .post(url.clone())
            .header("content-type", "application/json")
            .header("x-shopify-topic", self.topic)
            .header("x-shopify-hmac-sha256", &self.signature)
            .header("x-shopify-shop-domain", "bazaar-sample.myshopify.com")
            .header("x-shopify-api-version", "2025-10")
            .header("x-shopify-webhook-id", &self.id)
            .body(self.body.clone())
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.text().await.unwrap_or_default()))
    }
}

/// Milliseconds since 1970: tags a run's Shopify order ids, webhook ids
/// and emails, so that runs never collide.
fn run_tag() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0))
}

fn rfc3339(offset_secs: i64) -> String {
    let secs = i64::try_from(run_tag() / 1000).unwrap_or(0) + offset_secs;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

async fn send(args: SendArgs) -> Result<bool, RunError> {
    let target = Target::parse(&args.common.url).await?;
    let client = target.client(4)?;
    let variants = catalog(&client, &target, args.common.products).await?;
    let url = target.url("/webhooks/shopify")?;
    let run = run_tag();
    let created = rfc3339(0);
    println!("shopify-bench send: {} orders to {url} ({} catalog variants); open {}admin to watch them arrive", args.orders, variants.len(), target.base);
    let mut ok = true;
    let pause = Duration::from_secs_f64(1.0 / args.rate.clamp(0.01, 1000.0));
    let mut orders = Vec::new();
    for n in 0..args.orders as usize {
        let id = i64::try_from(run).unwrap_or(0) * 1000 + n as i64;
        let body = order(id, n, run, &created, &variants);
        let webhook = Webhook::new(&args.common.secret, format!("sample-{run}-{n}-create"), "orders/create", &body);
        let (status, answer) = webhook.send(&client, &url).await.map_err(|e| failed("POST /webhooks/shopify", e))?;
        println!("  orders/create  {} ({}, {} line(s), total {}): {status} {answer}", body["name"].as_str().unwrap_or(""), body["email"].as_str().unwrap_or(""), body["line_items"].as_array().map_or(0, Vec::len), body["total_price"].as_str().unwrap_or(""));
        ok &= status == 200;
        orders.push((n, id, body));
        tokio::time::sleep(pause).await;
    }
    if !args.no_updates {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let later = rfc3339(60);
        for (n, id, mut body) in orders {
            let topic = if n % 5 == 4 {
                body["cancelled_at"] = json!(later);
                body["cancel_reason"] = json!("customer");
                body["financial_status"] = json!("refunded");
                "orders/cancelled"
            } else if n % 3 == 2 {
                body["fulfillment_status"] = json!("fulfilled");
                body["fulfillments"] = json!([{ "id": id, "status": "success", "tracking_company": "UPS", "tracking_number": format!("1Z{id}") }]);
                "orders/fulfilled"
            } else {
                continue;
            };
            body["updated_at"] = json!(later);
            let webhook = Webhook::new(&args.common.secret, format!("sample-{run}-{n}-update"), topic, &body);
            let (status, answer) = webhook.send(&client, &url).await.map_err(|e| failed("POST /webhooks/shopify", e))?;
            println!("  {topic:<16} {}: {status} {answer}", body["name"].as_str().unwrap_or(""));
            ok &= status == 200;
            tokio::time::sleep(pause).await;
        }
    }
    if !ok {
        eprintln!("shopify-bench send: some webhooks were not accepted (401: wrong --secret; 503: the shop has no BAZAAR_SHOPIFY_WEBHOOK_SECRET)");
    }
    Ok(ok)
}

/// Percentiles of durations, ms.
#[derive(Debug, Clone, Copy, Default, Serialize)]
struct Latency {
    count: u64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Latency {
    fn of(samples: impl Iterator<Item = Duration>) -> Latency {
        let Ok(mut hist) = Histogram::<u64>::new_with_bounds(1, HIST_MAX_US, 3) else { return Latency::default() };
        for d in samples {
            let _ = hist.record(u64::try_from(d.as_micros()).unwrap_or(HIST_MAX_US).clamp(1, HIST_MAX_US));
        }
        let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
        Latency { count: hist.len(), p50_ms: ms(0.5), p90_ms: ms(0.9), p99_ms: ms(0.99), max_ms: hist.max() as f64 / 1000.0 }
    }

    fn line(&self) -> String {
        format!("p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples)", self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms, self.count)
    }
}

#[derive(Debug, Serialize)]
struct Report {
    webhooks: usize,
    concurrency: u32,
    accepted: usize,
    refused: usize,
    errors: usize,
    accept_secs: f64,
    accepted_per_sec: f64,
    accept: Latency,
    synced: usize,
    end_to_end_secs: f64,
    orders_per_sec: f64,
    accept_to_synced: Latency,
}

/// The demo admin's socket on `/ws`, subscribed to `orders`; reports the
/// arrival time of each ORDER_SYNCED by the order's customer email (the
/// first only).
async fn admin_socket(target: &Target, client: &Client) -> Result<tokio::sync::mpsc::UnboundedReceiver<(String, Instant)>, RunError> {
    let step = "signing in as the demo admin";
    let response = client
        .post(target.url("/api/auth/sign-in")?)
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .map_err(|e| failed(step, e))?;
    if !response.status().is_success() {
        return Err(failed(step, format!("HTTP {}", response.status())));
    }
    let cookie: Vec<String> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    let cookie = HeaderValue::from_str(&cookie.join("; ")).map_err(|e| failed(step, e))?;
    let mut ws_url = target.base.clone();
    ws_url.set_scheme("ws").map_err(|()| failed("ws URL", "cannot set the scheme"))?;
    ws_url.set_path("/ws");
    let tcp = TcpStream::connect(target.addr).await.map_err(|e| failed("connect /ws", e))?;
    let _ = tcp.set_nodelay(true);
    let mut request = ws_url.as_str().into_client_request().map_err(|e| failed("/ws", e))?;
    request.headers_mut().insert(COOKIE, cookie);
    let origin = HeaderValue::from_str(&target.base.origin().ascii_serialization()).map_err(|e| failed("origin", e))?;
    request.headers_mut().insert(ORIGIN, origin);
    let (mut socket, _) = tokio_tungstenite::client_async(request, tcp).await.map_err(|e| failed("/ws handshake", e))?;
    let subscribe = json!({ "type": "subscribe", "topic": "orders", "after": null }).to_string();
    socket.send(Message::Text(subscribe.into())).await.map_err(|e| failed("subscribe", e))?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let message: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                match message["type"].as_str() {
                    Some("snapshot") => break,
                    Some("error") => return Err(failed("subscribe", &message["message"])),
                    _ => {}
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(failed("/ws", e)),
            None => return Err(failed("/ws", "closed before the snapshot")),
        }
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = socket.next().await {
            let Message::Text(text) = frame else { continue };
            let at = Instant::now();
            let message: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
            if message["type"] == "event" && message["kind"] == "ORDER_SYNCED" {
                if let Some(email) = message["payload"]["customer_email"].as_str() {
                    if tx.send((email.to_owned(), at)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    Ok(rx)
}

async fn bench(args: BenchArgs) -> Result<bool, RunError> {
    let target = Target::parse(&args.common.url).await?;
    let concurrency = args.concurrency as usize;
    let client = target.client(concurrency)?;
    let variants = catalog(&client, &target, args.common.products).await?;
    let mut synced_rx = admin_socket(&target, &client).await?;
    let url = target.url("/webhooks/shopify")?;
    let run = run_tag();
    let created = rfc3339(0);
    let count = args.webhooks as usize;
    let mut emails = Vec::with_capacity(count);
    let webhooks: Vec<Webhook> = (0..count)
        .map(|n| {
            let id = i64::try_from(run).unwrap_or(0) * 1_000_000 + n as i64;
            let body = order(id, n, run, &created, &variants);
            emails.push(body["email"].as_str().unwrap_or_default().to_owned());
            Webhook::new(&args.common.secret, format!("bench-{run}-{n}"), "orders/create", &body)
        })
        .collect();
    let index: HashMap<String, usize> = emails.iter().cloned().enumerate().map(|(n, e)| (e, n)).collect();
    println!(
        "shopify-bench: {count} signed orders/create webhooks to {url}, {concurrency} at a time{}; {} catalog variants; {} CPU(s) shared by the load generator and the server",
        args.rate.map_or(String::new(), |r| format!(", {r}/s")),
        variants.len(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let next = Arc::new(AtomicUsize::new(0));
    let webhooks = Arc::new(webhooks);
    let accepted_at: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; count]));
    let start = Instant::now();
    let spacing = args.rate.filter(|r| r.is_finite() && *r > 0.0).map(|r| Duration::from_secs_f64(1.0 / r));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url, next, webhooks, accepted_at) = (client.clone(), url.clone(), next.clone(), webhooks.clone(), accepted_at.clone());
            tokio::spawn(async move {
                let (mut latencies, mut refused, mut errors) = (Vec::new(), 0usize, 0usize);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(webhook) = webhooks.get(n) else { break };
                    if let Some(spacing) = spacing {
                        tokio::time::sleep_until((start + spacing * u32::try_from(n).unwrap_or(u32::MAX)).into()).await;
                    }
                    let sent = Instant::now();
                    match webhook.send(&client, &url).await {
                        Ok((200, _)) => {
                            let now = Instant::now();
                            latencies.push(now - sent);
                            if let Ok(mut at) = accepted_at.lock() {
                                at[n] = Some(now);
                            }
                        }
                        Ok(_) => refused += 1,
                        Err(_) => errors += 1,
                    }
                }
                (latencies, refused, errors)
            })
        })
        .collect();
    let (mut latencies, mut refused, mut errors) = (Vec::new(), 0, 0);
    for worker in workers {
        let (l, r, e) = worker.await.map_err(|e| failed("worker", e))?;
        latencies.extend(l);
        refused += r;
        errors += e;
    }
    let accept_secs = start.elapsed().as_secs_f64();
    let accepted = latencies.len();
    eprintln!("-> {accepted} accepted in {accept_secs:.2} s; waiting for their ORDER_SYNCED");
    let mut synced_at: Vec<Option<Instant>> = vec![None; count];
    let mut synced = 0;
    let drain_deadline = tokio::time::Instant::now() + Duration::from_secs(args.drain_secs);
    while synced < accepted {
        match tokio::time::timeout_at(drain_deadline, synced_rx.recv()).await {
            Ok(Some((email, at))) => {
                if let Some(&n) = index.get(&email) {
                    if synced_at[n].is_none() {
                        synced_at[n] = Some(at);
                        synced += 1;
                    }
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    let last_synced = synced_at.iter().flatten().max().copied().unwrap_or(start);
    let end_to_end_secs = (last_synced - start).as_secs_f64();
    let accepted_at = accepted_at.lock().map(|a| a.clone()).unwrap_or_default();
    let report = Report {
        webhooks: count,
        concurrency: args.concurrency,
        accepted,
        refused,
        errors,
        accept_secs,
        accepted_per_sec: accepted as f64 / accept_secs.max(1e-9),
        accept: Latency::of(latencies.into_iter()),
        synced,
        end_to_end_secs,
        orders_per_sec: synced as f64 / end_to_end_secs.max(1e-9),
        accept_to_synced: Latency::of(accepted_at.iter().zip(&synced_at).filter_map(|(a, s)| Some(s.as_ref()?.saturating_duration_since(*a.as_ref()?)))),
    };
    println!("accepted          {} of {} ({} refused, {} errors) in {:.2} s: {:.0} webhooks/s", report.accepted, count, refused, errors, accept_secs, report.accepted_per_sec);
    println!("accept latency    {}", report.accept.line());
    println!("processed         {} orders in {:.2} s from the first send to the last ORDER_SYNCED: {:.0} orders/s", synced, end_to_end_secs, report.orders_per_sec);
    println!("accept→synced     {}", report.accept_to_synced.line());
    if args.json {
        println!("{}", serde_json::to_string(&report).map_err(|e| failed("JSON", e))?);
    }
    Ok(refused == 0 && errors == 0 && synced == accepted)
}
