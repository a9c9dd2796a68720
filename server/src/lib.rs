//! The Bazaar server: configuration, database, demo data and the axum
//! application that serves the Leptos storefront and its server functions.

pub mod config;
pub mod db;
pub mod seed;

use app::{shell, state::AppState, App};
use axum::Router;
use config::{Config, SeedMode};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Connects to the database, migrates it, seeds demo data if asked and
    /// the catalog is empty, and binds the listening socket (port 0 picks a
    /// free port, as the tests do).
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let db = db::connect_and_migrate(&config.database_url).await?;
        if config.seed == SeedMode::Demo {
            seed::seed_demo(&db, seed::DEMO_SEED).await?;
        }
        let addr = config.leptos.site_addr;
        let state = AppState { db, leptos_options: config.leptos };
        let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Application { listener, router: router(state) })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        // The socket was bound in `build`, so its address is known.
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves requests until the process ends.
    pub async fn run(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).await
    }
}

/// Pages, server functions (`/api/…`) and static files.
fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(CompressionLayer::new())
        .with_state(state)
}
