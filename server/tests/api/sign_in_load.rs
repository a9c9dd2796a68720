//! Sign-in under load: argon2 holds 19 MiB per hash, so concurrent hashing
//! is bounded (one per core by default) and a request that cannot get its
//! turn in time is answered 503 with `Retry-After`.

use crate::helpers::{for_both_backends, Backend, TestApp};
use crate::process::ServerProcess;
use futures::future::join_all;
use serde_json::json;

/// Wrong-password sign-ins fired at once: the probe's figure (200 took the
/// server from 257 MiB to 3.8 GB) and more.
const BURST: usize = 500;

/// Most the server's peak resident memory may reach during the burst.
/// Unbounded, 200 hashes at once took it to 3.3 GB; bounded to one per core
/// with reused working memory it peaks near 110 MiB.
const MAX_PEAK_KIB: u64 = 300 * 1024;

async fn wrong_password_sign_in(client: &reqwest::Client, base: &str) -> (u16, Option<String>) {
    let response = client
        .post(format!("{base}/api/auth/sign-in"))
        .json(&json!({ "email": "customer@bazaar.test", "password": "not the password at all" }))
        .send()
        .await
        .expect("POST sign-in");
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
    (response.status().as_u16(), retry_after)
}

/// The server runs in its own process, so its peak memory is its own and
/// not the test process's, where other tests allocate meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_sign_ins_keep_peak_memory_under_300_mb() {
    // Every request must reach the password check: no rate or connection
    // limit in the way.
    let server = ServerProcess::start(&[
        ("BAZAAR_API_RATE_PER_SEC", "0"),
        ("BAZAAR_AUTH_RATE_PER_MIN", "0"),
        ("BAZAAR_MAX_CONNECTIONS_PER_IP", "0"),
    ]);
    let client = reqwest::Client::new();
    assert_eq!(wrong_password_sign_in(&client, &server.base).await.0, 422, "warm-up");
    let answers = join_all((0..BURST).map(|_| wrong_password_sign_in(&client, &server.base))).await;
    let peak = server.status_kib("VmHWM");
    for (status, _) in &answers {
        assert!(matches!(status, 422 | 503), "a wrong password answers 422, or 503 when busy; got {status}");
    }
    assert!(
        peak < MAX_PEAK_KIB,
        "{BURST} concurrent sign-ins took the server's peak memory to {} MiB",
        peak / 1024
    );
}

/// With one hash at a time and no waiting, sign-ins that find hashing busy
/// are told to come back rather than queued without end.
async fn busy_hashing_answers_503_with_retry_after(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.password_hashing.concurrency = 1;
        config.password_hashing.max_wait = std::time::Duration::ZERO;
    })
    .await;
    let answers = join_all((0..20).map(|_| wrong_password_sign_in(&app.client, &app.base))).await;
    assert!(answers.iter().any(|(status, _)| *status == 422), "someone got a turn: {answers:?}");
    let busy: Vec<_> = answers.iter().filter(|(status, _)| *status == 503).collect();
    assert!(!busy.is_empty(), "20 sign-ins at once with one hash at a time: {answers:?}");
    for (_, retry_after) in busy {
        assert_eq!(retry_after.as_deref(), Some("1"), "503 comes with Retry-After");
    }
}

for_both_backends!(busy_hashing_answers_503_with_retry_after);
