//! Server state shared by every request, reached through Leptos context.

use crate::error::AppError;
use axum::extract::FromRef;
use leptos::prelude::{use_context, LeptosOptions};
use sea_orm::DatabaseConnection;

/// What the server gives each request: the database pool and Leptos' options.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state of the running server, from inside a server function.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
