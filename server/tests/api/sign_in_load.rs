//! Sign-in under load: argon2 holds 19 MiB per hash, so concurrent hashing
//! is bounded (one per core by default) and a request that cannot get its
//! turn in time is answered 503 with `Retry-After`.

use crate::helpers::{for_both_backends, on_both_backends, Backend, TestApp};
use futures::future::join_all;
use serde_json::json;

/// Wrong-password sign-ins fired at once.
const BURST: usize = 100;

/// Most the process's peak memory may grow during the burst. Unbounded,
/// 100 hashes at once grew it by 1.8–3.7 GB; bounded to two at a time but
/// allocating per hash, by 250–700 MB (the allocator's fragmentation);
/// bounded with reused working memory, by about 25 MB. Other tests running
/// meanwhile in the same process may add a little.
const MAX_GROWTH_KIB: u64 = 150 * 1024;

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Resets the process's peak resident size (`VmHWM`) to its current size
/// (Linux ≥ 4.0), so the next reading is the peak since now.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM through /proc/self/clear_refs");
}

async fn wrong_password_sign_in(app: &TestApp) -> (u16, Option<String>) {
    let response = app
        .client
        .post(format!("{}/api/auth/sign-in", app.base))
        .json(&json!({ "email": "customer@bazaar.test", "password": "not the password at all" }))
        .send()
        .await
        .expect("POST sign-in");
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
    (response.status().as_u16(), retry_after)
}

async fn a_burst_of_sign_ins_keeps_memory_bounded(app: TestApp) {
    // Warm the server up first, so the burst measures hashing, not start-up.
    assert_eq!(wrong_password_sign_in(&app).await.0, 422);
    let before = status_kib("VmRSS");
    reset_peak();
    let answers = join_all((0..BURST).map(|_| wrong_password_sign_in(&app))).await;
    let peak = status_kib("VmHWM");
    let growth = peak.saturating_sub(before);
    for (status, _) in &answers {
        assert!(matches!(status, 422 | 503), "a wrong password answers 422, or 503 when busy; got {status}");
    }
    assert!(
        growth < MAX_GROWTH_KIB,
        "{BURST} concurrent sign-ins grew peak memory by {} MiB (from {} MiB)",
        growth / 1024,
        before / 1024
    );
}

on_both_backends!(a_burst_of_sign_ins_keeps_memory_bounded);

/// With one hash at a time and no waiting, sign-ins that find hashing busy
/// are told to come back rather than queued without end.
async fn busy_hashing_answers_503_with_retry_after(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.password_hashing.concurrency = 1;
        config.password_hashing.max_wait = std::time::Duration::ZERO;
    })
    .await;
    let answers = join_all((0..20).map(|_| wrong_password_sign_in(&app))).await;
    assert!(answers.iter().any(|(status, _)| *status == 422), "someone got a turn: {answers:?}");
    let busy: Vec<_> = answers.iter().filter(|(status, _)| *status == 503).collect();
    assert!(!busy.is_empty(), "20 sign-ins at once with one hash at a time: {answers:?}");
    for (_, retry_after) in busy {
        assert_eq!(retry_after.as_deref(), Some("1"), "503 comes with Retry-After");
    }
}

for_both_backends!(busy_hashing_answers_503_with_retry_after);
