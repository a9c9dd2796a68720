//! `chat-bench`: live chat on `/ws` with many idle customer sockets, against
//! a bare WebSocket server measured in the same run. Local machine only.
//!
//! It measures, for the shop (`--url`) and for `ws-baseline`
//! (`--baseline-url`, one tokio broadcast channel per room):
//!
//! - **memory per idle socket**: the server's `VmRSS` (`--pid`,
//!   `--baseline-pid`) before and after opening C customer sockets, each
//!   subscribed to its own conversation, and S support sockets subscribed
//!   to the queue;
//! - **delivery latency**: support replies at a steady `--rate` for
//!   `--duration` seconds, each to a random conversation; send → arrival
//!   of its `CHAT_MESSAGE` on that conversation's socket, p50/p90/p99/max;
//!   every socket is checked for exactly-once, in-order delivery, and every
//!   support socket for one `CONVERSATION_CHANGED` per reply;
//! - **throughput**: `--senders` K senders back to back for
//!   `--throughput-secs`, shop and baseline alternated `--rounds` times;
//!   messages a second whose delivery arrived, and the ratio of the medians.
//!
//! On the shop, each of the C guests first writes a message through `POST
//! /api/chat/send` (which starts its conversation and gives it a session
//! cookie) and opens `/ws` with that cookie; the support sockets and the
//! replies use one demo admin session. See bench/README.md.
//!
//! ```sh
//! cargo build --release -p bench
//! target/release/chat-bench --url http://127.0.0.1:3320 --baseline-url http://127.0.0.1:3330 \
//!     --sockets 1000 --pid "$SERVER_PID" --baseline-pid "$BASELINE_PID"
//! ```

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures::{stream, SinkExt, StreamExt};
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::{HeaderValue, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{redirect, Client, Url};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::{interval, sleep, timeout, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{client_async_with_config, WebSocketStream};

/// The demo admin that `BAZAAR_SEED=demo` creates (docs/api.md).
const ADMIN_EMAIL: &str = "admin@bazaar.test";
const ADMIN_PASSWORD: &str = "bazaar-demo-overseer";
/// A message in a conversation, on `chat:{id}`.
const CHAT_MESSAGE: &str = "CHAT_MESSAGE";
/// A conversation's new state, on `support`.
const CONVERSATION_CHANGED: &str = "CONVERSATION_CHANGED";
/// After the last expected delivery, how long to keep listening for
/// duplicates.
const DUPLICATE_GRACE: Duration = Duration::from_millis(250);
/// Steady-phase replies waiting for an answer at once; beyond it the rate
/// made falls below the rate asked (and the report says so).
const MAX_IN_FLIGHT: usize = 256;
/// Read buffer of each client socket (tungstenite allocates its default
/// 128 KiB up front, which 20,000 sockets cannot afford).
const CLIENT_READ_BUFFER: usize = 4 * 1024;
/// Idle keep-alive connections kept per server.
const POOL_IDLE: usize = 64;
/// Open files the tool needs besides its sockets and HTTP connections.
const FD_MARGIN: u64 = 128;
/// The issue's targets.
const MEMORY_TARGET_KIB: f64 = 20.0;
const RATIO_TARGET: f64 = 0.7;
/// Histogram range: 1 µs .. 1 h, 3 significant digits, as the other tools.
const HIST_MAX_US: u64 = 3_600_000_000;
const HIST_SIGFIG: u8 = 3;

/// Exit status when a delivery was missing, duplicated, out of order or
/// misdelivered, a socket closed early or a steady reply failed.
const EXIT_FAILED: u8 = 1;
/// Exit status for bad arguments (clap uses it too).
const EXIT_USAGE: u8 = 2;
/// Exit status when the benchmark could not run.
const EXIT_CANNOT_RUN: u8 = 3;

/// Live chat with many idle sockets: memory per socket, delivery latency
/// and throughput, for the shop and a bare broadcast baseline; loopback
/// only.
///
/// Exit status: 0 when every delivery arrived exactly once and in order
/// (customer and support sockets, every phase), no socket closed early
/// and every steady-phase reply was answered; 1 otherwise; 2 for bad
/// arguments; 3 when the benchmark could not run.
#[derive(Debug, Parser)]
#[command(name = "chat-bench", version)]
struct Args {
    /// The shop's origin, e.g. http://127.0.0.1:3320 (127.0.0.1, localhost
    /// or [::1] only). Leave out to measure the baseline alone.
    #[arg(long, value_name = "BASE", required_unless_present = "baseline_url")]
    url: Option<String>,
    /// The origin of a running `ws-baseline`, measured in the same run.
    #[arg(long, value_name = "BASE")]
    baseline_url: Option<String>,
    /// Customer sockets (and conversations) per server.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    sockets: u32,
    /// Support sockets per server, subscribed to the queue.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=100))]
    support_sockets: u32,
    /// Steady-phase replies per second (open loop: one is sent every
    /// 1/RATE s whether the previous was answered or not).
    #[arg(long, default_value_t = 200.0, value_parser = positive_rate)]
    rate: f64,
    /// Steady-phase length.
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    duration: u64,
    /// Throughput phase: senders sending back to back, each on its own
    /// keep-alive connection.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    senders: u32,
    /// Throughput phase: length of each round, per server.
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    throughput_secs: u64,
    /// Throughput rounds, each on the shop then the baseline (alternating
    /// which goes first); 0 skips the phase.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=20))]
    rounds: u32,
    /// The shop's process id: its VmRSS is read from /proc/PID/status
    /// before and after opening the sockets.
    #[arg(long)]
    pid: Option<u32>,
    /// The baseline's process id, likewise.
    #[arg(long)]
    baseline_pid: Option<u32>,
    /// Guest conversations started at once during setup.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=256))]
    setup_concurrency: u32,
    /// WebSocket handshakes (and subscriptions) in flight at once.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    connect_concurrency: u32,
    /// Longest wait for an HTTP answer, for a snapshot, and for the last
    /// deliveries after a phase's last answer.
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
    /// A call to an HTTP API failed.
    #[error("{step}: {reason}")]
    Api { step: String, reason: String },
    #[error("{who}: {reason}")]
    Socket { who: String, reason: String },
    #[error(
        "{need} open files needed for the sockets, but the limit is {limit}; raise it (ulimit -n) \
         or open fewer --sockets"
    )]
    Files { need: u64, limit: u64 },
    #[error("cannot read the memory of process {pid}: {reason}")]
    Memory { pid: u32, reason: String },
    #[error("histogram: {0}")]
    Histogram(#[from] hdrhistogram::CreationError),
    #[error("a task failed: {0}")]
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
            eprintln!(
                "chat-bench: deliveries were missing, duplicated, out of order or misdelivered, \
                 a socket closed or a steady reply failed (see above)"
            );
            ExitCode::from(EXIT_FAILED)
        }
        Err(err @ RunError::Refused { .. }) => {
            eprintln!("chat-bench: {err}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(err) => {
            eprintln!("chat-bench: {err}");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// Setup, sockets, steady phase, throughput rounds, report. Returns
/// whether every delivery was exact.
async fn run(args: &Args) -> Result<bool, RunError> {
    let patience = Duration::from_secs(args.timeout);
    // Client ids are unique per run, so a rerun on the same database
    // never meets the first run's ids.
    let tag = format!(
        "b{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    // Checked before any setup, so a bad URL is refused at once.
    let shop = match &args.url {
        Some(url) => Some(Origin::parse(url).await?),
        None => None,
    };
    let baseline = match &args.baseline_url {
        Some(url) => Some(Origin::parse(url).await?),
        None => None,
    };
    let mut servers = Vec::new();
    if let Some(origin) = shop {
        servers.push(Server::shop(origin, args, &tag, patience).await?);
    }
    if let Some(origin) = baseline {
        servers.push(Server::baseline(origin, args, patience)?);
    }

    // Both ends of every socket are on this machine; this process holds
    // the client ends of every server's sockets it keeps open.
    let per_server = u64::from(args.sockets) + u64::from(args.support_sockets);
    let http = MAX_IN_FLIGHT.max(usize::try_from(args.setup_concurrency).unwrap_or(0)) as u64;
    let limit = open_files_limit().unwrap_or(u64::MAX);
    let need_one = per_server + http + FD_MARGIN;
    if limit < need_one {
        return Err(RunError::Files {
            need: need_one,
            limit,
        });
    }
    let keep_all = limit >= (per_server + http) * servers.len() as u64 + FD_MARGIN;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "chat-bench: {} customer + {} support socket(s) per server; steady {}/s for {} s; \
         throughput {} sender(s) × {} s × {} round(s); {cores} CPU(s) shared with the servers; \
         {}",
        args.sockets,
        args.support_sockets,
        args.rate,
        args.duration,
        args.senders,
        args.throughput_secs,
        args.rounds,
        if keep_all || servers.len() < 2 {
            "every server's sockets stay open".to_owned()
        } else {
            format!("open files limit {limit}: one server's sockets open at a time")
        }
    );

    for at in 0..servers.len() {
        ensure_open(&mut servers, at, keep_all, args, patience).await?;
        servers[at].steady(args, &tag, patience).await?;
    }
    for round in 1..=args.rounds {
        // Whoever is open goes first; the order alternates every round.
        let mut order: Vec<usize> = (0..servers.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for at in order {
            ensure_open(&mut servers, at, keep_all, args, patience).await?;
            servers[at]
                .throughput_round(round, args, &tag, patience)
                .await?;
        }
    }
    for server in &mut servers {
        server.close().await?;
    }

    let reports: Vec<ServerReport> = servers.into_iter().map(Server::finish).collect();
    let median = |kind: Kind| {
        reports
            .iter()
            .find(|r| r.kind == kind)
            .and_then(|r| r.throughput.as_ref())
            .map(|s| s.median)
    };
    let ratio = median(Kind::Shop)
        .zip(median(Kind::Baseline))
        .filter(|(_, baseline)| *baseline > 0.0)
        .map(|(shop, baseline)| round3(shop / baseline));
    let report = Report {
        customer_sockets: args.sockets,
        support_sockets: args.support_sockets,
        cores,
        rate: args.rate,
        duration_s: args.duration,
        senders: args.senders,
        throughput_secs: args.throughput_secs,
        rounds: args.rounds,
        sockets_kept_open: keep_all,
        passed: reports.iter().all(ServerReport::passed),
        ratio,
        servers: reports,
    };
    report.print();
    if args.json {
        println!();
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(report.passed)
}

/// Opens `servers[at]`'s sockets unless they are open, first closing every
/// other server's when they cannot all stay open.
async fn ensure_open(
    servers: &mut [Server],
    at: usize,
    keep_all: bool,
    args: &Args,
    patience: Duration,
) -> Result<(), RunError> {
    if servers[at].open.is_some() {
        return Ok(());
    }
    if !keep_all {
        for (k, other) in servers.iter_mut().enumerate() {
            if k != at {
                other.close().await?;
            }
        }
    }
    let concurrency = usize::try_from(args.connect_concurrency).unwrap_or(1);
    servers[at].open_sockets(concurrency, patience).await
}

/// Which server a figure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Shop,
    Baseline,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Shop => "shop",
            Kind::Baseline => "baseline",
        })
    }
}

/// A server's origin, checked to be on this machine.
#[derive(Debug, Clone)]
struct Origin {
    /// The origin, path `/`.
    base: Url,
    /// The same, as its own pages send it in `Origin`.
    header: HeaderValue,
    /// Host name without IPv6 brackets, for pinning the resolver.
    host: String,
    /// The loopback address every connection goes to.
    addr: SocketAddr,
}

impl Origin {
    /// Accepts only `http://` origins on 127.0.0.1, localhost or [::1], and
    /// resolves `localhost` here, refusing it if any answer is not a
    /// loopback address (so neither /etc/hosts nor a proxy can send the
    /// load elsewhere).
    async fn parse(raw: &str) -> Result<Origin, RunError> {
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
        let loopback = [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ];
        let addr = match bare.parse::<IpAddr>() {
            Ok(ip) if loopback.contains(&ip) => SocketAddr::new(ip, port),
            Err(_) if bare == "localhost" => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare.as_str(), port))
                    .await
                    .map_err(|e| refuse(&format!("cannot resolve localhost: {e}")))?
                    .collect();
                if addrs.iter().any(|a| !a.ip().is_loopback()) {
                    return Err(refuse(
                        "localhost does not resolve to loopback addresses only",
                    ));
                }
                addrs
                    .iter()
                    .find(|a| a.is_ipv4())
                    .or(addrs.first())
                    .copied()
                    .ok_or_else(|| refuse("localhost resolves to nothing"))?
            }
            _ => {
                return Err(refuse(
                    "not a loopback host (only 127.0.0.1, localhost and [::1] are allowed)",
                ))
            }
        };
        let header = HeaderValue::from_str(&base.origin().ascii_serialization())
            .map_err(|_| refuse("the origin is not a valid header value"))?;
        Ok(Origin {
            base,
            header,
            host: bare,
            addr,
        })
    }

    /// `http://…{path}`.
    fn http_url(&self, path: &str) -> Result<Url, RunError> {
        self.base.join(path).map_err(|e| api(path, e))
    }

    /// `ws://…{path}`.
    fn ws_url(&self, path: &str) -> Result<Url, String> {
        let mut url = self.base.join(path).map_err(|e| e.to_string())?;
        url.set_scheme("ws")
            .map_err(|()| "cannot build the ws:// URL".to_owned())?;
        Ok(url)
    }

    /// A keep-alive HTTP/1.1 client pinned to this origin's address, with
    /// no proxy and no redirects.
    fn client(&self, patience: Duration) -> Result<Client, RunError> {
        Client::builder()
            .no_proxy()
            .resolve(&self.host, self.addr)
            .redirect(redirect::Policy::none())
            .http1_only()
            .tcp_nodelay(true)
            .timeout(patience)
            .pool_max_idle_per_host(POOL_IDLE)
            .user_agent("bazaar-chat-bench")
            .build()
            .map_err(RunError::Client)
    }
}

/// What a send answers: the message as stored (the parts we check).
#[derive(Debug, Clone, Deserialize)]
struct ChatAnswer {
    conversation: i64,
    seq: i64,
    client_id: String,
}

/// One answered reply.
#[derive(Debug, Clone)]
struct Sent {
    /// The socket (conversation) index it went to.
    index: usize,
    conversation: i64,
    /// Its sequence number in the conversation.
    seq: i64,
    client_id: String,
    /// Just before the request was sent, and when its answer was read.
    sent: Instant,
    answered: Instant,
}

/// A reply that was not answered 200. Its message may still have been
/// stored and delivered (after a client-side timeout, say).
#[derive(Debug, Clone)]
struct Failed {
    index: usize,
    client_id: String,
    reason: String,
}

/// Sends chat messages to one server: `POST /api/chat/send` on the shop
/// (as the admin, so as support), `POST /send` on the baseline.
#[derive(Debug, Clone)]
struct Poster {
    kind: Kind,
    http: Client,
    url: Url,
    origin: HeaderValue,
    /// The admin's session (shop only).
    cookie: Option<HeaderValue>,
}

impl Poster {
    /// POSTs `body` with the shop's `Origin` (and `cookie`), and returns the
    /// message answered and the cookies set.
    async fn post(
        &self,
        body: &Value,
        cookie: Option<&HeaderValue>,
    ) -> Result<(ChatAnswer, Option<String>), String> {
        let mut request = self
            .http
            .post(self.url.clone())
            .header(ORIGIN, &self.origin)
            .json(body);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let set = session_cookie(
            response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        let text = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", shorten(&text)));
        }
        let answer =
            serde_json::from_str(&text).map_err(|e| format!("{e} in {}", shorten(&text)))?;
        Ok((answer, set))
    }

    /// Sends reply `client_id` to conversation `conversation` (socket
    /// `index`), timed.
    async fn reply(
        &self,
        index: usize,
        conversation: i64,
        client_id: String,
    ) -> Result<Sent, Failed> {
        let text = format!("Bench reply {client_id}");
        let body = match self.kind {
            Kind::Shop => {
                json!({ "conversation": conversation, "client_id": client_id, "text": text })
            }
            Kind::Baseline => json!({ "room": conversation, "client_id": client_id, "text": text }),
        };
        let failed = |reason: String| Failed {
            index,
            client_id: client_id.clone(),
            reason,
        };
        let sent = Instant::now();
        let (answer, _) = self
            .post(&body, self.cookie.as_ref())
            .await
            .map_err(failed)?;
        let answered = Instant::now();
        if answer.client_id != client_id || answer.conversation != conversation {
            return Err(failed(format!(
                "sent {client_id} to conversation {conversation}, answered {} in conversation {}",
                answer.client_id, answer.conversation
            )));
        }
        Ok(Sent {
            index,
            conversation,
            seq: answer.seq,
            client_id,
            sent,
            answered,
        })
    }
}

/// One customer's conversation, by socket index.
#[derive(Debug, Clone)]
struct Conversation {
    id: i64,
    /// The guest's session (shop only).
    cookie: Option<HeaderValue>,
    /// The last sequence number we know of: where a socket subscribes from.
    last_seq: i64,
}

/// Signs in as the demo admin and returns the session cookie.
async fn sign_in(http: &Client, origin: &Origin) -> Result<HeaderValue, RunError> {
    let step = format!("signing in as {ADMIN_EMAIL} (the shop needs BAZAAR_SEED=demo)");
    let response = http
        .post(origin.http_url("/api/auth/sign-in")?)
        .header(ORIGIN, &origin.header)
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
    cookie
        .and_then(|c| HeaderValue::from_str(&c).ok())
        .ok_or_else(|| api(&step, "the answer set no cookie"))
}

/// Starts `count` guest conversations, `concurrency` at a time: each guest
/// sends a first message without a session and keeps the cookie it gets.
async fn start_guests(
    poster: &Poster,
    count: usize,
    concurrency: usize,
    tag: &str,
) -> Result<Vec<Conversation>, RunError> {
    let started: Vec<Result<Conversation, String>> = stream::iter(0..count)
        .map(|i| async move {
            let body = json!({ "client_id": format!("{tag}-g{i}"), "text": format!("Hello from bench guest {i}") });
            let (answer, cookie) = poster.post(&body, None).await?;
            let cookie = cookie
                .and_then(|c| HeaderValue::from_str(&c).ok())
                .ok_or("the answer set no session cookie")?;
            Ok(Conversation {
                id: answer.conversation,
                cookie: Some(cookie),
                last_seq: answer.seq,
            })
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut conversations = Vec::with_capacity(count);
    for (i, outcome) in started.into_iter().enumerate() {
        let step = || {
            format!(
                "guest {i} starting a conversation (POST {})",
                poster.url.path()
            )
        };
        conversations.push(outcome.map_err(|reason| api(&step(), reason))?);
    }
    let mut ids: Vec<i64> = conversations.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != count {
        return Err(api(
            "starting guest conversations",
            format!(
                "{count} guests got only {} distinct conversations",
                ids.len()
            ),
        ));
    }
    Ok(conversations)
}

/// One server under test, and what the bench keeps on it.
struct Server {
    kind: Kind,
    origin: Origin,
    poster: Poster,
    /// The admin's session, for the support sockets (shop only).
    admin: Option<HeaderValue>,
    /// By socket index.
    conversations: Vec<Conversation>,
    /// The conversation ids by socket index, for the senders.
    ids: Arc<[i64]>,
    support_sockets: usize,
    pid: Option<u32>,
    inbox: Arc<Inbox>,
    open: Option<OpenSockets>,
    report: ServerReport,
}

impl Server {
    /// Signs in and starts one guest conversation per customer socket.
    async fn shop(
        origin: Origin,
        args: &Args,
        tag: &str,
        patience: Duration,
    ) -> Result<Server, RunError> {
        let http = origin.client(patience)?;
        let admin = sign_in(&http, &origin).await?;
        let poster = Poster {
            kind: Kind::Shop,
            http,
            url: origin.http_url("/api/chat/send")?,
            origin: origin.header.clone(),
            cookie: Some(admin.clone()),
        };
        let count = usize::try_from(args.sockets).unwrap_or(0);
        let concurrency = usize::try_from(args.setup_concurrency).unwrap_or(1);
        eprintln!("-> shop: starting {count} guest conversations, {concurrency} at a time");
        let started = Instant::now();
        let conversations = start_guests(&poster, count, concurrency, tag).await?;
        let mut server = Server::new(Kind::Shop, origin, poster, Some(admin), conversations, args);
        server.report.setup_s = Some(round3(started.elapsed().as_secs_f64()));
        server.pid = args.pid;
        Ok(server)
    }

    /// Rooms 1..=C.
    fn baseline(origin: Origin, args: &Args, patience: Duration) -> Result<Server, RunError> {
        let poster = Poster {
            kind: Kind::Baseline,
            http: origin.client(patience)?,
            url: origin.http_url("/send")?,
            origin: origin.header.clone(),
            cookie: None,
        };
        let conversations = (1..=i64::from(args.sockets))
            .map(|id| Conversation {
                id,
                cookie: None,
                last_seq: 0,
            })
            .collect();
        let mut server = Server::new(Kind::Baseline, origin, poster, None, conversations, args);
        server.pid = args.baseline_pid;
        Ok(server)
    }

    fn new(
        kind: Kind,
        origin: Origin,
        poster: Poster,
        admin: Option<HeaderValue>,
        conversations: Vec<Conversation>,
        args: &Args,
    ) -> Server {
        let support_sockets = usize::try_from(args.support_sockets).unwrap_or(0);
        Server {
            kind,
            report: ServerReport::new(
                kind,
                origin.base.to_string(),
                conversations.len(),
                support_sockets,
            ),
            ids: conversations.iter().map(|c| c.id).collect(),
            origin,
            poster,
            admin,
            conversations,
            support_sockets,
            pid: None,
            inbox: Arc::default(),
            open: None,
        }
    }

    /// How to open every socket: one per conversation, then the support
    /// sockets.
    fn plans(&self) -> Vec<Plan> {
        let subscribe = |topic: &str, after: Option<i64>| {
            Some(json!({ "type": "subscribe", "topic": topic, "after": after }).to_string())
        };
        let customers = self.conversations.iter().enumerate().map(|(i, c)| {
            let topic = format!("chat:{}", c.id);
            match self.kind {
                Kind::Shop => Plan {
                    who: Who::Customer(i),
                    path: "/ws".into(),
                    cookie: c.cookie.clone(),
                    subscribe: subscribe(&topic, Some(c.last_seq)),
                    topic,
                },
                Kind::Baseline => Plan {
                    who: Who::Customer(i),
                    path: format!("/ws?room={}", c.id),
                    cookie: None,
                    subscribe: None,
                    topic,
                },
            }
        });
        let support = (0..self.support_sockets).map(|j| Plan {
            who: Who::Support(j),
            path: match self.kind {
                Kind::Shop => "/ws".into(),
                Kind::Baseline => "/ws?support=1".into(),
            },
            cookie: self.admin.clone(),
            subscribe: match self.kind {
                Kind::Shop => subscribe("support", None),
                Kind::Baseline => None,
            },
            topic: "support".into(),
        });
        customers.chain(support).collect()
    }

    /// Opens every socket; the first time, also reads the server's memory
    /// around it.
    async fn open_sockets(
        &mut self,
        concurrency: usize,
        patience: Duration,
    ) -> Result<(), RunError> {
        let total = self.conversations.len() + self.support_sockets;
        let first = self.report.open_s.is_none();
        eprintln!(
            "-> {}: {} {total} sockets, {concurrency} at a time",
            self.kind,
            if first { "opening" } else { "reopening" }
        );
        let before = self.pid.map(vm_rss_kib).transpose()?;
        let started = Instant::now();
        let open = open_all(
            &self.origin,
            self.plans(),
            concurrency,
            patience,
            &self.inbox,
        )
        .await?;
        let took = round3(started.elapsed().as_secs_f64());
        let after = self.pid.map(vm_rss_kib).transpose()?;
        self.open = Some(open);
        if !first {
            self.report.reopen_s.push(took);
            return Ok(());
        }
        self.report.open_s = Some(took);
        self.report.memory =
            self.pid
                .zip(before)
                .zip(after)
                .map(|((pid, before_kib), open_kib)| Memory {
                    pid,
                    before_kib,
                    open_kib,
                    per_socket_kib: round3(
                        (open_kib as f64 - before_kib as f64) / total.max(1) as f64,
                    ),
                });
        Ok(())
    }

    async fn close(&mut self) -> Result<(), RunError> {
        if let Some(open) = self.open.take() {
            eprintln!("-> {}: closing its sockets", self.kind);
            open.close().await?;
        }
        Ok(())
    }

    /// `--rate` replies a second for `--duration` seconds.
    async fn steady(&mut self, args: &Args, tag: &str, patience: Duration) -> Result<(), RunError> {
        let count = ((args.rate * args.duration as f64).round() as u64).max(1);
        eprintln!(
            "-> {}: steady phase, {count} replies at {}/s",
            self.kind, args.rate
        );
        self.inbox.take();
        let sends = steady(
            &self.poster,
            &self.ids,
            args.rate,
            count,
            &format!("{tag}-s"),
        )
        .await?;
        let tally = self.deliveries(&sends, patience).await?;
        self.report.steady = Some(SteadyReport {
            replies_asked: count,
            rate_asked: args.rate,
            rate_made: round3(
                tally.answered as f64 / sends.elapsed.as_secs_f64().max(f64::EPSILON),
            ),
            seconds: round3(sends.elapsed.as_secs_f64()),
            tally,
        });
        Ok(())
    }

    /// `--senders` senders back to back for `--throughput-secs`.
    async fn throughput_round(
        &mut self,
        round: u32,
        args: &Args,
        tag: &str,
        patience: Duration,
    ) -> Result<(), RunError> {
        let senders = usize::try_from(args.senders).unwrap_or(1);
        eprintln!(
            "-> {}: throughput round {round}, {senders} senders for {} s",
            self.kind, args.throughput_secs
        );
        self.inbox.take();
        let length = Duration::from_secs(args.throughput_secs);
        let sends = throughput(
            &self.poster,
            &self.ids,
            senders,
            length,
            &format!("{tag}-t{round}"),
            round,
        )
        .await?;
        let tally = self.deliveries(&sends, patience).await?;
        let seconds = sends.elapsed.as_secs_f64().max(f64::EPSILON);
        self.report.rounds.push(RoundReport {
            round,
            senders,
            seconds: round3(seconds),
            answered_per_s: round3(tally.answered as f64 / seconds),
            delivered_per_s: round3(tally.delivered as f64 / seconds),
            tally,
        });
        Ok(())
    }

    /// Waits for the deliveries of `sends`, then holds what arrived
    /// against them; remembers each conversation's last sequence number.
    async fn deliveries(&mut self, sends: &Sends, patience: Duration) -> Result<Tally, RunError> {
        let messages = sends.sent.len() as u64;
        self.inbox
            .wait_for(messages, messages * self.support_sockets as u64, patience)
            .await;
        sleep(DUPLICATE_GRACE).await;
        let (arrived, changed) = self.inbox.take();
        for sent in &sends.sent {
            let conversation = &mut self.conversations[sent.index];
            conversation.last_seq = conversation.last_seq.max(sent.seq);
        }
        Tally::of(sends, &arrived, &changed, self.support_sockets)
    }

    /// The report, with the throughput rounds summed up and the sockets
    /// that ended early.
    fn finish(self) -> ServerReport {
        let mut report = self.report;
        let per_round: Vec<f64> = report.rounds.iter().map(|r| r.delivered_per_s).collect();
        report.throughput = Spread::of(&per_round);
        report.sockets_ended_early = self.inbox.ended.load(Ordering::Relaxed);
        report.first_ending = self.inbox.first_end().clone();
        report
    }
}

/// A socket, by role and index.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Subscribed to conversation `i`'s topic.
    Customer(usize),
    /// Subscribed to `support`.
    Support(usize),
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Who::Customer(i) => write!(f, "customer socket {i}"),
            Who::Support(j) => write!(f, "support socket {j}"),
        }
    }
}

/// How to open one socket.
#[derive(Debug, Clone)]
struct Plan {
    who: Who,
    /// Path and query of the upgrade request.
    path: String,
    cookie: Option<HeaderValue>,
    /// The subscribe frame to send, if the server expects one.
    subscribe: Option<String>,
    /// The topic whose snapshot means the socket listens.
    topic: String,
}

/// A `CHAT_MESSAGE` as a customer socket received it.
#[derive(Debug, Clone)]
struct MessageArrival {
    socket: usize,
    seq: i64,
    client_id: String,
    at: Instant,
}

/// A `CONVERSATION_CHANGED` as a support socket received it.
#[derive(Debug, Clone, Copy)]
struct ChangeArrival {
    socket: usize,
    /// The `support` topic's sequence number.
    seq: i64,
    conversation: i64,
    /// The conversation's last message.
    last_seq: i64,
    at: Instant,
}

/// What one server's sockets received, in the order each socket did.
#[derive(Debug, Default)]
struct Inbox {
    messages: Mutex<Vec<MessageArrival>>,
    changes: Mutex<Vec<ChangeArrival>>,
    message_count: AtomicU64,
    change_count: AtomicU64,
    /// Sockets that ended before they were told to, and the first's reason.
    ended: AtomicU64,
    first_end: Mutex<Option<String>>,
}

impl Inbox {
    /// Notes a frame that `who` received at `at`; an error frame or an
    /// unreadable one ends the socket.
    fn note(&self, who: Who, text: &str, at: Instant) -> Result<(), String> {
        match serde_json::from_str::<ServerFrame>(text) {
            Ok(ServerFrame::Event { seq, kind, payload }) => {
                match who {
                    Who::Customer(socket) if kind == CHAT_MESSAGE => {
                        let client_id =
                            payload["client_id"].as_str().unwrap_or_default().to_owned();
                        lock(&self.messages).push(MessageArrival {
                            socket,
                            seq,
                            client_id,
                            at,
                        });
                        self.message_count.fetch_add(1, Ordering::Relaxed);
                    }
                    Who::Support(socket) if kind == CONVERSATION_CHANGED => {
                        lock(&self.changes).push(ChangeArrival {
                            socket,
                            seq,
                            conversation: payload["id"].as_i64().unwrap_or(-1),
                            last_seq: payload["last_seq"].as_i64().unwrap_or(-1),
                            at,
                        });
                        self.change_count.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
                Ok(())
            }
            Ok(ServerFrame::Error { topic, message }) => Err(format!(
                "server error on {}: {message}",
                topic.as_deref().unwrap_or("the socket")
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("unreadable message {}: {e}", shorten(text))),
        }
    }

    fn end(&self, who: Who, why: String) {
        self.ended.fetch_add(1, Ordering::Relaxed);
        lock(&self.first_end).get_or_insert_with(|| format!("{who}: {why}"));
    }

    fn first_end(&self) -> MutexGuard<'_, Option<String>> {
        lock(&self.first_end)
    }

    /// Waits until `messages` chat messages and `changes` conversation
    /// changes have arrived since the last [`Inbox::take`], or `patience`.
    async fn wait_for(&self, messages: u64, changes: u64, patience: Duration) {
        let deadline = Instant::now() + patience;
        while (self.message_count.load(Ordering::Relaxed) < messages
            || self.change_count.load(Ordering::Relaxed) < changes)
            && Instant::now() < deadline
        {
            sleep(Duration::from_millis(10)).await;
        }
    }

    /// Everything received since the last call.
    fn take(&self) -> (Vec<MessageArrival>, Vec<ChangeArrival>) {
        self.message_count.store(0, Ordering::Relaxed);
        self.change_count.store(0, Ordering::Relaxed);
        (
            std::mem::take(&mut *lock(&self.messages)),
            std::mem::take(&mut *lock(&self.changes)),
        )
    }
}

/// A lock whose holder cannot have left it half-written (pushes and takes
/// only), so a poisoned one is used as is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the servers send on `/ws` (docs/live.md), the parts we read.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerFrame {
    Event {
        seq: i64,
        kind: String,
        #[serde(default)]
        payload: Value,
    },
    Snapshot {
        topic: String,
    },
    Error {
        #[serde(default)]
        topic: Option<String>,
        message: String,
    },
    /// Signals (typing, support presence) and anything newer.
    #[serde(other)]
    Other,
}

type Socket = WebSocketStream<TcpStream>;

/// One server's listening sockets.
struct OpenSockets {
    stop: watch::Sender<bool>,
    listeners: Vec<JoinHandle<()>>,
}

impl OpenSockets {
    /// Tells every socket to close, and waits until they have.
    async fn close(self) -> Result<(), RunError> {
        let _ = self.stop.send(true);
        for listener in self.listeners {
            listener.await?;
        }
        Ok(())
    }
}

/// Opens every socket of `plans`, `concurrency` handshakes at a time; each
/// starts listening as soon as its snapshot arrived (so it answers the
/// server's pings while the others open). Fails on the first socket that
/// does not open, after closing those that did.
async fn open_all(
    origin: &Origin,
    plans: Vec<Plan>,
    concurrency: usize,
    patience: Duration,
    inbox: &Arc<Inbox>,
) -> Result<OpenSockets, RunError> {
    let (stop, stopped) = watch::channel(false);
    let count = plans.len();
    let opened: Vec<Result<JoinHandle<()>, RunError>> = stream::iter(plans)
        .map(|plan| {
            let stopped = stopped.clone();
            let inbox = Arc::clone(inbox);
            async move {
                let socket = timeout(patience, open(origin, &plan))
                    .await
                    .map_err(|_| format!("no snapshot within {} s", patience.as_secs()))
                    .and_then(|opened| opened)
                    .map_err(|reason| RunError::Socket {
                        who: plan.who.to_string(),
                        reason,
                    })?;
                Ok(tokio::spawn(listen(socket, plan.who, inbox, stopped)))
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut listeners = Vec::with_capacity(count);
    let mut first_error = None;
    let mut failures = 0;
    for outcome in opened {
        match outcome {
            Ok(listener) => listeners.push(listener),
            Err(err) => {
                failures += 1;
                first_error.get_or_insert(err);
            }
        }
    }
    let open = OpenSockets { stop, listeners };
    match first_error {
        None => Ok(open),
        Some(err) => {
            eprintln!("chat-bench: {failures} of {count} sockets did not open");
            open.close().await?;
            Err(err)
        }
    }
}

/// Connects, upgrades with the plan's cookie and the server's own
/// `Origin`, subscribes and waits for the snapshot.
async fn open(origin: &Origin, plan: &Plan) -> Result<Socket, String> {
    let tcp = TcpStream::connect(origin.addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    let mut request = origin
        .ws_url(&plan.path)?
        .as_str()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    request.headers_mut().insert(ORIGIN, origin.header.clone());
    if let Some(cookie) = &plan.cookie {
        request.headers_mut().insert(COOKIE, cookie.clone());
    }
    let config = WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER);
    let (mut socket, _) = client_async_with_config(request, tcp, Some(config))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    if let Some(frame) = &plan.subscribe {
        socket
            .send(Message::Text(frame.clone().into()))
            .await
            .map_err(|e| format!("subscribe: {e}"))?;
    }
    while let Some(frame) = socket.next().await {
        let Message::Text(text) = frame.map_err(|e| format!("waiting for the snapshot: {e}"))?
        else {
            continue;
        };
        match serde_json::from_str::<ServerFrame>(text.as_str()) {
            Ok(ServerFrame::Snapshot { topic }) if topic == plan.topic => return Ok(socket),
            Ok(ServerFrame::Error { message, .. }) => {
                return Err(format!("subscription to {} refused: {message}", plan.topic))
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

/// Notes every frame until told to stop, then closes the socket.
async fn listen(
    mut socket: Socket,
    who: Who,
    inbox: Arc<Inbox>,
    mut stopped: watch::Receiver<bool>,
) {
    let ended = loop {
        tokio::select! {
            biased;
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    if let Err(why) = inbox.note(who, text.as_str(), at) {
                        break Some(why);
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    break Some(match frame {
                        Some(frame) => format!("closed by the server: {} {}", u16::from(frame.code), frame.reason),
                        None => "closed by the server".into(),
                    });
                }
                // Pings are answered by the library.
                Some(Ok(_)) => {}
                Some(Err(e)) => break Some(e.to_string()),
                None => break Some("connection closed".into()),
            },
            _ = stopped.changed() => break None,
        }
    };
    if let Some(why) = ended {
        inbox.end(who, why);
    }
    // The server may already be gone; nothing to do then.
    let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
}

/// The replies of one phase.
#[derive(Debug, Default)]
struct Sends {
    sent: Vec<Sent>,
    failed: Vec<Failed>,
    /// From the first send until every answer was back.
    elapsed: Duration,
}

impl Sends {
    fn absorb(&mut self, outcome: Result<Sent, Failed>) {
        match outcome {
            Ok(sent) => self.sent.push(sent),
            Err(failed) => self.failed.push(failed),
        }
    }
}

/// `count` replies at `rate` a second, open loop (at most
/// [`MAX_IN_FLIGHT`] unanswered), each to a random conversation. The
/// conversations are drawn from a fixed seed, so every server gets the
/// same sequence.
async fn steady(
    poster: &Poster,
    ids: &Arc<[i64]>,
    rate: f64,
    count: u64,
    tag: &str,
) -> Result<Sends, RunError> {
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut rng = StdRng::seed_from_u64(1);
    let mut ticks = interval(Duration::from_secs_f64(1.0 / rate));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut tasks = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let started = Instant::now();
    for k in 0..count {
        ticks.tick().await;
        let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else {
            break;
        };
        let index = rng.gen_range(0..ids.len());
        let (poster, conversation, client_id) = (poster.clone(), ids[index], format!("{tag}{k}"));
        tasks.push(tokio::spawn(async move {
            let sent = poster.reply(index, conversation, client_id).await;
            drop(permit);
            sent
        }));
    }
    let mut sends = Sends::default();
    for task in tasks {
        sends.absorb(task.await?);
    }
    sends.elapsed = started.elapsed();
    Ok(sends)
}

/// `senders` senders, each sending to random conversations back to back
/// until `length` has passed.
async fn throughput(
    poster: &Poster,
    ids: &Arc<[i64]>,
    senders: usize,
    length: Duration,
    tag: &str,
    round: u32,
) -> Result<Sends, RunError> {
    let started = Instant::now();
    let deadline = started + length;
    let tasks: Vec<JoinHandle<Sends>> = (0..senders)
        .map(|s| {
            let (poster, ids) = (poster.clone(), Arc::clone(ids));
            let tag = format!("{tag}-{s}-");
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(u64::from(round) * 1000 + s as u64);
                let mut sends = Sends::default();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let index = rng.gen_range(0..ids.len());
                    let outcome = poster.reply(index, ids[index], format!("{tag}{n}")).await;
                    if outcome.is_err() {
                        // A server that refuses is not hammered in a tight loop.
                        sleep(Duration::from_millis(10)).await;
                    }
                    sends.absorb(outcome);
                    n += 1;
                }
                sends
            })
        })
        .collect();
    let mut sends = Sends::default();
    for task in tasks {
        let part = task.await?;
        sends.sent.extend(part.sent);
        sends.failed.extend(part.failed);
    }
    sends.elapsed = started.elapsed();
    Ok(sends)
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

/// This process's soft limit on open files (`None`: unknown or unlimited).
fn open_files_limit() -> Option<u64> {
    parse_open_files_limit(&std::fs::read_to_string("/proc/self/limits").ok()?)
}

fn parse_open_files_limit(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|soft| soft.parse().ok())
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

/// Rounds to three decimals so JSON stays readable.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
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
    /// Percentiles of `samples` (all zero when there are none).
    fn of(samples: impl Iterator<Item = Duration>) -> Result<Latency, RunError> {
        let mut hist = Histogram::<u64>::new_with_bounds(1, HIST_MAX_US, HIST_SIGFIG)?;
        for d in samples {
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

    fn line(&self) -> String {
        format!(
            "p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms  (n = {})",
            self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms, self.count
        )
    }
}

/// One phase's replies held against what the sockets received.
#[derive(Debug, Clone, Default, Serialize)]
struct Tally {
    /// Replies answered 200.
    answered: u64,
    /// Replies refused or failed, and the first reason.
    send_errors: u64,
    first_send_error: Option<String>,
    /// POST sent → answer read.
    post: Latency,
    /// Answered replies whose `CHAT_MESSAGE` reached their conversation's
    /// socket, and those that never did.
    delivered: u64,
    missing: u64,
    /// Receipts beyond the first on the conversation's socket.
    duplicated: u64,
    /// Customer receipts whose `seq` was not above the socket's previous.
    out_of_order: u64,
    /// Messages of this phase on a socket they were not sent to, or that
    /// no reply of the phase made.
    misdelivered: u64,
    /// Messages of failed replies (timed out, say) that arrived anyway on
    /// their socket: stored although the answer never came. Not a failure
    /// in itself (the failed send is counted).
    late: u64,
    /// POST sent → `CHAT_MESSAGE` received on the conversation's socket.
    send_to_deliver: Latency,
    /// Answered replies × support sockets.
    support_expected: u64,
    /// (reply, support socket) pairs with a `CONVERSATION_CHANGED`.
    support_delivered: u64,
    support_missing: u64,
    support_duplicated: u64,
    /// Support receipts whose `seq` was not above the socket's previous.
    support_out_of_order: u64,
    /// `CONVERSATION_CHANGED` of no reply of the phase (not a failure).
    support_other: u64,
    /// POST sent → `CONVERSATION_CHANGED` received, per support socket.
    support_send_to_deliver: Latency,
}

impl Tally {
    fn of(
        sends: &Sends,
        messages: &[MessageArrival],
        changes: &[ChangeArrival],
        support_sockets: usize,
    ) -> Result<Tally, RunError> {
        let sent = &sends.sent;
        let mut tally = Tally {
            answered: sent.len() as u64,
            send_errors: sends.failed.len() as u64,
            first_send_error: sends.failed.first().map(|f| f.reason.clone()),
            post: Latency::of(sent.iter().map(|s| s.answered - s.sent))?,
            support_expected: (sent.len() * support_sockets) as u64,
            ..Tally::default()
        };

        let by_client: HashMap<&str, usize> = sent
            .iter()
            .enumerate()
            .map(|(k, s)| (s.client_id.as_str(), k))
            .collect();
        let failed: HashMap<&str, usize> = sends
            .failed
            .iter()
            .map(|f| (f.client_id.as_str(), f.index))
            .collect();
        let mut seen = vec![0u32; sent.len()];
        let mut last_seq: HashMap<usize, i64> = HashMap::new();
        let mut latencies = Vec::with_capacity(sent.len());
        for arrival in messages {
            let previous = last_seq.entry(arrival.socket).or_insert(i64::MIN);
            if arrival.seq <= *previous {
                tally.out_of_order += 1;
            }
            *previous = (*previous).max(arrival.seq);
            match by_client.get(arrival.client_id.as_str()) {
                Some(&k) if sent[k].index == arrival.socket => {
                    seen[k] += 1;
                    if seen[k] == 1 {
                        latencies.push(arrival.at.saturating_duration_since(sent[k].sent));
                    } else {
                        tally.duplicated += 1;
                    }
                }
                _ if failed.get(arrival.client_id.as_str()) == Some(&arrival.socket) => {
                    tally.late += 1;
                }
                _ => tally.misdelivered += 1,
            }
        }
        tally.delivered = seen.iter().filter(|n| **n > 0).count() as u64;
        tally.missing = tally.answered - tally.delivered;
        tally.send_to_deliver = Latency::of(latencies.into_iter())?;

        let by_message: HashMap<(i64, i64), usize> = sent
            .iter()
            .enumerate()
            .map(|(k, s)| ((s.conversation, s.seq), k))
            .collect();
        let mut got = vec![0u32; sent.len() * support_sockets];
        let mut last_seq: HashMap<usize, i64> = HashMap::new();
        let mut latencies = Vec::with_capacity(got.len());
        for change in changes {
            let previous = last_seq.entry(change.socket).or_insert(i64::MIN);
            if change.seq <= *previous {
                tally.support_out_of_order += 1;
            }
            *previous = (*previous).max(change.seq);
            match by_message.get(&(change.conversation, change.last_seq)) {
                Some(&k) if change.socket < support_sockets => {
                    let slot = &mut got[k * support_sockets + change.socket];
                    *slot += 1;
                    if *slot == 1 {
                        latencies.push(change.at.saturating_duration_since(sent[k].sent));
                    } else {
                        tally.support_duplicated += 1;
                    }
                }
                _ => tally.support_other += 1,
            }
        }
        tally.support_delivered = got.iter().filter(|n| **n > 0).count() as u64;
        tally.support_missing = tally.support_expected - tally.support_delivered;
        tally.support_send_to_deliver = Latency::of(latencies.into_iter())?;
        Ok(tally)
    }

    /// Every answered reply reached its socket and every support socket
    /// exactly once, in order, and nothing else came.
    fn delivered_exactly(&self) -> bool {
        self.missing == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.misdelivered == 0
            && self.support_missing == 0
            && self.support_duplicated == 0
            && self.support_out_of_order == 0
    }
}

/// The server's resident memory around the first opening of its sockets.
#[derive(Debug, Clone, Copy, Serialize)]
struct Memory {
    pid: u32,
    before_kib: u64,
    /// After every socket had its snapshot.
    open_kib: u64,
    /// (open − before) ÷ (customer + support sockets).
    per_socket_kib: f64,
}

/// The steady phase on one server.
#[derive(Debug, Clone, Serialize)]
struct SteadyReport {
    replies_asked: u64,
    rate_asked: f64,
    /// Answered replies ÷ the phase's length until the last answer.
    rate_made: f64,
    seconds: f64,
    tally: Tally,
}

/// One throughput round on one server.
#[derive(Debug, Clone, Serialize)]
struct RoundReport {
    round: u32,
    senders: usize,
    /// From the first send until the last answer.
    seconds: f64,
    answered_per_s: f64,
    /// Answered replies whose delivery arrived, a second: the throughput.
    delivered_per_s: f64,
    tally: Tally,
}

/// Median and spread of the rounds' throughput.
#[derive(Debug, Clone, Serialize)]
struct Spread {
    per_round: Vec<f64>,
    median: f64,
    min: f64,
    max: f64,
    /// (max − min) ÷ median, %.
    spread_pct: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (min, max) = (*sorted.first()?, *sorted.last()?);
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        };
        Some(Spread {
            per_round: values.to_vec(),
            median: round3(median),
            min,
            max,
            spread_pct: if median > 0.0 {
                round3(100.0 * (max - min) / median)
            } else {
                0.0
            },
        })
    }
}

/// Everything measured on one server.
#[derive(Debug, Clone, Serialize)]
struct ServerReport {
    kind: Kind,
    url: String,
    customer_sockets: usize,
    support_sockets: usize,
    /// Seconds to start the guest conversations (shop only).
    setup_s: Option<f64>,
    /// Seconds to open and subscribe every socket the first time, and
    /// each later time (when the servers took turns).
    open_s: Option<f64>,
    reopen_s: Vec<f64>,
    memory: Option<Memory>,
    steady: Option<SteadyReport>,
    rounds: Vec<RoundReport>,
    /// Of `rounds[].delivered_per_s`.
    throughput: Option<Spread>,
    sockets_ended_early: u64,
    first_ending: Option<String>,
}

impl ServerReport {
    fn new(
        kind: Kind,
        url: String,
        customer_sockets: usize,
        support_sockets: usize,
    ) -> ServerReport {
        ServerReport {
            kind,
            url,
            customer_sockets,
            support_sockets,
            setup_s: None,
            open_s: None,
            reopen_s: Vec::new(),
            memory: None,
            steady: None,
            rounds: Vec::new(),
            throughput: None,
            sockets_ended_early: 0,
            first_ending: None,
        }
    }

    /// Exact delivery everywhere, every socket open to the end, and every
    /// steady reply answered.
    fn passed(&self) -> bool {
        self.sockets_ended_early == 0
            && self
                .steady
                .as_ref()
                .is_none_or(|s| s.tally.send_errors == 0 && s.tally.delivered_exactly())
            && self.rounds.iter().all(|r| r.tally.delivered_exactly())
    }

    fn print(&self) {
        println!();
        println!("== {} ({}) ==", self.kind, self.url);
        if let Some(setup) = self.setup_s {
            println!(
                "guest conversations started: {} in {setup:.3} s",
                self.customer_sockets
            );
        }
        let total = self.customer_sockets + self.support_sockets;
        println!(
            "sockets opened and subscribed: {} customer + {} support in {:.3} s{}",
            self.customer_sockets,
            self.support_sockets,
            self.open_s.unwrap_or(0.0),
            if self.reopen_s.is_empty() {
                String::new()
            } else {
                format!(" (reopened in {:?} s)", self.reopen_s)
            }
        );
        match &self.memory {
            Some(m) => println!(
                "memory per idle socket: {:.1} KiB  (RSS of pid {}: {} KiB before, {} KiB with the {total} sockets open; \
                 target ≤ {MEMORY_TARGET_KIB} KiB: {})",
                m.per_socket_kib,
                m.pid,
                m.before_kib,
                m.open_kib,
                met(m.per_socket_kib <= MEMORY_TARGET_KIB)
            ),
            None => println!("memory per idle socket: not measured (give --pid / --baseline-pid)"),
        }
        if let Some(s) = &self.steady {
            println!(
                "steady: {} replies asked at {}/s, {} answered at {:.2}/s over {:.3} s",
                s.replies_asked, s.rate_asked, s.tally.answered, s.rate_made, s.seconds
            );
            print_tally("  ", &s.tally);
        }
        for r in &self.rounds {
            println!(
                "throughput round {}: {} senders, {:.3} s: {:.1} answered/s, {:.1} delivered/s",
                r.round, r.senders, r.seconds, r.answered_per_s, r.delivered_per_s
            );
            print_tally("  ", &r.tally);
        }
        println!("sockets ended early: {}", self.sockets_ended_early);
        if let Some(why) = &self.first_ending {
            println!("  first: {why}");
        }
    }
}

fn print_tally(indent: &str, t: &Tally) {
    println!("{indent}POST answered:           {}", t.post.line());
    println!(
        "{indent}send→deliver (customer): {}",
        t.send_to_deliver.line()
    );
    println!(
        "{indent}send→deliver (support):  {}",
        t.support_send_to_deliver.line()
    );
    println!(
        "{indent}customer sockets: {} answered, {} delivered, {} missing, {} duplicated, {} out of order, {} misdelivered",
        t.answered, t.delivered, t.missing, t.duplicated, t.out_of_order, t.misdelivered
    );
    println!(
        "{indent}support sockets: {} expected, {} delivered, {} missing, {} duplicated, {} out of order, {} other",
        t.support_expected, t.support_delivered, t.support_missing, t.support_duplicated, t.support_out_of_order, t.support_other
    );
    if t.send_errors > 0 {
        println!(
            "{indent}send errors: {}, of which {} delivered anyway (first: {})",
            t.send_errors,
            t.late,
            t.first_send_error.as_deref().unwrap_or("?")
        );
    }
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// Everything reported (the JSON line is this object).
#[derive(Debug, Clone, Serialize)]
struct Report {
    customer_sockets: u32,
    support_sockets: u32,
    cores: usize,
    rate: f64,
    duration_s: u64,
    senders: u32,
    throughput_secs: u64,
    rounds: u32,
    /// Whether every server's sockets stayed open at once (otherwise they
    /// took turns, the open files limit being too low for all).
    sockets_kept_open: bool,
    servers: Vec<ServerReport>,
    /// Median delivered messages/s, shop ÷ baseline.
    ratio: Option<f64>,
    passed: bool,
}

impl Report {
    fn print(&self) {
        for server in &self.servers {
            server.print();
        }
        println!();
        println!("== summary ==");
        for s in &self.servers {
            let memory = s.memory.map_or("not measured".to_owned(), |m| {
                format!("{:.1} KiB", m.per_socket_kib)
            });
            let latency = s.steady.as_ref().map_or("–".to_owned(), |st| {
                let l = &st.tally.send_to_deliver;
                format!("p50 {:.1} ms / p99 {:.1} ms", l.p50_ms, l.p99_ms)
            });
            let throughput = s.throughput.as_ref().map_or("–".to_owned(), |t| {
                format!(
                    "median {:.1}/s (rounds {:?}, spread {:.1} %)",
                    t.median, t.per_round, t.spread_pct
                )
            });
            println!(
                "{:<8} memory per idle socket {memory}; steady send→deliver {latency}; delivered messages {throughput}",
                s.kind.to_string()
            );
        }
        let memory = |kind: Kind| {
            self.servers
                .iter()
                .find(|s| s.kind == kind)
                .and_then(|s| s.memory)
                .map(|m| m.per_socket_kib)
        };
        if let Some((shop, baseline)) = memory(Kind::Shop).zip(memory(Kind::Baseline)) {
            println!(
                "memory per idle socket, shop − baseline: {:.1} KiB",
                shop - baseline
            );
        }
        if let Some(ratio) = self.ratio {
            println!(
                "throughput ratio shop ÷ baseline (medians): {ratio:.3}×  (target ≥ {RATIO_TARGET}×: {})",
                met(ratio >= RATIO_TARGET)
            );
        }
        println!();
        println!(
            "result: {}",
            if self.passed {
                "PASS"
            } else {
                "FAIL (deliveries missing, duplicated, out of order or misdelivered, a socket closed early, \
                 or a steady reply failed)"
            }
        );
        println!(
            "exit status: 0 when every delivery (customer and support sockets, every phase) arrived exactly \
             once and in order, no socket closed early and every steady reply was answered; 1 otherwise"
        );
    }
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
            let origin = Origin::parse(url).await.unwrap();
            assert!(origin.addr.ip().is_loopback(), "{url}");
        }
        let origin = Origin::parse("http://127.0.0.1:3320").await.unwrap();
        assert_eq!(origin.header, "http://127.0.0.1:3320");
        assert_eq!(
            origin.ws_url("/ws?room=7").unwrap().as_str(),
            "ws://127.0.0.1:3320/ws?room=7"
        );
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
                matches!(Origin::parse(url).await, Err(RunError::Refused { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn reads_proc_files() {
        let status = "Name:\tserver\nVmHWM:\t  90000 kB\nVmRSS:\t   81234 kB\nThreads:\t4\n";
        assert_eq!(parse_vm_rss(status), Some(81234));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             95000                95000                processes \n\
                      Max open files            20000                40000                files     \n";
        assert_eq!(parse_open_files_limit(limits), Some(20000));
        assert_eq!(
            parse_open_files_limit(
                "Max open files            unlimited            unlimited            files"
            ),
            None
        );
    }

    #[test]
    fn keeps_every_cookie_pair() {
        let headers = ["bazaar_session=abc; Path=/; HttpOnly", "other=1"];
        assert_eq!(
            session_cookie(headers.into_iter()).unwrap(),
            "bazaar_session=abc; other=1"
        );
        assert_eq!(session_cookie(std::iter::empty()), None);
    }

    #[test]
    fn tallies_deliveries() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let sent = |index, conversation, seq, client_id: &str, at| Sent {
            index,
            conversation,
            seq,
            client_id: client_id.into(),
            sent: t0 + ms(at),
            answered: t0 + ms(at + 3),
        };
        let sends = Sends {
            sent: vec![
                sent(0, 10, 2, "a", 0),
                sent(1, 11, 2, "b", 5),
                sent(0, 10, 3, "c", 10),
            ],
            failed: vec![Failed {
                index: 1,
                client_id: "d".into(),
                reason: "timed out".into(),
            }],
            elapsed: ms(20),
        };
        let message = |socket, seq, client_id: &str, at| MessageArrival {
            socket,
            seq,
            client_id: client_id.into(),
            at: t0 + ms(at),
        };
        let change = |socket, seq, conversation, last_seq, at| ChangeArrival {
            socket,
            seq,
            conversation,
            last_seq,
            at: t0 + ms(at),
        };
        let exact_messages = [
            message(0, 2, "a", 4),
            message(1, 2, "b", 9),
            message(0, 3, "c", 12),
            // "d" failed (timed out) but was stored: late, not misdelivered.
            message(1, 3, "d", 15),
        ];
        let exact_changes = [
            change(0, 5, 10, 2, 4),
            change(0, 6, 11, 2, 9),
            change(0, 7, 10, 3, 12),
        ];
        let tally = Tally::of(&sends, &exact_messages, &exact_changes, 1).unwrap();
        assert!(tally.delivered_exactly(), "{tally:?}");
        assert_eq!(
            (
                tally.answered,
                tally.delivered,
                tally.send_errors,
                tally.late
            ),
            (3, 3, 1, 1)
        );
        assert_eq!((tally.support_expected, tally.support_delivered), (3, 3));
        assert!((tally.send_to_deliver.max_ms - 4.0).abs() < 0.01);

        // "c" twice and before "a", "b" and "d" on the wrong socket;
        // support got "a" twice and something of no reply.
        let bad_messages = [
            message(0, 3, "c", 4),
            message(0, 2, "a", 5),
            message(0, 3, "c", 6),
            message(0, 2, "b", 7),
            message(0, 4, "d", 8),
        ];
        let bad_changes = [
            change(0, 5, 10, 2, 4),
            change(0, 5, 10, 2, 5),
            change(0, 8, 99, 1, 6),
        ];
        let tally = Tally::of(&sends, &bad_messages, &bad_changes, 1).unwrap();
        assert!(!tally.delivered_exactly());
        assert_eq!(
            (
                tally.delivered,
                tally.missing,
                tally.duplicated,
                tally.misdelivered,
                tally.late
            ),
            (2, 1, 1, 2, 0)
        );
        assert_eq!(tally.out_of_order, 3);
        assert_eq!(
            (
                tally.support_delivered,
                tally.support_missing,
                tally.support_duplicated,
                tally.support_out_of_order,
                tally.support_other
            ),
            (1, 2, 1, 1, 1)
        );
    }

    #[test]
    fn spreads_rounds() {
        let s = Spread::of(&[300.0, 100.0, 200.0]).unwrap();
        assert_eq!(
            (s.median, s.min, s.max, s.spread_pct),
            (200.0, 100.0, 300.0, 100.0)
        );
        assert_eq!(Spread::of(&[1.0, 3.0]).unwrap().median, 2.0);
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn rates_must_be_positive() {
        assert_eq!(positive_rate("200").unwrap(), 200.0);
        assert!(positive_rate("0").is_err());
        assert!(positive_rate("fast").is_err());
    }
}
