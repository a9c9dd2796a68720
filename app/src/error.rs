//! The error type every server function returns. It survives the trip to
//! the browser (JSON-encoded), so the UI can show what went wrong.

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What can go wrong in a request, in terms a shopper understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
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
    /// A failure on our side; the details are in the server log only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the server function, or its answer could
    /// not be read (network down, bad encoding).
    #[error("Could not reach the shop: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound(_) => 404,
            AppError::Validation { .. } => 422,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::OutOfStock { .. } | AppError::Conflict(_) => 409,
            AppError::PaymentDeclined(_) => 402,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Turning server-side failures into [`AppError`]s.

    use super::AppError;

    impl From<sea_orm::DbErr> for AppError {
        fn from(err: sea_orm::DbErr) -> Self {
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }

    /// Sets the HTTP status of the current response (a server-function call
    /// or a server-rendered page) to match `err`, and returns it.
    pub fn with_status(err: AppError) -> AppError {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
                response.set_status(status);
            }
        }
        err
    }
}
