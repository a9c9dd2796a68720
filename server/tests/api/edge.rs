//! The HTTP edge: security headers and their per-request CSP nonce, the
//! `Host` check, rate limits, header and body timeouts, connection caps
//! and TCP_NODELAY.

use crate::helpers::{on_both_backends, Backend, TestApp};
use server::config::Config;
use server::edge::{Rate, RateLimits};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest any closing or answer may take before the test calls it hung.
const HUNG: Duration = Duration::from_secs(15);

/// Like `on_both_backends!`, with the configuration changed by a function.
macro_rules! on_both_backends_configured {
    ($($check:ident => $configure:expr),* $(,)?) => {
        $(
            mod $check {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $check(TestApp::spawn_with(Backend::Sqlite, $configure).await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $check(TestApp::spawn_with(Backend::Postgres, $configure).await).await;
                }
            }
        )*
    };
}

/// Sends `bytes` on a new connection, then reads until the server closes
/// it; `None` if it is still open after [`HUNG`].
async fn send_and_read_until_closed(app: &TestApp, bytes: &[u8]) -> Option<String> {
    let mut stream = TcpStream::connect(app.address()).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    read_until_closed(&mut stream).await
}

async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(HUNG, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&received).into_owned())
}

// ---- Security headers -------------------------------------------------

/// The nonce in `csp`'s `script-src`.
fn nonce_of(csp: &str) -> String {
    let start = csp.find("'nonce-").map(|i| i + "'nonce-".len()).unwrap_or_else(|| panic!("no nonce in {csp}"));
    csp[start..].split('\'').next().expect("nonce").to_string()
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.base)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("{} has no {name}", response.url()))
}

async fn every_answer_has_the_security_headers(app: TestApp) {
    let first = get(&app, "/").await;
    assert_eq!(first.status(), 200);
    let csp = header(&first, "content-security-policy").to_string();
    for directive in ["default-src 'self'", "'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(&first, "x-content-type-options"), "nosniff");
    assert_eq!(header(&first, "x-frame-options"), "DENY");
    assert_eq!(header(&first, "referrer-policy"), "strict-origin-when-cross-origin");
    assert!(header(&first, "permissions-policy").contains("camera=()"));
    assert!(first.headers().get("strict-transport-security").is_none(), "no HSTS over plain HTTP");

    // The scripts the page carries are the ones the policy allows.
    let nonce = nonce_of(&csp);
    let html = first.text().await.expect("body");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0, "the page has its hydration script");
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every script carries this answer's nonce");

    // A fresh nonce per answer.
    let second = get(&app, "/").await;
    assert_ne!(nonce_of(header(&second, "content-security-policy")), nonce, "nonces are never reused");

    // Refusals and API answers have the headers too.
    let missing = get(&app, "/no-such-page").await;
    assert_eq!(header(&missing, "x-content-type-options"), "nosniff");
    let missing_nonce = nonce_of(header(&missing, "content-security-policy"));
    let missing_html = missing.text().await.expect("body");
    assert!(missing_html.contains(&format!("nonce=\"{missing_nonce}\"")), "the 404 page's scripts carry its nonce");
    let (status, _) = app.post_json("/api/catalog/home", serde_json::json!({})).await;
    assert_eq!(status, 200);
}

async fn personal_answers_are_never_stored(app: TestApp) {
    for path in ["/account", "/orders", "/checkout", "/cart", "/wishlist", "/sign-in"] {
        let response = get(&app, path).await;
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
    }
    for path in ["/api/cart", "/api/auth/me", "/api/orders", "/api/account/addresses"] {
        let response = app.client.post(format!("{}{path}", app.base)).json(&serde_json::json!({})).send().await.expect(path);
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
    }
    // The public catalog may be cached by the browser as it likes.
    let search = get(&app, "/search?q=lamp").await;
    assert_ne!(search.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
}

async fn https_shops_send_hsts(app: TestApp) {
    let response = get(&app, "/").await;
    assert!(header(&response, "strict-transport-security").starts_with("max-age="));
}

// ---- Host ---------------------------------------------------------------

async fn other_host_names_are_refused(app: TestApp) {
    let port = app.address().rsplit_once(':').map(|(_, port)| port.to_string()).expect("port");
    for host in ["evil.example".to_string(), format!("evil.example:{port}"), "127.0.0.1:1".to_string()] {
        let answer = send_and_read_until_closed(&app, format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .expect("answered");
        assert!(answer.starts_with("HTTP/1.1 400"), "Host {host}: {answer}");
        assert!(answer.to_ascii_lowercase().contains("x-frame-options: deny"), "refusals carry the headers too");
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let answer = send_and_read_until_closed(&app, format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .expect("answered");
        assert!(answer.starts_with("HTTP/1.1 200"), "Host {host}: {}", &answer[..answer.len().min(200)]);
    }
}

async fn configured_host_names_are_served(app: TestApp) {
    let answer = send_and_read_until_closed(&app, b"GET / HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n").await.expect("answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);
    let (status, _) = app.get("/").await;
    assert_eq!(status, 400, "127.0.0.1 is not one of the configured names");
}

// ---- Rate limits --------------------------------------------------------

async fn sign_in_attempt(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/api/auth/sign-in", app.base))
        .json(&serde_json::json!({ "email": "ann@example.com", "password": "not the password" }));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.expect("sign-in")
}

async fn the_sixth_sign_in_in_a_minute_waits(app: TestApp) {
    for attempt in 1..=5 {
        let response = sign_in_attempt(&app, None).await;
        assert_ne!(response.status(), 429, "attempt {attempt} is allowed");
    }
    let sixth = sign_in_attempt(&app, None).await;
    assert_eq!(sixth.status(), 429);
    let retry_after: u64 = header(&sixth, "retry-after").parse().expect("whole seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let body: serde_json::Value = sixth.json().await.expect("JSON error");
    assert_eq!(body["RateLimited"]["retry_after_secs"], retry_after, "{body}");
    // A forged X-Forwarded-For from a client that is not a proxy changes nothing.
    assert_eq!(sign_in_attempt(&app, Some("198.51.100.7")).await.status(), 429);
    // A form posted without JavaScript gets the message as text.
    let form = app
        .client
        .post(format!("{}/api/auth/sign-in", app.base))
        .header("accept", "text/html")
        .form(&[("email", "ann@example.com"), ("password", "not the password")])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(form.status(), 429);
    assert!(form.text().await.expect("body").starts_with("Too many attempts. Please wait"));
    // Other calls have their own allowance.
    let (status, _) = app.post_json("/api/catalog/home", serde_json::json!({})).await;
    assert_eq!(status, 200);
}

async fn behind_a_trusted_proxy_each_client_has_its_own_allowance(app: TestApp) {
    // Sign-ups: sign-in would also be limited per account.
    let sign_up = |ip: &'static str, n: u32| {
        app.client
            .post(format!("{}/api/auth/register", app.base))
            .header("x-forwarded-for", ip)
            .json(&serde_json::json!({ "email": format!("proxied{n}@example.com"), "password": "short", "name": "P" }))
            .send()
    };
    for n in 0..5 {
        assert_ne!(sign_up("198.51.100.7", n).await.expect("sign-up").status(), 429);
    }
    assert_eq!(sign_up("198.51.100.7", 5).await.expect("sign-up").status(), 429);
    assert_ne!(sign_up("198.51.100.8", 6).await.expect("sign-up").status(), 429, "another client behind the proxy");
    assert_ne!(sign_up("198.51.100.7, 198.51.100.9", 7).await.expect("sign-up").status(), 429, "the proxy names .9");
}

async fn sign_in_is_limited_per_account_across_addresses(app: TestApp) {
    // Five guesses at Ann's password from five addresses behind the proxy…
    for n in 1..=5 {
        let ip = format!("198.51.100.{n}");
        let response = app
            .client
            .post(format!("{}/api/auth/sign-in", app.base))
            .header("x-forwarded-for", ip)
            .form(&[("email", " ANN@example.com"), ("password", "guess")])
            .send()
            .await
            .expect("sign-in");
        assert_ne!(response.status(), 429, "guess {n}");
    }
    // …and the sixth, from yet another address, waits.
    let sixth = app
        .client
        .post(format!("{}/api/auth/sign-in", app.base))
        .header("x-forwarded-for", "198.51.100.6")
        .json(&serde_json::json!({ "email": "ann@example.com", "password": "guess" }))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(sixth.status(), 429);
    assert!(sixth.headers().contains_key("retry-after"));
    // Another account is not affected.
    let other = app
        .client
        .post(format!("{}/api/auth/sign-in", app.base))
        .header("x-forwarded-for", "198.51.100.6")
        .json(&serde_json::json!({ "email": "bob@example.com", "password": "guess" }))
        .send()
        .await
        .expect("sign-in");
    assert_ne!(other.status(), 429);
}

async fn api_calls_over_the_burst_wait(app: TestApp) {
    for call in 1..=5 {
        let (status, body) = app.post_json("/api/catalog/home", serde_json::json!({})).await;
        assert_eq!(status, 200, "call {call}: {body}");
    }
    let (status, body) = app.post_json("/api/catalog/home", serde_json::json!({})).await;
    assert_eq!(status, 429, "{body}");
    // Pages are not limited.
    assert_eq!(app.get("/").await.0, 200);
}

fn strict_auth(config: &mut Config) {
    config.edge.rate_limits = RateLimits { api: None, auth: Some(Rate::per_minute(5)) };
}

fn strict_auth_behind_proxy(config: &mut Config) {
    strict_auth(config);
    config.edge.trusted_proxies = vec![[127, 0, 0, 1].into()];
}

fn small_api_burst(config: &mut Config) {
    // One call a minute after a burst of five: the sixth call in a row is
    // over, however slowly the test runs.
    config.edge.rate_limits = RateLimits { api: Some(Rate { requests: 1, period: Duration::from_secs(60), burst: 5 }), auth: None };
}

// ---- Timeouts and connection caps ---------------------------------------

async fn a_half_sent_header_is_closed_after_the_timeout(app: TestApp) {
    let started = Instant::now();
    let answer = send_and_read_until_closed(&app, format!("GET / HTTP/1.1\r\nHost: {}\r\n", app.address()).as_bytes()).await;
    let waited = started.elapsed();
    let answer = answer.expect("the server closed the connection");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(waited >= Duration::from_millis(900), "closed only after the timeout, not at once ({waited:?})");
}

async fn a_slow_body_gets_408(app: TestApp) {
    let request = format!(
        "POST /api/cart/add HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nsku=TSH",
        app.address()
    );
    let answer = send_and_read_until_closed(&app, request.as_bytes()).await.expect("the server closed the connection");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("took too long"), "{answer}");
}

async fn connections_over_the_per_address_cap_are_refused(app: TestApp) {
    // Two idle connections hold both places (the server has accepted
    // them once it answers on them).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(app.address()).await.expect("connect");
        let request = format!("GET /api/nothing HTTP/1.1\r\nHost: {}\r\n\r\n", app.address());
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut first = [0u8; 12];
        tokio::time::timeout(HUNG, stream.read_exact(&mut first)).await.expect("answered").expect("read");
        held.push(stream);
    }
    let answer = send_and_read_until_closed(&app, format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", app.address()).as_bytes())
        .await
        .expect("closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 1"), "{answer}");
}

// ---- TCP_NODELAY ----------------------------------------------------------

/// Median time of 21 requests on one keep-alive connection to a server
/// whose one answer is written in two parts, 5 ms apart: the pattern
/// (write, write, then wait for the next request) where Nagle's algorithm
/// holds the second part back until the client's delayed ACK of the first
/// (40 ms on Linux) — as it did to static files and streamed pages. No
/// database involved.
async fn median_two_part_answer(tcp_nodelay: bool) -> Duration {
    use futures::StreamExt;
    use server::edge::{serve, serve_settings, EdgeConfig};

    let router = axum::Router::new().route(
        "/two-parts",
        axum::routing::get(|| async {
            let parts = futures::stream::iter([0u8, 1]).then(|part| async move {
                if part == 1 {
                    // The second part is ready after the first has gone out.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(vec![b'x'; 200]))
            });
            axum::body::Body::from_stream(parts)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let settings = serve_settings(&EdgeConfig { tcp_nodelay, ..EdgeConfig::default() });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve::serve(listener, router, settings, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).timeout(HUNG).build().expect("client");
    let mut times = Vec::new();
    for _ in 0..21 {
        let started = Instant::now();
        let body = client.get(format!("http://{address}/two-parts")).send().await.expect("GET").bytes().await.expect("body");
        assert_eq!(body.len(), 400);
        times.push(started.elapsed());
    }
    drop(client);
    let _ = stop.send(());
    tokio::time::timeout(HUNG, server).await.expect("the server stops").expect("task").expect("served");
    times.sort();
    times[times.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_nodelay_keeps_answers_from_waiting_on_delayed_acks() {
    let with_nagle = median_two_part_answer(false).await;
    assert!(
        with_nagle >= Duration::from_millis(35),
        "without TCP_NODELAY the second part should wait for the delayed ACK ({with_nagle:?}): the test no longer shows the problem"
    );
    let with_nodelay = median_two_part_answer(true).await;
    assert!(with_nodelay < Duration::from_millis(25), "with TCP_NODELAY the answer took {with_nodelay:?} (median)");
}

// ---- Graceful shutdown ----------------------------------------------------

/// Once shutdown begins the server stops accepting, but a request already
/// being answered still gets its whole answer. No database involved: the
/// accept loop serves a router whose one handler waits to be released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish() {
    use server::edge::{serve, serve_settings, EdgeConfig};
    use std::sync::Arc;
    use tokio::sync::{oneshot, Notify};

    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let router = {
        let (started, release) = (started.clone(), release.clone());
        axum::Router::new().route(
            "/slow",
            axum::routing::get(move || async move {
                started.notify_one();
                release.notified().await;
                "finished"
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve::serve(listener, router, serve_settings(&EdgeConfig::default()), async {
        let _ = stopped.await;
    }));

    let in_flight = tokio::spawn(async move {
        let response = reqwest::get(format!("http://{address}/slow")).await.expect("answered");
        (response.status().as_u16(), response.text().await.expect("body"))
    });
    started.notified().await;
    stop.send(()).expect("server running");
    // The listener closes: new connections are refused…
    let refused = tokio::time::timeout(HUNG, async {
        while TcpStream::connect(address).await.is_ok() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(refused.is_ok(), "still accepting connections after shutdown began");
    // …while the request in flight is answered in full.
    release.notify_one();
    assert_eq!(in_flight.await.expect("request task"), (200, "finished".to_string()));
    tokio::time::timeout(HUNG, server).await.expect("the server stops").expect("task").expect("served");
}

fn short_timeouts(config: &mut Config) {
    config.edge.header_read_timeout = Duration::from_secs(1);
    config.edge.body_timeout = Duration::from_secs(1);
}

fn two_connections_per_address(config: &mut Config) {
    config.edge.max_connections_per_ip = 2;
}

on_both_backends!(every_answer_has_the_security_headers, personal_answers_are_never_stored, other_host_names_are_refused);

on_both_backends_configured!(
    https_shops_send_hsts => |config: &mut Config| config.secure_cookies = true,
    configured_host_names_are_served => |config: &mut Config| config.edge.site_hosts = vec!["shop.example".to_string()],
    the_sixth_sign_in_in_a_minute_waits => strict_auth,
    behind_a_trusted_proxy_each_client_has_its_own_allowance => strict_auth_behind_proxy,
    sign_in_is_limited_per_account_across_addresses => strict_auth_behind_proxy,
    api_calls_over_the_burst_wait => small_api_burst,
    a_half_sent_header_is_closed_after_the_timeout => short_timeouts,
    a_slow_body_gets_408 => short_timeouts,
    connections_over_the_per_address_cap_are_refused => two_connections_per_address,
);
