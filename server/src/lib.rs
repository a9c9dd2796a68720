//! The Bazaar server: configuration, database, demo data and the axum
//! application that serves the Leptos storefront and its server functions.

// Release builds (without `--cfg erase_components`) type the admin desk's
// nested views deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api_input;
pub mod assets;
pub mod bench_copies;
pub mod cli;
pub mod config;
pub mod csrf;
pub mod db;
pub mod admin_api;
pub mod edge;
pub mod export;
pub mod images;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod page_cache;
pub mod secret;
pub mod seed;
pub mod sessions;
pub mod shopify;

use app::checkout::payment::SimulatedPayments;
use app::live::ssr::{EventBus, InProcessBus};
use app::{shell, state::AppState, App};
use config::MailTransport;
use std::sync::Arc;
use axum::Router;
use config::{Config, Environment, SeedMode};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("mail: {0}")]
    Mail(#[from] mail::MailError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Sessions(#[from] sessions::SessionStoreError),
    #[error("a production shop never seeds demo data or demo accounts")]
    DemoSeedInProduction,
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    BenchCopies(#[from] bench_copies::CopiesError),
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    serve: edge::serve::ServeSettings,
    demo_logins: Vec<seed::accounts::DemoLogin>,
    /// The job queue's workers, stopped after the last request.
    runner: jobs::Runner,
}

impl Application {
    /// Connects to the database, migrates it, seeds demo data if asked and
    /// the catalog is empty, and binds the listening socket (port 0 picks a
    /// free port, as the tests do).
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        if config.environment == Environment::Production && config.seed == SeedMode::Demo {
            return Err(StartupError::DemoSeedInProduction);
        }
        let db = db::connect_and_migrate(config.database_url.expose()).await?;
        let demo_logins = match config.seed {
            SeedMode::Demo => seed::seed_demo(&db, seed::DEMO_SEED).await?.demo_logins,
            SeedMode::None => Vec::new(),
        };
        let session_store = sessions::DbSessionStore::new(&db)?;
        session_store.spawn_expired_sweep();
        let sessions = sessions::layer(session_store.clone(), config.secure_cookies, config.session_idle);
        let csrf = csrf::CsrfPolicy::new(config.secure_cookies);
        let addr = config.leptos.site_addr;
        let events: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
        let mailer: Arc<dyn mail::Mailer> = match &config.mail.transport {
            MailTransport::Files(dir) => Arc::new(mail::FileMailer::new(dir)),
            MailTransport::Smtp(url) => Arc::new(mail::SmtpMailer::from_url(url.expose())?),
        };
        // The simulated provider keeps its charges in the shop's database.
        let payments: Arc<dyn app::checkout::payment::PaymentProvider> =
            Arc::new(SimulatedPayments::new(db.clone()).with_latency(config.payments.simulated_latency));
        let handlers = jobs::Handlers::default()
            .with(app::mail::ssr::SEND_EMAIL, mail::job::SendEmail { db: db.clone(), mailer, from: config.mail.from.clone() })
            .with(app::orders::change::REFUND, jobs::refund::Refund { db: db.clone(), payments: payments.clone() })
            .with(app::checkout::settle::SETTLE, jobs::settle::Settle { db: db.clone(), payments: payments.clone(), events: events.clone() })
            .with(jobs::housekeeping::PRUNE, jobs::housekeeping::Prune { db: db.clone(), retention: config.event_retention })
            .with(shopify::sync::SYNC, shopify::sync::SyncOrder::new(db.clone(), events.clone()));
        let runner = jobs::Runner::start(db.clone(), events.as_ref(), config.jobs.clone(), handlers, &app::jobs::ssr::queue::queues::ALL);
        jobs::housekeeping::schedule(db.clone(), events.clone());
        let state = AppState {
            db: db.clone(),
            leptos_options: config.leptos,
            payments,
            payment_timing: config.payments.timing,
            events,
            password_hashing: app::account::ssr::password::HashingLimit::new(
                config.password_hashing.concurrency,
                config.password_hashing.max_wait,
            ),
            chat: app::chat::ssr::ChatLimits::new(config.chat),
            reviews: app::reviews::ssr::ReviewLimits::new(config.reviews),
            low_stock_threshold: config.low_stock_threshold,
        };
        let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
        let bound = listener.local_addr().map_err(|source| StartupError::Bind { addr, source })?;
        let edge = edge::EdgeLayers::new(&config.edge, config.secure_cookies, bound);
        let webhooks = shopify::ingest::WebhookIngest::new(
            state.db.clone(),
            state.events.clone(),
            config.shopify,
            config.edge.trusted_proxies.clone(),
        );
        let images = images::Images {
            db: state.db.clone(),
            events: state.events.clone(),
            store: Arc::new(images::store::DiskStore::new(config.images.dir.clone())),
            max_bytes: config.images.max_bytes,
        };
        let pages = (config.page_cache_bytes > 0).then(|| page_cache::PageCache::new(config.page_cache_bytes, state.events.as_ref()));
        let copies = config.bench_copies.as_deref().map(bench_copies::Copies::load).transpose()?;
        // Shopify's webhooks: for machines, authenticated by HMAC, with a
        // rate limit of their own (see `shopify::ingest`); product and
        // category image uploads (multipart) and the stored files.
        let own_state = webhooks.routes().merge(images.routes()).merge(copies.map(bench_copies::Copies::routes).unwrap_or_default());
        let router = edge.wrap(router(state, session_store, sessions, csrf, own_state, pages));
        Ok(Application { listener, router, serve: edge::serve_settings(&config.edge), demo_logins, runner })
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
        self.run_until(std::future::pending()).await
    }

    /// Serves requests until `shutdown` completes, then stops accepting
    /// connections and lets the requests in flight finish (for a while),
    /// then lets running jobs finish (for a while) and leaves the others
    /// for the next start.
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        let served = edge::serve::serve(self.listener, self.router, self.serve, shutdown).await;
        self.runner.shutdown().await;
        served
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

/// What the not-found page's render needs: the nonce, and the state its
/// layout's resources (cart, signed-in user) read, which
/// `leptos_routes_with_context` provides to every other page.
fn not_found_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let state = state.clone();
    move || {
        edge::headers::provide_request_nonce();
        leptos::prelude::provide_context(state.clone());
    }
}

/// The not-found page, rendered like every page (`SsrMode::Async`); its
/// route sets the 404 status.
async fn not_found_page(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let options = state.leptos_options.clone();
    leptos_axum::render_app_async_with_context(not_found_context(&state), move || shell(options.clone()))(request).await
}

/// Pages, server functions (`/api/…`) and static files, besides
/// `own_state`: the routes that carry their own state (webhooks, images,
/// bench copies), all behind the same layers.
fn router(
    state: AppState,
    session_store: sessions::DbSessionStore,
    sessions: tower_sessions::SessionManagerLayer<sessions::DbSessionStore>,
    csrf: csrf::CsrfPolicy,
    own_state: Router<AppState>,
    pages: Option<Arc<page_cache::PageCache>>,
) -> Router {
    let routes = route_list();
    let options = state.leptos_options.clone();
    let live = live::LiveState {
        router: live::Router::start(state.events.as_ref()),
        app: state.clone(),
        sessions: session_store,
        presence: live::Presence::default(),
    };
    // The socket's handler needs the session store besides the shop's
    // state, so it is a router of its own.
    let socket = Router::new().route("/ws", axum::routing::get(live::upgrade)).with_state(live);
    let router = Router::new()
        .route_service("/ws", socket)
        .merge(admin_api::routes())
        .merge(export::routes())
        .merge(own_state)
        .leptos_routes_with_context(&state, routes, edge::headers::provide_request_nonce, move || shell(options.clone()))
        // The built site's files (`/pkg/…`, pictures), as their brotli or
        // gzip copies where the build made them; the not-found page for
        // any other path. Not leptos_axum's `file_and_error_handler`: it
        // answers a file inside a reactive owner that inherits whichever
        // owner the worker thread last left current, so a file could go
        // out with another request's status (seen: `/pkg/bazaar.wasm`
        // answered 403 right after a "Not allowed" page).
        .fallback_service(
            ServeDir::new(&*state.leptos_options.site_root)
                .precompressed_br()
                .precompressed_gzip()
                // A POST to a path nothing serves is "not found" too.
                .call_fallback_on_method_not_allowed(true)
                .fallback(axum::handler::Handler::with_state(not_found_page, state.clone())),
        )
        .layer(axum::middleware::from_fn(api_input::guard))
        // Every 5xx is logged at ERROR with its method and URI (the span's
        // fields), whichever handler produced it.
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO)),
        )
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(csrf, csrf::reject_cross_site));
    // Anonymous visitors' pages, kept until the catalog changes.
    let router = match pages {
        Some(pages) => router.layer(axum::middleware::from_fn_with_state(pages, page_cache::serve_kept_pages)),
        None => router,
    };
    router
        // Precompressed files (release builds) are served as they are;
        // this compresses the rest (pages, API answers) per request.
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(assets::AssetNaming::of(&state.leptos_options), assets::cache_lifetimes))
        .with_state(state)
}
