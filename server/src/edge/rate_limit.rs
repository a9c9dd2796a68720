//! Rate limits per client address on the API: strict on the endpoints
//! that check or set passwords (guessing passwords, creating accounts in
//! bulk), looser on every other `/api/…` call. Sign-in is also limited per
//! account email, so that guessing one account's password from many
//! addresses is as slow as from one. Pages and static files are not
//! limited. Answers over a limit are 429 with `Retry-After`.

use super::client_ip::client_ip;
use super::config::{Rate, RateLimits};
use crate::api_input::{api_error, is_json, too_large};
use app::account::validate::Email;
use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The endpoints that check or set a password.
const AUTH_ENDPOINTS: &[&str] = &[SIGN_IN, "/api/auth/register", "/api/account/password"];

/// The endpoint also limited per account email.
const SIGN_IN: &str = "/api/auth/sign-in";

/// Largest sign-in body read to find the email (a real one is far smaller).
const MAX_SIGN_IN_BODY: usize = 64 * 1024;

/// How often addresses that have been quiet long enough to be back at a
/// full allowance are forgotten, so the tables do not grow without end.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// The limiters, shared by every request.
pub struct RateLimiter {
    api: Option<DefaultKeyedRateLimiter<IpAddr>>,
    auth: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Sign-in attempts per account email, at the `auth` rate.
    sign_in_per_account: Option<DefaultKeyedRateLimiter<String>>,
    trusted_proxies: Vec<IpAddr>,
}

impl RateLimiter {
    /// Limiters for `limits`, believing `X-Forwarded-For` from
    /// `trusted_proxies` only. Starts a task that forgets idle addresses
    /// for as long as the limiter is in use.
    pub fn new(limits: RateLimits, trusted_proxies: Vec<IpAddr>) -> Arc<Self> {
        let limiter = Arc::new(RateLimiter {
            api: limits.api.map(|rate| DefaultKeyedRateLimiter::dashmap(quota(rate))),
            auth: limits.auth.map(|rate| DefaultKeyedRateLimiter::dashmap(quota(rate))),
            sign_in_per_account: limits.auth.map(|rate| DefaultKeyedRateLimiter::dashmap(quota(rate))),
            trusted_proxies,
        });
        let weak = Arc::downgrade(&limiter);
        tokio::spawn(forget_idle(weak));
        limiter
    }

    /// The limiter for requests to `path`, if any.
    fn for_path(&self, path: &str) -> Option<&DefaultKeyedRateLimiter<IpAddr>> {
        if !path.starts_with("/api/") {
            None
        } else if AUTH_ENDPOINTS.contains(&path) {
            self.auth.as_ref()
        } else {
            self.api.as_ref()
        }
    }
}

/// The middleware: answers 429 to a client over its limit.
pub async fn limit_rate(State(limiter): State<Arc<RateLimiter>>, request: Request, next: Next) -> Response {
    let Some(limit) = limiter.for_path(request.uri().path()) else {
        return next.run(request).await;
    };
    let client = client_ip(&request, &limiter.trusted_proxies);
    let format = AnswerFormat::of(&request);
    if let Err(not_until) = limit.check_key(&client) {
        let wait = not_until.wait_time_from(limit.clock().now());
        tracing::info!(%client, path = request.uri().path(), ?wait, "rate limited");
        return too_many_requests(wait, format);
    }
    let request = match (&limiter.sign_in_per_account, request.uri().path() == SIGN_IN) {
        (Some(per_account), true) => {
            let (request, email) = match sign_in_email(request).await {
                Ok(read) => read,
                Err(response) => return response,
            };
            if let Some(email) = email {
                if let Err(not_until) = per_account.check_key(&email) {
                    let wait = not_until.wait_time_from(per_account.clock().now());
                    tracing::info!(%client, ?wait, "sign-in rate limited for the account");
                    return too_many_requests(wait, format);
                }
            }
            request
        }
        _ => request,
    };
    next.run(request).await
}

/// Reads a sign-in request's body to find the account's email (form or
/// JSON, as the endpoint accepts), normalized as sign-in normalizes it,
/// and hands back the request with the body restored.
async fn sign_in_email(request: Request) -> Result<(Request, Option<String>), Response> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_SIGN_IN_BODY).await.map_err(|_| too_large(MAX_SIGN_IN_BODY))?;
    let email = if is_json(&parts.headers) {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|value| value.get("email").and_then(|email| email.as_str()).map(str::to_string))
    } else {
        form_urlencoded::parse(&bytes).find(|(key, _)| key == "email").map(|(_, email)| email.into_owned())
    };
    let email = email.map(|email| Email::normalize(&email)).filter(|email| !email.is_empty());
    Ok((Request::from_parts(parts, axum::body::Body::from(bytes)), email))
}

/// How a refusal is written for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnswerFormat {
    /// The app's error as JSON, which the storefront and integrators read
    /// like any other error.
    Json,
    /// The message alone, for a form posted without JavaScript, which the
    /// browser shows as a page.
    Text,
}

impl AnswerFormat {
    fn of(request: &Request) -> Self {
        let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
        if accept.contains("text/html") {
            AnswerFormat::Text
        } else {
            AnswerFormat::Json
        }
    }
}

/// `wait` as a `Retry-After` value: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u32 {
    u32::try_from(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).unwrap_or(u32::MAX).max(1)
}

/// 429 with the wait in `Retry-After`.
fn too_many_requests(wait: Duration, format: AnswerFormat) -> Response {
    let seconds = retry_after_secs(wait);
    let error = AppError::RateLimited { retry_after_secs: seconds };
    let mut response = match format {
        AnswerFormat::Json => api_error(error),
        AnswerFormat::Text => (StatusCode::TOO_MANY_REQUESTS, error.to_string()).into_response(),
    };
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The governor quota for `rate`.
pub(crate) fn quota(rate: Rate) -> Quota {
    let one = NonZeroU32::MIN;
    let per_request = rate.period / rate.requests.max(1);
    Quota::with_period(per_request)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(NonZeroU32::new(rate.burst).unwrap_or(one))
}

async fn forget_idle(limiter: Weak<RateLimiter>) {
    let mut every = tokio::time::interval(FORGET_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        let Some(limiter) = limiter.upgrade() else { return };
        for limit in [&limiter.api, &limiter.auth].into_iter().flatten() {
            limit.retain_recent();
            limit.shrink_to_fit();
        }
        if let Some(limit) = &limiter.sign_in_per_account {
            limit.retain_recent();
            limit.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_in_a_minute_waits() {
        let limit = DefaultKeyedRateLimiter::dashmap(quota(Rate::per_minute(5)));
        let ip: IpAddr = [192, 0, 2, 1].into();
        for attempt in 1..=5 {
            assert!(limit.check_key(&ip).is_ok(), "attempt {attempt}");
        }
        let wait = limit.check_key(&ip).expect_err("sixth").wait_time_from(limit.clock().now());
        assert!(wait > Duration::from_secs(10) && wait <= Duration::from_secs(12), "{wait:?}");
        assert!(limit.check_key(&[192, 0, 2, 2].into()).is_ok(), "another address has its own allowance");
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let response = too_many_requests(Duration::from_millis(11_500), AnswerFormat::Json);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "12");
        assert_eq!(too_many_requests(Duration::ZERO, AnswerFormat::Text).headers()[header::RETRY_AFTER], "1");
    }
}
