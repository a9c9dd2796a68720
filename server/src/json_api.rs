//! JSON for integrators on every `/api/…` endpoint.
//!
//! Bazaar's server functions take form-encoded arguments, because that is
//! what an HTML form sends when JavaScript is off (and what Leptos'
//! `ActionForm` requires). Integrators and tests would rather POST JSON:
//! this middleware re-encodes a JSON object body as the equivalent form
//! body (nested objects as `a[b]=c`, the encoding server functions decode),
//! so each endpoint accepts both. Answers are JSON either way.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// Largest JSON body accepted.
const MAX_JSON_BYTES: usize = 1024 * 1024;

fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"))
}

/// Drops `null` members: a missing argument and a null one mean the same.
fn without_nulls(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::Object(inner) => (k, Value::Object(without_nulls(inner))),
            other => (k, other),
        })
        .collect()
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, message).into_response()
}

/// Re-encodes JSON bodies of `POST /api/…` requests as form bodies.
pub async fn accept_json(request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.uri().path().starts_with("/api/") || !is_json(&request) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_JSON_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large.").into_response(),
    };
    let object = match serde_json::from_slice::<Value>(if bytes.is_empty() { b"{}" } else { &bytes }) {
        Ok(Value::Object(map)) => without_nulls(map),
        Ok(_) => return bad_request("The body must be a JSON object of the function's arguments.".into()),
        Err(err) => return bad_request(format!("The body is not valid JSON: {err}")),
    };
    let form = match serde_qs::to_string(&object) {
        Ok(form) => form,
        Err(err) => return bad_request(format!("The body cannot be read as arguments: {err}")),
    };
    parts.headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/x-www-form-urlencoded"));
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::from(form))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encode(value: Value) -> String {
        let Value::Object(map) = value else { panic!("object") };
        serde_qs::to_string(&without_nulls(map)).expect("encodes")
    }

    #[test]
    fn nested_objects_become_bracketed_keys() {
        let form = encode(json!({ "query": { "text": "red lamp", "in_stock": true, "page": 2, "category": null } }));
        assert_eq!(form, "query[in_stock]=true&query[page]=2&query[text]=red+lamp");
    }

    #[test]
    fn flat_arguments_stay_flat() {
        assert_eq!(encode(json!({ "sku": "TSH-1-M", "quantity": 3 })), "quantity=3&sku=TSH-1-M");
        assert_eq!(encode(json!({})), "");
    }
}
