//! The error type every server function returns. It survives the trip to
//! the browser (JSON-encoded), so the UI can show what went wrong.

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What can go wrong in a request, in terms a shopper understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request itself cannot be read: a missing or malformed argument
    /// (a word where a number belongs, a negative quantity, a number too
    /// large). Answered before the server function runs.
    #[error("The request could not be understood: {0}")]
    BadRequest(String),
    /// The request body is over the size limit; answered before it is read
    /// whole.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The thing asked for does not exist (or must not be revealed).
    #[error("{0} not found")]
    NotFound(String),
    /// Input that cannot be accepted, tied to the form field it came from.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The request needs a signed-in user and has none.
    #[error("Please sign in.")]
    Unauthorized,
    /// The signed-in user may not do this (their role lacks it).
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// Fewer units are in stock than were asked for.
    #[error("Only {available} of {item} left in stock.")]
    OutOfStock { item: String, available: u32 },
    /// The payment provider refused the payment; nothing was charged.
    #[error("{0}")]
    PaymentDeclined(String),
    /// The request conflicts with the current state (e.g. an illegal
    /// order transition, or a stale version).
    #[error("{0}")]
    Conflict(String),
    /// An admin's edit was made from an older version of the order:
    /// someone saved first. `current` is the order as it is now.
    #[error("This order was changed by someone else while you were editing it.")]
    OrderChanged { current: Box<crate::admin::model::AdminOrder> },
    /// The shop is too busy to take this request now (answered 503 with
    /// `Retry-After`); nothing was done.
    #[error("The shop is busy. Please try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u32 },
    /// This client sent more requests than its rate limit allows (answered
    /// 429 with `Retry-After` by the server's edge); nothing was done.
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u32 },
    /// A chat sender is over their message rate; the message was not
    /// sent (answered 429 with `Retry-After`).
    #[error("You're sending messages too fast. Please wait {retry_after_secs} seconds and try again.")]
    TooFast { retry_after_secs: u32 },
    /// A failure on our side; the details are in the server log only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the server function, or its answer could
    /// not be read (network down, bad encoding).
    #[error("Could not reach the shop: {0}")]
    Transport(String),
}

impl AppError {
    /// Fewer than asked of one variant, named "Product (Variant)".
    pub fn out_of_stock(product: &str, variant: &str, available: u32) -> Self {
        AppError::OutOfStock { item: format!("{product} ({variant})"), available }
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::PayloadTooLarge(_) => 413,
            AppError::NotFound(_) => 404,
            AppError::Validation { .. } => 422,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::OutOfStock { .. } | AppError::Conflict(_) | AppError::OrderChanged { .. } => 409,
            AppError::PaymentDeclined(_) => 402,
            AppError::Internal | AppError::Transport(_) => 500,
            AppError::Busy { .. } => 503,
            AppError::RateLimited { .. } | AppError::TooFast { .. } => 429,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server this is called when a request cannot be turned into
    /// the function's arguments (the caller's fault: 400), or when the answer
    /// cannot be written (ours: 500, logged). In the browser every such error
    /// means the request or its answer was lost on the way.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        {
            ssr::from_request_failure(value)
        }
        #[cfg(not(feature = "ssr"))]
        {
            AppError::Transport(value.to_string())
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Turning server-side failures into [`AppError`]s.

    use super::AppError;
    use leptos::server_fn::error::ServerFnErrorErr;

    impl From<sea_orm::DbErr> for AppError {
        fn from(err: sea_orm::DbErr) -> Self {
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }

    /// Classifies a failure of the server-function machinery on the server.
    pub(super) fn from_request_failure(value: ServerFnErrorErr) -> AppError {
        let err = match value {
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::Deserialization(detail) => {
                AppError::BadRequest(readable_args_error(&detail))
            }
            ServerFnErrorErr::MissingArg(name) => AppError::BadRequest(format!("the argument `{name}` is missing")),
            ServerFnErrorErr::UnsupportedRequestMethod(detail) => AppError::BadRequest(detail),
            other => {
                tracing::error!(error = %other, "server function failed outside its body");
                AppError::Internal
            }
        };
        with_status(err)
    }

    /// The deserializer's message without the codec's prefix, e.g.
    /// "quantity: invalid digit found in string".
    fn readable_args_error(detail: &str) -> String {
        let detail = detail.trim();
        let detail = detail.strip_prefix("Failed to deserialize query string:").unwrap_or(detail).trim();
        if detail.is_empty() {
            "the arguments are malformed".to_string()
        } else {
            detail.to_string()
        }
    }

    /// Sets the HTTP status of the current response (a server-function call
    /// or a server-rendered page) to match `err`, and returns it.
    pub fn with_status(err: AppError) -> AppError {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
                response.set_status(status);
            }
            if let AppError::Busy { retry_after_secs } | AppError::TooFast { retry_after_secs } = &err {
                response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(*retry_after_secs));
            }
        }
        err
    }
}
