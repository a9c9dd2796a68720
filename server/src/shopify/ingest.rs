//! `POST /webhooks/shopify`: where Shopify delivers order webhooks.
//!
//! In order: the endpoint's own rate limit (429), a configured secret
//! (503), the body size (413), the signature over the raw body (401,
//! nothing stored), the webhook id (400). Then one transaction records the
//! delivery under its `X-Shopify-Webhook-Id` (unique: a redelivery, even
//! one arriving at the same moment, finds the row taken and changes
//! nothing) and enqueues the job that applies it; the answer (200) comes
//! after the commit. The order itself is processed by the queue
//! (`crate::shopify::sync`), well within Shopify's five seconds.
//!
//! An unknown topic is recorded as ignored and answered 200, so Shopify
//! does not retry it for hours; a signed body that is not an order is kept
//! as a malformed delivery for inspection and answered 400.

use super::config::ShopifyConfig;
use super::payload::{ShopifyOrder, WebhookTopic};
use super::signature::{verify, SIGNATURE_HEADER};
use crate::edge::client_ip::client_ip;
use crate::edge::rate_limit::{quota, retry_after_secs};
use app::db::retry::{is_transient, retrying, Transient};
use app::entity::webhook_delivery::{self, DeliveryResult};
use app::error::AppError;
use app::jobs::ssr::queue::{enqueue, queues, NewJob};
use app::live::ssr::{EventBus, Recorded};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use governor::clock::Clock;
use governor::DefaultKeyedRateLimiter;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Where Shopify is told to deliver.
pub const PATH: &str = "/webhooks/shopify";

/// Longest `X-Shopify-Webhook-Id` kept (the column's width; Shopify's are
/// UUIDs).
const MAX_WEBHOOK_ID: usize = 100;
/// Widths of the topic and shop-domain columns; longer values are cut.
const MAX_TOPIC: usize = 60;
const MAX_SHOP_DOMAIN: usize = 255;

/// How often addresses quiet long enough to be back at a full allowance are
/// forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// What the endpoint needs, shared by every request.
#[derive(Clone)]
pub struct WebhookIngest(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    events: Arc<dyn EventBus>,
    config: ShopifyConfig,
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Vec<IpAddr>,
}

impl WebhookIngest {
    /// The endpoint on `db`, waking workers through `events`, configured by
    /// `config`, believing `X-Forwarded-For` from `trusted_proxies` only
    /// (for its rate limit). Starts a task that forgets idle addresses.
    pub fn new(db: DatabaseConnection, events: Arc<dyn EventBus>, config: ShopifyConfig, trusted_proxies: Vec<IpAddr>) -> Self {
        if config.secrets().is_empty() {
            tracing::info!("Shopify webhooks are off: BAZAAR_SHOPIFY_WEBHOOK_SECRET is not set");
        }
        let limiter = config.rate.map(|rate| DefaultKeyedRateLimiter::dashmap(quota(rate)));
        let ingest = WebhookIngest(Arc::new(Inner { db, events, config, limiter, trusted_proxies }));
        if ingest.0.limiter.is_some() {
            tokio::spawn(forget_idle(Arc::downgrade(&ingest.0)));
        }
        ingest
    }

    /// The endpoint's route, with its state, for merging into the app's
    /// router.
    pub fn routes<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        Router::new().route(PATH, post(receive)).with_state(self)
    }
}

async fn forget_idle(inner: Weak<Inner>) {
    let mut every = tokio::time::interval(FORGET_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        if let Some(limiter) = &inner.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// A delivery as it is about to be recorded.
#[derive(Debug)]
struct NewDelivery {
    webhook_id: String,
    topic: String,
    shop_domain: String,
    result: DeliveryResult,
    body: Vec<u8>,
    error: Option<String>,
}

/// What recording a delivery did.
#[derive(Debug)]
enum Stored {
    /// A new delivery; `recorded` wakes the workers once published.
    New { delivery: i32, job: Option<i32>, recorded: Recorded },
    /// The webhook id was already recorded: nothing changed.
    Redelivery,
}

/// Why a delivery could not be recorded.
#[derive(Debug, thiserror::Error)]
enum StoreError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("enqueueing the job: {0:?}")]
    Queue(AppError),
}

impl Transient for StoreError {
    fn is_transient(&self) -> bool {
        matches!(self, StoreError::Database(err) if is_transient(err))
    }
}

/// The handler.
async fn receive(State(ingest): State<WebhookIngest>, request: Request) -> Response {
    let inner = &ingest.0;
    if let Some(limiter) = &inner.limiter {
        let client = client_ip(&request, &inner.trusted_proxies);
        if let Err(not_until) = limiter.check_key(&client) {
            let wait = not_until.wait_time_from(limiter.clock().now());
            tracing::info!(%client, ?wait, "Shopify webhooks rate limited");
            return too_many_requests(wait);
        }
    }
    let secrets = inner.config.secrets();
    if secrets.is_empty() {
        tracing::error!(
            "refused a Shopify webhook: BAZAAR_SHOPIFY_WEBHOOK_SECRET is not set, so no delivery can be verified"
        );
        return answer(StatusCode::SERVICE_UNAVAILABLE, "Shopify webhooks are not configured on this shop.");
    }
    let limit = inner.config.max_body_bytes;
    let (parts, body) = request.into_parts();
    let Some(body) = read_body(&parts.headers, body, limit).await else {
        return answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The webhook body is too large (the limit is {limit} bytes)."),
        );
    };
    let headers = &parts.headers;
    if let Err(err) = verify(&secrets, &body, headers.get(SIGNATURE_HEADER).map(HeaderValue::as_bytes)) {
        tracing::warn!(error = %err, "refused a Shopify webhook with a bad signature");
        return answer(StatusCode::UNAUTHORIZED, "The webhook signature is missing or does not match.");
    }
    let Some(webhook_id) = text_header(headers, "x-shopify-webhook-id").filter(|id| !id.is_empty() && id.len() <= MAX_WEBHOOK_ID)
    else {
        return answer(StatusCode::BAD_REQUEST, "X-Shopify-Webhook-Id is missing or longer than 100 characters.");
    };
    let topic = text_header(headers, "x-shopify-topic").unwrap_or_default();
    let (result, error) = match WebhookTopic::parse(&topic) {
        None => (DeliveryResult::Ignored, None),
        Some(_) => match ShopifyOrder::parse(&body) {
            Ok(_) => (DeliveryResult::Queued, None),
            Err(err) => (DeliveryResult::Malformed, Some(err.to_string())),
        },
    };
    let delivery = NewDelivery {
        webhook_id: webhook_id.to_string(),
        topic: cut(&topic, MAX_TOPIC),
        shop_domain: cut(&text_header(headers, "x-shopify-shop-domain").unwrap_or_default(), MAX_SHOP_DOMAIN),
        result,
        body: body.to_vec(),
        error,
    };
    let stored = match store(&inner.db, &delivery).await {
        Ok(stored) => stored,
        Err(err) => {
            tracing::error!(webhook_id = delivery.webhook_id, error = %err, "could not record a Shopify webhook");
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "The webhook could not be recorded; please deliver it again.");
        }
    };
    let redelivery = matches!(stored, Stored::Redelivery);
    if let Stored::New { delivery: id, job, recorded } = stored {
        recorded.publish(inner.events.as_ref());
        tracing::debug!(webhook_id = delivery.webhook_id, delivery = id, ?job, result = ?delivery.result, "Shopify webhook recorded");
    }
    match (delivery.result, redelivery) {
        (DeliveryResult::Malformed, _) => answer(
            StatusCode::BAD_REQUEST,
            &format!("The webhook is signed but is not a readable order: {}", delivery.error.as_deref().unwrap_or("")),
        ),
        (_, true) => answer(StatusCode::OK, "Already received; nothing changed."),
        (DeliveryResult::Ignored, false) => answer(StatusCode::OK, "Acknowledged: this topic is not handled, so it was recorded and ignored."),
        (_, false) => answer(StatusCode::OK, "Accepted."),
    }
}

/// The body, or `None` when it is over `limit` bytes (by its declared
/// length or as it arrives).
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Option<axum::body::Bytes> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return None;
    }
    // A body that fails for another reason (the client went away, or the
    // edge's body deadline, which answers 408 itself) gets no useful answer.
    to_bytes(body, limit).await.ok()
}

/// A header's value as text, trimmed.
fn text_header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string())
}

/// `text` cut to at most `max` bytes on a character boundary.
fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Records `delivery` (and its job), running the transaction again when it
/// failed through no fault of its own (a deadlock, a busy SQLite).
async fn store(db: &DatabaseConnection, delivery: &NewDelivery) -> Result<Stored, StoreError> {
    retrying("recording a Shopify webhook", move || store_once(db, delivery)).await
}

/// One transaction: the delivery row if its webhook id is new, then (for a
/// queued one) its job and the row's link to it.
async fn store_once(db: &DatabaseConnection, delivery: &NewDelivery) -> Result<Stored, StoreError> {
    let txn = app::db::begin_write(db).await?;
    let insert = Query::insert()
        .into_table(webhook_delivery::Entity)
        .columns([
            webhook_delivery::Column::WebhookId,
            webhook_delivery::Column::Topic,
            webhook_delivery::Column::ShopDomain,
            webhook_delivery::Column::ReceivedAt,
            webhook_delivery::Column::Result,
            webhook_delivery::Column::Body,
            webhook_delivery::Column::Error,
        ])
        .values_panic([
            delivery.webhook_id.clone().into(),
            delivery.topic.clone().into(),
            delivery.shop_domain.clone().into(),
            chrono::Utc::now().into(),
            delivery.result.into(),
            delivery.body.clone().into(),
            delivery.error.clone().into(),
        ])
        .on_conflict(OnConflict::column(webhook_delivery::Column::WebhookId).do_nothing().to_owned())
        .returning_col(webhook_delivery::Column::Id)
        .to_owned();
    let Some(row) = txn.query_one(txn.get_database_backend().build(&insert)).await? else {
        txn.rollback().await?;
        return Ok(Stored::Redelivery);
    };
    let id: i32 = row.try_get_by_index(0)?;
    let mut recorded = Recorded::default();
    let mut job = None;
    if delivery.result == DeliveryResult::Queued {
        let enqueued = enqueue(&txn, NewJob::new(queues::SHOPIFY, super::sync::SYNC, serde_json::json!({ "delivery": id })))
            .await
            .map_err(StoreError::Queue)?;
        job = enqueued.id;
        recorded = enqueued.recorded;
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::JobId, Expr::value(job))
            .filter(webhook_delivery::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Stored::New { delivery: id, job, recorded })
}

/// A JSON answer `{"message": …}`.
fn answer(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "message": message }))).into_response()
}

/// 429 with the wait in `Retry-After`, counted as the API's limits count it.
fn too_many_requests(wait: Duration) -> Response {
    let seconds = retry_after_secs(wait);
    let mut response = answer(StatusCode::TOO_MANY_REQUESTS, "Too many webhooks from this address; please retry later.");
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        assert_eq!(cut("orders/create", 60), "orders/create");
        assert_eq!(cut("ééé", 3), "é");
        assert_eq!(cut("abc", 0), "");
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let response = too_many_requests(Duration::from_millis(1_200));
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
