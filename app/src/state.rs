//! Server state shared by every request, reached through Leptos context.

use crate::checkout::payment::PaymentProvider;
use crate::error::AppError;
use crate::live::ssr::EventBus;
use axum::extract::FromRef;
use leptos::prelude::{use_context, LeptosOptions};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What the server gives each request.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub leptos_options: LeptosOptions,
    /// Takes checkout payments.
    pub payments: Arc<dyn PaymentProvider>,
    /// How long checkout waits for a charge, and when the recovery job
    /// settles what it did not (`BAZAAR_PAYMENT_TIMEOUT_SECS`,
    /// `BAZAAR_CHECKOUT_SETTLE_SECS`).
    pub payment_timing: crate::checkout::settle::PaymentTiming,
    /// Delivers committed domain events (order changes, queued emails…)
    /// to live sockets and background workers.
    pub events: Arc<dyn EventBus>,
    /// Bounds concurrent password hashing (sign-in, sign-up, password
    /// changes), so a burst of sign-ins cannot exhaust memory.
    pub password_hashing: crate::account::ssr::password::HashingLimit,
    /// Chat's send rate per sender and guests' conversation starts.
    pub chat: crate::chat::ssr::ChatLimits,
    /// How many reviews one customer may write in a while.
    pub reviews: crate::reviews::ssr::ReviewLimits,
    /// The low-stock threshold a new variant gets when none is given
    /// (`BAZAAR_LOW_STOCK_THRESHOLD`).
    pub low_stock_threshold: i32,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state of the running server, from inside a server function.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        // Every handler provides the state, so this happens when a browser
        // abandons a page mid-render: leptos disposes the page's reactive
        // owner (and its context) while a resource is still loading, and the
        // resource's future runs on without it. Its answer goes nowhere;
        // a wiring mistake instead would fail every request and every test.
        tracing::debug!("AppState missing from the Leptos context (request abandoned)");
        AppError::Internal
    })
}
