//! What a request must look like before any handler sees it.
//!
//! - Its address (path and query) decodes to UTF-8 without NUL bytes, so a
//!   hostile `%00` or `%FF` is a 400 here rather than a database error
//!   (PostgreSQL refuses NUL in text) deep inside a page.
//! - A `POST /api/…` body is at most [`MAX_BODY_BYTES`] (413 otherwise) and,
//!   decoded, UTF-8 without NUL bytes (400 otherwise).
//! - JSON for integrators: Bazaar's server functions take form-encoded
//!   arguments, because that is what an HTML form sends when JavaScript is
//!   off (and what Leptos' `ActionForm` requires). Integrators and tests
//!   would rather POST JSON: a JSON object body is re-encoded as the
//!   equivalent form body (nested objects as `a[b]=c`, the encoding server
//!   functions decode), so each endpoint accepts both. Answers are JSON
//!   either way.

use app::error::AppError;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use percent_encoding::percent_decode;
use serde_json::{Map, Value};

/// Largest `/api/` body accepted: every server function takes a few short
/// fields, so anything near this size is not a shopper's form.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Whether a request with `headers` carries a JSON body.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
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

/// An error for an `/api/` caller, in the JSON shape every endpoint uses.
pub(crate) fn api_error(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(error)).into_response()
}

fn bad_request(message: String) -> Response {
    api_error(AppError::BadRequest(message))
}

/// Whether percent-decoding `text` gives UTF-8 without NUL bytes.
fn decodes_cleanly(text: &[u8]) -> bool {
    // `+` means a space in forms and is harmless either way.
    let decoded: Vec<u8> = percent_decode(text).collect();
    !decoded.contains(&0) && std::str::from_utf8(&decoded).is_ok()
}

fn unreadable(what: &str) -> String {
    format!("The {what} contains bytes that are not text (a NUL byte or invalid UTF-8).")
}

/// 413 for a body over `limit` bytes.
pub(crate) fn too_large(limit: usize) -> Response {
    api_error(AppError::PayloadTooLarge(format!("The request body is too large (the limit is {} KiB).", limit / 1024)))
}

/// JSON object → form body, or what is wrong with it.
fn json_to_form(bytes: &[u8]) -> Result<String, String> {
    let object = match serde_json::from_slice::<Value>(if bytes.is_empty() { b"{}" } else { bytes }) {
        Ok(Value::Object(map)) => without_nulls(map),
        Ok(_) => return Err("The body must be a JSON object of the function's arguments.".into()),
        Err(err) => return Err(format!("The body is not valid JSON: {err}")),
    };
    serde_qs::to_string(&object).map_err(|err| format!("The body cannot be read as arguments: {err}"))
}

/// Whether `request` uploads a product's or a category's image: a binary
/// multipart body, which the upload handler limits and checks itself
/// (`images`).
fn is_image_upload(request: &Request) -> bool {
    let path = request.uri().path();
    let numeric = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let product = path.strip_prefix("/api/products/").and_then(|rest| rest.strip_suffix("/images"));
    let category = path.strip_prefix("/api/categories/").and_then(|rest| rest.strip_suffix("/image"));
    product.or(category).is_some_and(numeric)
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"))
}

/// Checks every request's address and every `/api/` body (see the module
/// documentation), re-encoding JSON bodies as form bodies.
pub async fn guard(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if !decodes_cleanly(uri.path().as_bytes()) || !decodes_cleanly(uri.query().unwrap_or("").as_bytes()) {
        // Pages are read by people: plain text for them, JSON for the API.
        return if uri.path().starts_with("/api/") {
            bad_request(unreadable("address"))
        } else {
            (StatusCode::BAD_REQUEST, unreadable("address")).into_response()
        };
    }
    if request.method() != Method::POST || !request.uri().path().starts_with("/api/") || is_image_upload(&request) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return too_large(MAX_BODY_BYTES);
    }
    let json = is_json(request.headers());
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large(MAX_BODY_BYTES);
    };
    let form = if json {
        match json_to_form(&bytes) {
            Ok(form) => Bytes::from(form),
            Err(message) => return bad_request(message),
        }
    } else {
        bytes
    };
    if !decodes_cleanly(&form) {
        return bad_request(unreadable("request body"));
    }
    if json {
        parts.headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/x-www-form-urlencoded"));
        parts.headers.remove(header::CONTENT_LENGTH);
    }
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
    fn nul_bytes_and_invalid_utf8_are_refused_percent_encoded_or_not() {
        assert!(decodes_cleanly(b"q=red+lamp&page=2"));
        assert!(decodes_cleanly("q=caf%C3%A9".as_bytes()));
        assert!(!decodes_cleanly(b"sku=a%00b"));
        assert!(!decodes_cleanly(b"sku=a\0b"));
        assert!(!decodes_cleanly(b"sku=%FF%FE"));
        assert!(!decodes_cleanly(&[b's', 0xC3]));
    }

    #[test]
    fn a_json_nul_is_caught_after_re_encoding() {
        let form = json_to_form(br#"{"sku":"a\u0000b"}"#).expect("valid JSON");
        assert!(!decodes_cleanly(form.as_bytes()));
    }

    #[test]
    fn flat_arguments_stay_flat() {
        assert_eq!(encode(json!({ "sku": "TSH-1-M", "quantity": 3 })), "quantity=3&sku=TSH-1-M");
        assert_eq!(encode(json!({})), "");
    }
}
