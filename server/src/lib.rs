//! The Bazaar server: configuration, database, demo data and the axum
//! application that serves the Leptos storefront and its server functions.

pub mod config;
pub mod csrf;
pub mod db;
pub mod json_api;
pub mod mail;
pub mod seed;
pub mod sessions;

use app::checkout::payment::SimulatedPayments;
use app::{shell, state::AppState, App};
use config::MailTransport;
use std::sync::Arc;
use tokio::sync::Notify;
use axum::Router;
use config::{Config, SeedMode};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("mail: {0}")]
    Mail(#[from] mail::MailError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Sessions(#[from] sessions::SessionStoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    demo_logins: Vec<seed::accounts::DemoLogin>,
}

impl Application {
    /// Connects to the database, migrates it, seeds demo data if asked and
    /// the catalog is empty, and binds the listening socket (port 0 picks a
    /// free port, as the tests do).
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let db = db::connect_and_migrate(&config.database_url).await?;
        let demo_logins = match config.seed {
            SeedMode::Demo => seed::seed_demo(&db, seed::DEMO_SEED).await?.demo_logins,
            SeedMode::None => Vec::new(),
        };
        let session_store = sessions::DbSessionStore::new(&db)?;
        session_store.spawn_expired_sweep();
        let sessions = sessions::layer(session_store, config.secure_cookies);
        let csrf = csrf::CsrfPolicy::new(config.secure_cookies);
        let addr = config.leptos.site_addr;
        let outbox = Arc::new(Notify::new());
        let mailer: Arc<dyn mail::Mailer> = match &config.mail.transport {
            MailTransport::Files(dir) => Arc::new(mail::FileMailer::new(dir)),
            MailTransport::Smtp(url) => Arc::new(mail::SmtpMailer::from_url(url)?),
        };
        mail::worker::spawn(db.clone(), mailer, config.mail.from.clone(), outbox.clone());
        let state = AppState {
            db,
            leptos_options: config.leptos,
            payments: Arc::new(SimulatedPayments::default()),
            outbox,
        };
        let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Application { listener, router: router(state, sessions, csrf), demo_logins })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        // The socket was bound in `build`, so its address is known.
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The demo accounts seeded by this start (empty unless the database
    /// had no users), for `main` to print.
    pub fn demo_logins(&self) -> &[seed::accounts::DemoLogin] {
        &self.demo_logins
    }

    /// Serves requests until the process ends.
    pub async fn run(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).await
    }
}

/// The app's route table, generated once per process. Generating it
/// suppresses resource loading process-wide for a moment
/// (leptos-rs/leptos#4773): a page that another server in the same process
/// was rendering just then would hang forever. Production runs one server
/// per process, but the integration tests run many at once.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Pages, server functions (`/api/…`) and static files.
fn router(
    state: AppState,
    sessions: tower_sessions::SessionManagerLayer<sessions::DbSessionStore>,
    csrf: csrf::CsrfPolicy,
) -> Router {
    let routes = route_list();
    let options = state.leptos_options.clone();
    Router::new()
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(json_api::accept_json))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(csrf, csrf::reject_cross_site))
        .layer(CompressionLayer::new())
        .with_state(state)
}
