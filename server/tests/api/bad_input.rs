//! Malformed input is answered 4xx with a readable message, never 500
//! (the probe's cases; the fuzz test covers the rest at random).

use crate::helpers::{on_both_backends, TestApp};
use serde_json::{json, Value};

/// POSTs a raw body and returns the status and the body as text.
async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect(path);
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Wrong types, missing fields, negative and overflowing numbers: 400 with
/// the reason, in the JSON error shape every endpoint answers.
async fn malformed_arguments_are_400_with_the_reason(app: TestApp) {
    let cases = [
        ("/api/cart/add", json!({ "sku": "x", "quantity": -1 })),
        ("/api/cart/add", json!({ "sku": "x", "quantity": "three" })),
        ("/api/cart/add", json!({ "sku": "x", "quantity": 18_446_744_073_709_551_616_u128 as f64 })),
        ("/api/cart/add", json!({ "quantity": 1 })),
        ("/api/orders/get", json!({ "id": "seven" })),
        ("/api/catalog/search", json!({ "query": { "page": -3 } })),
        ("/api/catalog/search", json!({ "query": "lamp" })),
    ];
    for (path, body) in cases {
        let (status, answer) = app.post_json(path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body} → {answer}");
        let reason = answer["BadRequest"].as_str().unwrap_or_else(|| panic!("{path} {body}: {answer}"));
        assert!(!reason.is_empty(), "{path} {body}: an empty reason");
    }
}

/// Sends `megabytes` MiB of form body over a raw connection, chunked (no
/// `Content-Length`) or with its length declared, and returns the answer's
/// status. The server may answer and close before the body is all sent
/// (which is what it should do, and what an HTTP client library reports as
/// a broken pipe rather than the answer).
async fn big_post_status(app: &TestApp, path: &str, megabytes: usize, chunked: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address();
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {}", megabytes * 1024 * 1024)
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("send the head");
    let data = "a".repeat(1024 * 1024);
    let chunk = if chunked { format!("100000\r\n{data}\r\n") } else { data };
    for _ in 0..megabytes {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    if chunked {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
    let mut answer = vec![0; 64];
    let read = stream.read(&mut answer).await.expect("an answer");
    let status_line = String::from_utf8_lossy(&answer[..read]).to_string();
    status_line.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status in {status_line:?}"))
}

/// A body over the limit is 413, with or without a declared length.
async fn oversized_bodies_are_413(app: TestApp) {
    assert_eq!(big_post_status(&app, "/api/cart/add", 20, false).await, 413, "a 20 MB form with its length");
    assert_eq!(big_post_status(&app, "/api/cart/add", 21, true).await, 413, "a 21 MB chunked form");
    let (status, answer) = app.post_json("/api/cart/add", json!({ "sku": "x", "pad": "a".repeat(2 * 1024 * 1024) })).await;
    assert_eq!(status, 413, "a 2 MB JSON body");
    assert!(answer["PayloadTooLarge"].is_string(), "{answer}");
}

/// NUL bytes and invalid UTF-8 are refused at the edge (PostgreSQL cannot
/// store NUL, which used to surface as a 500).
async fn nul_bytes_and_invalid_utf8_are_400(app: TestApp) {
    let json_cases = [
        ("/api/catalog/product", json!({ "slug": "a\u{0}b" })),
        ("/api/cart/add", json!({ "sku": "TSH\u{0}", "quantity": 1 })),
        ("/api/auth/sign-in", json!({ "email": "a\u{0}@example.com", "password": "whatever password" })),
        ("/api/auth/register", json!({ "email": "n\u{0}ul@example.com", "password": "a long password 1", "name": "N" })),
    ];
    for (path, body) in json_cases {
        let (status, answer) = app.post_json(path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body} → {answer}");
    }
    let form = "application/x-www-form-urlencoded";
    for body in ["slug=a%00b", "slug=%FF%FE"] {
        let (status, _) = post_raw(&app, "/api/catalog/product", form, body).await;
        assert_eq!(status, 400, "form {body}");
    }
    let (status, answer) = post_raw(&app, "/api/catalog/product", form, vec![b's', b'l', b'u', b'g', b'=', 0xC3]).await;
    assert_eq!(status, 400, "raw invalid UTF-8");
    assert!(answer.contains("BadRequest"), "{answer}");
    for path in ["/search?q=%00", "/search?q=%FF", "/p/a%00b", "/c/%C3"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "GET {path}: {body}");
    }
}

/// A JSON body that is not an object of arguments is 400, not 500.
async fn json_that_is_not_an_object_is_400(app: TestApp) {
    for body in ["[1,2]", "\"text\"", "{", "null"] {
        let (status, answer) = post_raw(&app, "/api/cart/add", "application/json", body).await;
        assert!(status == 400, "{body} → {status} {answer}");
    }
    // A `null` member means the same as a missing one.
    let (status, answer): (u16, Value) = app.post_json("/api/cart", json!({ "unused": null })).await;
    assert_eq!(status, 200, "{answer}");
}

on_both_backends!(
    malformed_arguments_are_400_with_the_reason,
    oversized_bodies_are_413,
    nul_bytes_and_invalid_utf8_are_400,
    json_that_is_not_an_object_is_400,
);
