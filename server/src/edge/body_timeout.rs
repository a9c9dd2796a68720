//! A deadline for request bodies: a client that starts a POST and then
//! trickles (or never sends) its body would otherwise hold a connection
//! and a task for as long as it likes. Past the deadline the body reads
//! fail, whatever was reading it gives up, and the client gets 408 with
//! the connection closed.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

/// How long a request's whole body may take to arrive.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimedOut(Duration);

/// The middleware: puts the deadline on the body and, if it expired while
/// the app was reading, answers 408 whatever the app answered.
pub async fn limit_body_time(State(BodyDeadline(limit)): State<BodyDeadline>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let expired = Arc::new(AtomicBool::new(false));
    let request = request.map(|inner| {
        Body::new(DeadlineBody { inner, deadline: Box::pin(tokio::time::sleep(limit)), limit, expired: expired.clone() })
    });
    let response = next.run(request).await;
    if expired.load(Ordering::Acquire) {
        tracing::info!(?limit, "request body timed out");
        // `Connection: close` makes hyper drop the connection after this
        // answer instead of waiting for the rest of the body.
        return (
            StatusCode::REQUEST_TIMEOUT,
            [(header::CONNECTION, "close")],
            "The request took too long to arrive. Please try again.",
        )
            .into_response();
    }
    response
}

/// A body that fails once its deadline has passed.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<Sleep>>,
    limit: Duration,
    expired: Arc<AtomicBool>,
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        // Every field is `Unpin`, so the body can be used by `&mut`.
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut(this.limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
