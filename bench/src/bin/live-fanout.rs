//! `live-fanout`: how long one order change takes to reach N admin
//! WebSockets on `/ws`, whether every socket gets every change exactly
//! once, and how much server memory an open socket costs. Local machine
//! only.
//!
//! It signs in as the demo admin once, opens N sockets with that session
//! (at most `--connect-concurrency` handshakes at a time), subscribes each
//! to `orders` and waits for every snapshot, reading the server's `VmRSS`
//! before and after. Then it edits the notes of the newest order M times,
//! one `PUT /api/admin/orders/{id}` after the other at `--rate` a second,
//! each with the version the previous answer returned, while every socket
//! notes when each `ORDER_SYNCED` of that order arrives. See
//! bench/README.md.
//!
//! ```sh
//! cargo build --release -p bench
//! target/release/live-fanout --url http://127.0.0.1:3320 --sockets 1000 --pid "$SERVER_PID"
//! ```

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures::{stream, SinkExt, StreamExt};
use hdrhistogram::Histogram;
use reqwest::header::{HeaderValue, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{redirect, Client, Url};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{interval, sleep, timeout, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{client_async, WebSocketStream};

/// The demo admin that `BAZAAR_SEED=demo` creates (docs/api.md).
const ADMIN_EMAIL: &str = "admin@bazaar.test";
const ADMIN_PASSWORD: &str = "bazaar-demo-overseer";
/// The admin-only topic that carries every order change.
const TOPIC: &str = "orders";
/// The kind of event an order change produces on [`TOPIC`].
const ORDER_SYNCED: &str = "ORDER_SYNCED";
/// After the last expected event, how long to keep listening for
/// duplicates before the sockets are closed.
const DUPLICATE_GRACE: Duration = Duration::from_millis(250);
/// Histogram range: 1 µs .. 1 h, 3 significant digits, as the other tools.
const HIST_MAX_US: u64 = 3_600_000_000;
const HIST_SIGFIG: u8 = 3;

/// Exit status when an event was missing, duplicated or out of order.
const EXIT_FAILED: u8 = 1;
/// Exit status for bad arguments (clap uses it too).
const EXIT_USAGE: u8 = 2;
/// Exit status when the benchmark could not run.
const EXIT_CANNOT_RUN: u8 = 3;

/// Fan-out of live order events to many admin sockets, on loopback only.
///
/// Exit status: 0 when every socket received every change exactly once and
/// in order; 1 when one did not; 2 for bad arguments; 3 when the benchmark
/// could not run (server down, sign-in refused, no order, a socket that
/// would not open).
#[derive(Debug, Parser)]
#[command(name = "live-fanout", version)]
struct Args {
    /// The shop's origin, e.g. http://127.0.0.1:3320. The host must be
    /// 127.0.0.1, localhost or [::1]; anything else is refused.
    #[arg(long, value_name = "BASE")]
    url: String,
    /// WebSockets to open, all signed in as the demo admin and subscribed
    /// to `orders`.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    sockets: u32,
    /// Changes to make to the order, one after the other.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    changes: u32,
    /// Changes per second. A change is never sent before the previous one
    /// was answered, so a slow server gets fewer.
    #[arg(long, default_value_t = 20.0, value_parser = positive_rate)]
    rate: f64,
    /// The server's process id: its VmRSS is read from /proc/PID/status
    /// before and after opening the sockets (memory per socket).
    #[arg(long)]
    pid: Option<u32>,
    /// WebSocket handshakes (and subscriptions) in flight at once.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1024))]
    connect_concurrency: u32,
    /// Longest wait for an HTTP answer, for a snapshot, and for the last
    /// events after the last change was answered.
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// After the report, also print one JSON object (a line starting with `{`).
    #[arg(long)]
    json: bool,
}

fn positive_rate(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && (0.01..=10_000.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "`{raw}` is not a rate between 0.01 and 10000 per second"
        )),
    }
}

/// Why the benchmark could not run (or was refused).
#[derive(Debug, thiserror::Error)]
enum RunError {
    /// The safety rule, or a URL that is not an origin.
    #[error("refusing `{url}`: {reason}")]
    Refused { url: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// A call to the JSON API failed.
    #[error("{step}: {reason}")]
    Api { step: String, reason: String },
    #[error("the shop has no order to change: place one first (bench/live.sh checks out one)")]
    NoOrder,
    #[error(
        "order {id} changed under us (it is at version {current}, we had {ours}); \
         run against a database nobody else is using"
    )]
    Conflict { id: i64, current: i64, ours: i64 },
    #[error("socket {index}: {reason}")]
    Socket { index: usize, reason: String },
    #[error("cannot read the memory of process {pid}: {reason}")]
    Memory { pid: u32, reason: String },
    #[error("histogram: {0}")]
    Histogram(#[from] hdrhistogram::CreationError),
    #[error("a socket task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("cannot serialise the report: {0}")]
    Json(#[from] serde_json::Error),
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("live-fanout: events were missing, duplicated or out of order (see above)");
            ExitCode::from(EXIT_FAILED)
        }
        Err(err @ RunError::Refused { .. }) => {
            eprintln!("live-fanout: {err}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(err) => {
            eprintln!("live-fanout: {err}");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// Sign-in, sockets, changes, report. Returns whether delivery was exact.
async fn run(args: &Args) -> Result<bool, RunError> {
    let target = Target::parse(&args.url).await?;
    let patience = Duration::from_secs(args.timeout);
    let sockets = usize::try_from(args.sockets).unwrap_or(usize::MAX);
    let admin = Admin::sign_in(&target, patience).await?;
    let order = admin.newest_order().await?;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "live-fanout: {sockets} socket(s) on {}, topic `{TOPIC}`; {} change(s) to order {} at {}/s; \
         {cores} CPU(s) (load generator and server share them)",
        target.ws_url, args.changes, order.id, args.rate
    );

    let rss_before = args.pid.map(vm_rss_kib).transpose()?;
    eprintln!(
        "-> opening {sockets} sockets, {} at a time",
        args.connect_concurrency
    );
    let (stop, stopped) = watch::channel(false);
    let received = Arc::new(AtomicU64::new(0));
    let opening = Instant::now();
    let listeners = open_all(
        &target,
        &admin.cookie,
        sockets,
        usize::try_from(args.connect_concurrency).unwrap_or(1),
        patience,
        Listen {
            order: order.id,
            stopped,
            received: Arc::clone(&received),
        },
    )
    .await?;
    let open_time = opening.elapsed();
    let rss_open = args.pid.map(vm_rss_kib).transpose()?;

    eprintln!("-> {} changes at {}/s", args.changes, args.rate);
    let changing = Instant::now();
    let changes = admin.change_notes(order, args.changes, args.rate).await;
    let change_time = changing.elapsed();
    // Even after a failed change, close the sockets before giving up.
    let expected = sockets as u64 * changes.as_ref().map_or(0, |c| c.len() as u64);
    let deadline = Instant::now() + patience;
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        sleep(Duration::from_millis(10)).await;
    }
    sleep(DUPLICATE_GRACE).await;
    let rss_after = args.pid.map(vm_rss_kib).transpose()?;
    // The receivers live in the listeners, which are all still running.
    let _ = stop.send(true);
    let mut logs = Vec::with_capacity(listeners.len());
    for listener in listeners {
        logs.push(listener.await?);
    }
    let changes = changes?;

    let tally = Tally::of(&changes, &logs)?;
    let memory = args
        .pid
        .zip(rss_before)
        .zip(rss_open)
        .map(|((pid, before), open)| Memory {
            pid,
            before_kib: before,
            open_kib: open,
            after_changes_kib: rss_after.unwrap_or(open),
            per_socket_kib: round3((open as f64 - before as f64) / sockets as f64),
        });
    let report = Report {
        url: target.ws_url.to_string(),
        sockets,
        changes: changes.len(),
        rate_asked: args.rate,
        rate_made: round3(changes.len() as f64 / change_time.as_secs_f64().max(f64::EPSILON)),
        order_id: order.id,
        open_s: round3(open_time.as_secs_f64()),
        put: Latency::of(changes.iter().map(|c| Some(c.answered - c.sent)))?,
        memory,
        tally,
    };
    report.print();
    if args.json {
        println!();
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(report.tally.passed())
}

/// The shop, checked to be on this machine.
#[derive(Debug, Clone)]
struct Target {
    /// The origin, path `/`.
    base: Url,
    /// `ws://HOST:PORT/ws`.
    ws_url: Url,
    /// The shop's own origin, as its pages send it in `Origin`.
    origin: HeaderValue,
    /// Host name without IPv6 brackets, for pinning the resolver.
    host: String,
    /// The loopback address every connection goes to.
    addr: SocketAddr,
}

impl Target {
    /// Accepts only `http://` origins on 127.0.0.1, localhost or [::1], and
    /// resolves `localhost` here, refusing it if any answer is not a
    /// loopback address (so neither /etc/hosts nor a proxy can send the
    /// load elsewhere).
    async fn parse(raw: &str) -> Result<Target, RunError> {
        let refuse = |reason: &str| RunError::Refused {
            url: raw.to_owned(),
            reason: reason.to_owned(),
        };
        let base = Url::parse(raw).map_err(|e| refuse(&e.to_string()))?;
        if base.scheme() != "http" {
            return Err(refuse("only http:// is supported"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(refuse("credentials in URLs are not supported"));
        }
        if base.path() != "/" || base.query().is_some() || base.fragment().is_some() {
            return Err(refuse("give the origin only, like http://127.0.0.1:3320"));
        }
        let host = base.host_str().ok_or_else(|| refuse("missing host"))?;
        let bare = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = base.port_or_known_default().unwrap_or(80);
        let addr = match bare.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) if ip == Ipv4Addr::LOCALHOST => SocketAddr::new(ip.into(), port),
            Ok(IpAddr::V6(ip)) if ip == Ipv6Addr::LOCALHOST => SocketAddr::new(ip.into(), port),
            Err(_) if bare == "localhost" => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare.as_str(), port))
                    .await
                    .map_err(|e| refuse(&format!("cannot resolve localhost: {e}")))?
                    .collect();
                if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
                    return Err(refuse(
                        "localhost does not resolve to loopback addresses only",
                    ));
                }
                *addrs
                    .iter()
                    .find(|a| a.is_ipv4())
                    .or(addrs.first())
                    .ok_or_else(|| refuse("no address"))?
            }
            _ => {
                return Err(refuse(
                    "not a loopback host (only 127.0.0.1, localhost and [::1] are allowed)",
                ))
            }
        };
        let mut ws_url = base.clone();
        ws_url
            .set_scheme("ws")
            .map_err(|()| refuse("cannot build the ws:// URL"))?;
        ws_url.set_path("/ws");
        let origin = HeaderValue::from_str(&base.origin().ascii_serialization())
            .map_err(|_| refuse("the origin is not a valid header value"))?;
        Ok(Target {
            base,
            ws_url,
            origin,
            host: bare,
            addr,
        })
    }
}

/// An order and the version it is at.
#[derive(Debug, Clone, Copy, Deserialize)]
struct OrderRef {
    id: i64,
    version: i64,
}

/// One change: the version it produced, when its `PUT` was about to be
/// sent and when its whole answer had arrived.
#[derive(Debug, Clone, Copy)]
struct Change {
    version: i64,
    sent: Instant,
    answered: Instant,
}

/// The demo admin's session over the JSON API.
struct Admin {
    client: Client,
    base: Url,
    /// `bazaar_session=…`, sent by hand on every call and handshake.
    cookie: HeaderValue,
}

impl Admin {
    /// Signs in and keeps the session cookie.
    async fn sign_in(target: &Target, patience: Duration) -> Result<Admin, RunError> {
        let client = Client::builder()
            // Loopback only: no proxy from the environment, and the name
            // pinned to the address we checked.
            .no_proxy()
            .resolve(&target.host, target.addr)
            .redirect(redirect::Policy::none())
            .http1_only()
            .tcp_nodelay(true)
            .timeout(patience)
            .user_agent("bazaar-live-fanout")
            .build()
            .map_err(RunError::Client)?;
        let step = format!("signing in as {ADMIN_EMAIL}");
        let response = client
            .post(
                target
                    .base
                    .join("/api/auth/sign-in")
                    .map_err(|e| api(&step, e))?,
            )
            .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .map_err(|e| api(&step, e))?;
        let status = response.status();
        let cookie = session_cookie(
            response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(api(&step, format!("HTTP {status}: {}", shorten(&body))));
        }
        let cookie = cookie
            .and_then(|c| HeaderValue::from_str(&c).ok())
            .ok_or_else(|| api(&step, "the answer set no cookie"))?;
        Ok(Admin {
            client,
            base: target.base.clone(),
            cookie,
        })
    }

    /// The first order of `GET /api/admin/orders?limit=1`.
    async fn newest_order(&self) -> Result<OrderRef, RunError> {
        #[derive(Deserialize)]
        struct Page {
            rows: Vec<OrderRef>,
        }
        let step = "listing orders (GET /api/admin/orders?limit=1)";
        let url = self
            .base
            .join("/api/admin/orders?limit=1")
            .map_err(|e| api(step, e))?;
        let response = self
            .client
            .get(url)
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .map_err(|e| api(step, e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| api(step, e))?;
        if !status.is_success() {
            return Err(api(step, format!("HTTP {status}: {}", shorten(&body))));
        }
        let page: Page = serde_json::from_str(&body)
            .map_err(|e| api(step, format!("{e} in {}", shorten(&body))))?;
        page.rows.first().copied().ok_or(RunError::NoOrder)
    }

    /// Edits the notes of `order` `count` times at `rate` a second, each
    /// `PUT` with the version the previous answer returned.
    async fn change_notes(
        &self,
        order: OrderRef,
        count: u32,
        rate: f64,
    ) -> Result<Vec<Change>, RunError> {
        let url = self
            .base
            .join(&format!("/api/admin/orders/{}", order.id))
            .map_err(|e| api("order URL", e))?;
        // A tag per run, so that no change leaves the notes as they were
        // (an edit that changes nothing makes no event).
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut ticks = interval(Duration::from_secs_f64(1.0 / rate));
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut version = order.version;
        let mut changes = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for k in 0..count {
            ticks.tick().await;
            let step = format!("change {k} (PUT {})", url.path());
            let body = json!({ "version": version, "notes": format!("bench-{run}-{k}") });
            let request = self
                .client
                .put(url.clone())
                .header(COOKIE, &self.cookie)
                .json(&body);
            let sent = Instant::now();
            let response = request.send().await.map_err(|e| api(&step, e))?;
            let status = response.status();
            let text = response.text().await.map_err(|e| api(&step, e))?;
            let answered = Instant::now();
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if status.as_u16() == 409 {
                let current = answer["current"]["version"].as_i64().unwrap_or(-1);
                return Err(RunError::Conflict {
                    id: order.id,
                    current,
                    ours: version,
                });
            }
            if !status.is_success() {
                return Err(api(&step, format!("HTTP {status}: {}", shorten(&text))));
            }
            let next = answer["version"]
                .as_i64()
                .ok_or_else(|| api(&step, format!("no version in {}", shorten(&text))))?;
            if next != version + 1 {
                return Err(api(
                    &step,
                    format!(
                        "version went from {version} to {next}, expected {}",
                        version + 1
                    ),
                ));
            }
            version = next;
            changes.push(Change {
                version,
                sent,
                answered,
            });
        }
        Ok(changes)
    }
}

/// `name=value; …` of every cookie in `set_cookie` headers, or `None`.
fn session_cookie<'a>(set_cookie: impl Iterator<Item = &'a str>) -> Option<String> {
    let pairs: Vec<&str> = set_cookie
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|p| p.contains('='))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join("; "))
}

fn api(step: &str, reason: impl ToString) -> RunError {
    RunError::Api {
        step: step.to_owned(),
        reason: reason.to_string(),
    }
}

/// At most 300 characters of an answer, for messages.
fn shorten(text: &str) -> String {
    let mut cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// What the server sends on `/ws` (docs/live.md), the parts we read.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerMessage {
    Event {
        topic: String,
        seq: i64,
        kind: String,
        #[serde(default)]
        payload: Value,
    },
    Snapshot {
        topic: String,
    },
    Error {
        message: String,
    },
}

type Socket = WebSocketStream<TcpStream>;

/// What every listening socket shares.
#[derive(Debug, Clone)]
struct Listen {
    /// The order whose events are timed.
    order: i64,
    /// Becomes `true` when the sockets should close.
    stopped: watch::Receiver<bool>,
    /// Events of `order` received over all sockets (duplicates included).
    received: Arc<AtomicU64>,
}

/// One event of the timed order, as a socket received it.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    version: i64,
    seq: i64,
    at: Instant,
}

/// Everything one socket received.
#[derive(Debug, Default)]
struct SocketLog {
    arrivals: Vec<Arrival>,
    /// Why the socket ended before it was told to, if it did.
    ended: Option<String>,
}

/// Opens `count` sockets, `concurrency` handshakes at a time; each starts
/// listening as soon as its snapshot arrived (so it answers the server's
/// pings while the others open). Fails on the first socket that does not
/// open, after closing those that did.
async fn open_all(
    target: &Target,
    cookie: &HeaderValue,
    count: usize,
    concurrency: usize,
    patience: Duration,
    listen: Listen,
) -> Result<Vec<JoinHandle<SocketLog>>, RunError> {
    let opened: Vec<Result<JoinHandle<SocketLog>, RunError>> = stream::iter(0..count)
        .map(|index| {
            let listen = listen.clone();
            async move {
                let socket = timeout(patience, open(target, cookie))
                    .await
                    .map_err(|_| format!("no snapshot within {} s", patience.as_secs()))
                    .and_then(|opened| opened)
                    .map_err(|reason| RunError::Socket { index, reason })?;
                Ok(tokio::spawn(listen_to(socket, listen)))
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let failures = opened.iter().filter(|o| o.is_err()).count();
    let mut listeners = Vec::with_capacity(count);
    let mut first_error = None;
    for outcome in opened {
        match outcome {
            Ok(listener) => listeners.push(listener),
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    match first_error {
        None => Ok(listeners),
        Some(err) => {
            for listener in &listeners {
                listener.abort();
            }
            eprintln!("live-fanout: {failures} of {count} sockets did not open");
            Err(err)
        }
    }
}

/// Connects, upgrades with the admin's cookie and the shop's own `Origin`,
/// subscribes to [`TOPIC`] and waits for its snapshot.
async fn open(target: &Target, cookie: &HeaderValue) -> Result<Socket, String> {
    let tcp = TcpStream::connect(target.addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    let mut request = target
        .ws_url
        .as_str()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    request.headers_mut().insert(COOKIE, cookie.clone());
    request.headers_mut().insert(ORIGIN, target.origin.clone());
    let (mut socket, _) = client_async(request, tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let subscribe = json!({ "type": "subscribe", "topic": TOPIC, "after": null }).to_string();
    socket
        .send(Message::Text(subscribe.into()))
        .await
        .map_err(|e| format!("subscribe: {e}"))?;
    while let Some(frame) = socket.next().await {
        let Message::Text(text) = frame.map_err(|e| format!("waiting for the snapshot: {e}"))?
        else {
            continue;
        };
        match serde_json::from_str::<ServerMessage>(text.as_str()) {
            Ok(ServerMessage::Snapshot { topic }) if topic == TOPIC => return Ok(socket),
            Ok(ServerMessage::Error { message }) => {
                return Err(format!("subscription refused: {message}"))
            }
            Ok(_) => {}
            Err(e) => {
                return Err(format!(
                    "unreadable message {}: {e}",
                    shorten(text.as_str())
                ))
            }
        }
    }
    Err("closed before the snapshot".into())
}

/// Notes the arrival of every event of the timed order until told to stop,
/// then closes the socket.
async fn listen_to(mut socket: Socket, mut listen: Listen) -> SocketLog {
    let mut log = SocketLog::default();
    loop {
        tokio::select! {
            biased;
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    match serde_json::from_str::<ServerMessage>(text.as_str()) {
                        Ok(ServerMessage::Event { topic, seq, kind, payload }) if topic == TOPIC && kind == ORDER_SYNCED => {
                            if payload["id"].as_i64() == Some(listen.order) {
                                let version = payload["version"].as_i64().unwrap_or(-1);
                                log.arrivals.push(Arrival { version, seq, at });
                                listen.received.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Ok(ServerMessage::Error { message }) => {
                            log.ended = Some(format!("server error: {message}"));
                            break;
                        }
                        Ok(_) => {}
                        Err(e) => {
                            log.ended = Some(format!("unreadable message {}: {e}", shorten(text.as_str())));
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    log.ended = Some(match frame {
                        Some(frame) => format!("closed by the server: {} {}", u16::from(frame.code), frame.reason),
                        None => "closed by the server".into(),
                    });
                    break;
                }
                // Pings are answered by the library.
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    log.ended = Some(e.to_string());
                    break;
                }
                None => {
                    log.ended = Some("connection closed".into());
                    break;
                }
            },
            _ = listen.stopped.changed() => break,
        }
    }
    // The server may already be gone; nothing to do then.
    let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
    log
}

/// `VmRSS` of `pid`, KiB.
fn vm_rss_kib(pid: u32) -> Result<u64, RunError> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| RunError::Memory {
            pid,
            reason: e.to_string(),
        })?;
    parse_vm_rss(&status).ok_or_else(|| RunError::Memory {
        pid,
        reason: "no VmRSS line".into(),
    })
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Percentiles of a set of durations, ms.
#[derive(Debug, Clone, Copy, Default, Serialize)]
struct Latency {
    count: u64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Latency {
    /// Percentiles of the `Some` samples (all zero when there are none).
    fn of(samples: impl Iterator<Item = Option<Duration>>) -> Result<Latency, RunError> {
        let mut hist = Histogram::<u64>::new_with_bounds(1, HIST_MAX_US, HIST_SIGFIG)?;
        for d in samples.flatten() {
            hist.saturating_record(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        }
        if hist.is_empty() {
            return Ok(Latency::default());
        }
        let ms = |us: u64| round3(us as f64 / 1000.0);
        Ok(Latency {
            count: hist.len(),
            p50_ms: ms(hist.value_at_quantile(0.50)),
            p90_ms: ms(hist.value_at_quantile(0.90)),
            p99_ms: ms(hist.value_at_quantile(0.99)),
            max_ms: ms(hist.max()),
        })
    }
}

/// Every socket's events held against the changes made.
#[derive(Debug, Clone, Serialize)]
struct Tally {
    /// sockets × changes.
    expected: u64,
    /// (socket, change) pairs received at least once.
    delivered: u64,
    /// (socket, change) pairs never received.
    missing: u64,
    /// Receipts beyond the first of a (socket, change) pair.
    duplicated: u64,
    /// Events whose `seq` was not above the previous one on their socket.
    out_of_order: u64,
    /// Events of the order with a version none of our changes produced.
    unexpected: u64,
    /// Sockets that ended (closed, errored) before the end of the run.
    sockets_ended_early: u64,
    /// The first socket that ended early, and why.
    first_ending: Option<String>,
    /// PUT about to be sent → event received, per (socket, change).
    send_to_deliver: Latency,
    /// PUT answered → event received, per (socket, change); an event that
    /// came before the answer counts as 0.
    answer_to_deliver: Latency,
    /// Events that arrived before their PUT's answer (counted as 0 above).
    before_answer: u64,
    /// PUT about to be sent → the last socket received it, per change
    /// that reached every socket.
    send_to_last_socket: Latency,
}

impl Tally {
    fn of(changes: &[Change], logs: &[SocketLog]) -> Result<Tally, RunError> {
        let index: HashMap<i64, usize> = changes
            .iter()
            .enumerate()
            .map(|(k, c)| (c.version, k))
            .collect();
        let mut tally = Tally {
            expected: (logs.len() * changes.len()) as u64,
            delivered: 0,
            missing: 0,
            duplicated: 0,
            out_of_order: 0,
            unexpected: 0,
            sockets_ended_early: 0,
            first_ending: None,
            send_to_deliver: Latency::default(),
            answer_to_deliver: Latency::default(),
            before_answer: 0,
            send_to_last_socket: Latency::default(),
        };
        let mut send_to_deliver = Vec::new();
        let mut answer_to_deliver = Vec::new();
        // Per change: the latest first receipt, and on how many sockets.
        let mut last = vec![(Duration::ZERO, 0usize); changes.len()];
        for (socket, log) in logs.iter().enumerate() {
            if let Some(why) = &log.ended {
                tally.sockets_ended_early += 1;
                tally
                    .first_ending
                    .get_or_insert_with(|| format!("socket {socket}: {why}"));
            }
            let mut seen = vec![false; changes.len()];
            let mut previous_seq = i64::MIN;
            for arrival in &log.arrivals {
                if arrival.seq <= previous_seq {
                    tally.out_of_order += 1;
                }
                previous_seq = previous_seq.max(arrival.seq);
                let Some(&k) = index.get(&arrival.version) else {
                    tally.unexpected += 1;
                    continue;
                };
                if std::mem::replace(&mut seen[k], true) {
                    tally.duplicated += 1;
                    continue;
                }
                let change = changes[k];
                let since_send = arrival.at.saturating_duration_since(change.sent);
                send_to_deliver.push(since_send);
                match arrival.at.checked_duration_since(change.answered) {
                    Some(since_answer) => answer_to_deliver.push(since_answer),
                    None => {
                        tally.before_answer += 1;
                        answer_to_deliver.push(Duration::ZERO);
                    }
                }
                last[k] = (last[k].0.max(since_send), last[k].1 + 1);
            }
            tally.delivered += seen.iter().filter(|s| **s).count() as u64;
        }
        tally.missing = tally.expected - tally.delivered;
        tally.send_to_deliver = Latency::of(send_to_deliver.into_iter().map(Some))?;
        tally.answer_to_deliver = Latency::of(answer_to_deliver.into_iter().map(Some))?;
        tally.send_to_last_socket = Latency::of(
            last.iter()
                .map(|&(slowest, sockets)| (sockets == logs.len()).then_some(slowest)),
        )?;
        Ok(tally)
    }

    /// Every socket got every change exactly once, in order, and nothing else.
    fn passed(&self) -> bool {
        self.missing == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.unexpected == 0
            && self.sockets_ended_early == 0
    }
}

/// The server's resident memory around opening the sockets.
#[derive(Debug, Clone, Copy, Serialize)]
struct Memory {
    pid: u32,
    before_kib: u64,
    /// After every socket had its snapshot.
    open_kib: u64,
    /// After the changes were delivered (sockets still open).
    after_changes_kib: u64,
    /// (open − before) ÷ sockets.
    per_socket_kib: f64,
}

/// Everything reported (the JSON line is this object).
#[derive(Debug, Clone, Serialize)]
struct Report {
    url: String,
    sockets: usize,
    changes: usize,
    rate_asked: f64,
    /// Changes made per second of the change phase.
    rate_made: f64,
    order_id: i64,
    /// Seconds to open and subscribe every socket.
    open_s: f64,
    /// PUT sent → answer read.
    put: Latency,
    memory: Option<Memory>,
    tally: Tally,
}

impl Report {
    fn print(&self) {
        let t = &self.tally;
        println!();
        println!(
            "sockets opened and subscribed: {} in {:.3} s",
            self.sockets, self.open_s
        );
        match &self.memory {
            Some(m) => {
                println!(
                    "server RSS (pid {}): {} KiB before, {} KiB with the sockets open, {} KiB after the changes",
                    m.pid, m.before_kib, m.open_kib, m.after_changes_kib
                );
                println!(
                    "memory per socket: {:.1} KiB  (RSS with them open − before, ÷ {})",
                    m.per_socket_kib, self.sockets
                );
            }
            None => println!("server RSS: not measured (give --pid)"),
        }
        println!(
            "changes: {} to order {}, {:.2}/s made ({}/s asked)",
            self.changes, self.order_id, self.rate_made, self.rate_asked
        );
        print_latency("PUT answered:                  ", &self.put);
        println!(
            "events: expected {} ({} sockets × {} changes), delivered {}, missing {}, duplicated {}, \
             out of order {}, unexpected {}",
            t.expected, self.sockets, self.changes, t.delivered, t.missing, t.duplicated, t.out_of_order, t.unexpected
        );
        println!("sockets ended early: {}", t.sockets_ended_early);
        if let Some(why) = &t.first_ending {
            println!("  first: {why}");
        }
        print_latency("send→deliver (PUT sent → event):  ", &t.send_to_deliver);
        print_latency(
            "answer→deliver (PUT answered → event, clamped at 0): ",
            &t.answer_to_deliver,
        );
        let share = if t.delivered > 0 {
            100.0 * t.before_answer as f64 / t.delivered as f64
        } else {
            0.0
        };
        println!(
            "  events that arrived before their PUT's answer: {} ({share:.1} %), counted as 0",
            t.before_answer
        );
        print_latency(
            "send→last socket (PUT sent → all sockets have it): ",
            &t.send_to_last_socket,
        );
        println!();
        println!(
            "result: {}",
            if t.passed() {
                "PASS"
            } else {
                "FAIL (events missing, duplicated, out of order or unexpected, or sockets closed)"
            }
        );
    }
}

fn print_latency(label: &str, l: &Latency) {
    println!(
        "{label}p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms  (n = {})",
        l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.count
    );
}

/// Rounds to three decimals so JSON stays readable.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests may panic on failure")]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_loopback_origins_are_accepted() {
        for url in [
            "http://127.0.0.1:3320",
            "http://127.0.0.1:3320/",
            "http://[::1]:3320",
            "http://localhost:3320",
        ] {
            let target = Target::parse(url).await.unwrap();
            assert!(target.addr.ip().is_loopback(), "{url}");
            assert_eq!(target.ws_url.path(), "/ws");
        }
        let target = Target::parse("http://127.0.0.1:3320").await.unwrap();
        assert_eq!(target.ws_url.as_str(), "ws://127.0.0.1:3320/ws");
        assert_eq!(target.origin, "http://127.0.0.1:3320");
        for url in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.2/",
            "http://0.0.0.0:3000/",
            "http://localhost.example.com/",
            "https://127.0.0.1/",
            "http://user@127.0.0.1/",
            "http://127.0.0.1/shop",
            "not a url",
        ] {
            assert!(
                matches!(Target::parse(url).await, Err(RunError::Refused { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn keeps_every_cookie_pair() {
        let headers = [
            "bazaar_session=abc; Path=/; HttpOnly; SameSite=Lax",
            "other=1",
        ];
        assert_eq!(
            session_cookie(headers.into_iter()).unwrap(),
            "bazaar_session=abc; other=1"
        );
        assert_eq!(session_cookie(std::iter::empty()), None);
    }

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tserver\nVmHWM:\t  90000 kB\nVmRSS:\t   81234 kB\nThreads:\t4\n";
        assert_eq!(parse_vm_rss(status), Some(81234));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    fn arrival(version: i64, seq: i64, at: Instant) -> Arrival {
        Arrival { version, seq, at }
    }

    #[test]
    fn tallies_delivery_and_latency() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let changes = [
            Change {
                version: 2,
                sent: t0,
                answered: t0 + ms(4),
            },
            Change {
                version: 3,
                sent: t0 + ms(10),
                answered: t0 + ms(14),
            },
        ];
        let exact = SocketLog {
            arrivals: vec![arrival(2, 1, t0 + ms(5)), arrival(3, 2, t0 + ms(12))],
            ended: None,
        };
        let tally = Tally::of(&changes, &[exact]).unwrap();
        assert_eq!(
            (
                tally.expected,
                tally.delivered,
                tally.missing,
                tally.duplicated
            ),
            (2, 2, 0, 0)
        );
        assert!(tally.passed());
        // The second event came before its PUT's answer: clamped to 0.
        assert_eq!(tally.before_answer, 1);
        assert_eq!(tally.answer_to_deliver.count, 2);
        assert!(
            (tally.send_to_deliver.max_ms - 5.0).abs() < 0.01,
            "{:?}",
            tally.send_to_deliver
        );
        assert_eq!(tally.send_to_last_socket.count, 2);

        let duplicate = SocketLog {
            arrivals: vec![arrival(2, 1, t0 + ms(5)), arrival(2, 1, t0 + ms(6))],
            ended: None,
        };
        let closed = SocketLog {
            arrivals: vec![arrival(3, 2, t0 + ms(12)), arrival(9, 3, t0 + ms(13))],
            ended: Some("4008".into()),
        };
        let tally = Tally::of(&changes, &[duplicate, closed]).unwrap();
        assert_eq!((tally.expected, tally.delivered, tally.missing), (4, 2, 2));
        assert_eq!(
            (
                tally.duplicated,
                tally.out_of_order,
                tally.unexpected,
                tally.sockets_ended_early
            ),
            (1, 1, 1, 1)
        );
        // No change reached both sockets.
        assert_eq!(tally.send_to_last_socket.count, 0);
        assert!(!tally.passed());
    }

    #[test]
    fn rates_must_be_positive() {
        assert_eq!(positive_rate("20").unwrap(), 20.0);
        assert!(positive_rate("0").is_err());
        assert!(positive_rate("-1").is_err());
        assert!(positive_rate("fast").is_err());
    }
}
