//! Spawning the application against a throwaway database.

use leptos::prelude::LeptosOptions;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::config::{Config, Environment, MailConfig, PasswordHashingConfig, SeedMode, DEFAULT_SESSION_IDLE};
use server::edge::{EdgeConfig, RateLimits};
use server::Application;
use std::sync::atomic::{AtomicU32, Ordering};

/// A request that takes longer has hung: fail the test with its URL rather
/// than stall the whole suite.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The edge's defaults with limits no test reaches by accident: every test
/// talks from 127.0.0.1, many at once, some sending thousands of requests.
/// The edge's own tests tighten them through `spawn_with`.
fn generous_edge() -> EdgeConfig {
    EdgeConfig {
        max_connections: 100_000,
        max_connections_per_ip: 0,
        rate_limits: RateLimits { api: None, auth: None },
        ..EdgeConfig::default()
    }
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server and a direct connection to its database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// Where the file mailer writes `.eml` files.
    pub outbox: tempfile::TempDir,
    _database: TestDatabase,
}

enum TestDatabase {
    Sqlite(#[expect(dead_code, reason = "held so the directory outlives the test")] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, sql) = (admin_url.clone(), format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            // Drop runs inside the test's runtime, which cannot block on a
            // future: drop the database from a thread with its own runtime.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await.map_err(std::io::Error::other)?;
                    admin
                        .execute_unprepared(&sql)
                        .await
                        .map_err(std::io::Error::other)?;
                    Ok::<_, std::io::Error>(())
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop test database {name}");
            }
        }
    }
}

fn postgres_admin_url() -> String {
    std::env::var("BAZAAR_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("bazaar_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

impl TestApp {
    /// Starts the server with the demo catalog on a new, empty database.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the server on a new, empty database, with the test
    /// configuration changed by `configure` first.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
        // Server logs go to the failing test's output (`RUST_LOG` to filter).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
            .with_test_writer()
            .try_init();
        let (database_url, database) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}/bazaar.db?mode=rwc", dir.path().display());
                (url, TestDatabase::Sqlite(dir))
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = unique_name();
                let admin = Database::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL is required at {admin_url} for these tests: {e}"));
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_string();
                (format!("{base}/{name}"), TestDatabase::Postgres { admin_url, name })
            }
        };
        Self::spawn_on(database_url, database, configure).await
    }

    async fn spawn_on(database_url: String, database: TestDatabase, configure: impl FnOnce(&mut Config)) -> TestApp {
        let outbox = tempfile::tempdir().expect("outbox directory");
        let mut config = test_config(&database_url, outbox.path());
        configure(&mut config);
        let app = Application::build(config).await.expect("application starts");
        let base = format!("http://{}", app.local_addr());
        tokio::spawn(app.run());
        let db = Database::connect(&database_url).await.expect("test connection");
        let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("client");
        TestApp { base, client, db, outbox, _database: database }
    }

    /// GET a page; returns status and body.
    /// `host:port` of the server, for raw connections.
    pub fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// POST JSON to a server function; returns status and parsed body.
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = self.client.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON from {path}, got: {text}"));
        (status, value)
    }

    /// A client that keeps cookies, like a browser: each one is a separate
    /// visitor with its own session.
    pub fn session_client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).timeout(REQUEST_TIMEOUT).build().expect("cookie-keeping client")
    }

    /// POST JSON to a server function as `client`; returns status and parsed body.
    pub async fn post_json_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = client.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON from {path}, got: {text}"));
        (status, value)
    }

    /// Runs `/api/catalog/search` with `query` and returns the results.
    pub async fn search(&self, query: serde_json::Value) -> serde_json::Value {
        let (status, body) = self.post_json("/api/catalog/search", serde_json::json!({ "query": query })).await;
        assert_eq!(status, 200, "search {query}: {body}");
        body
    }
}

/// The webhook secret test servers are configured with.
pub const SHOPIFY_SECRET: &str = "test-shopify-secret";

/// The configuration tests start the server with: demo data, plain HTTP,
/// port 0, email as files in `outbox`.
pub fn test_config(database_url: &str, outbox: &std::path::Path) -> Config {
    let leptos = LeptosOptions::builder()
        .output_name("bazaar")
        .site_root("target/site")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    Config {
        database_url: database_url.to_string().into(),
        seed: SeedMode::Demo,
        secure_cookies: false,
        leptos,
        mail: MailConfig::files(outbox),
        environment: Environment::Demo,
        event_retention: chrono::Duration::days(server::config::DEFAULT_EVENT_RETENTION_DAYS),
        session_idle: DEFAULT_SESSION_IDLE,
        password_hashing: PasswordHashingConfig::default(),
        edge: generous_edge(),
        // The webhook endpoint on, without a rate limit (the Shopify tests
        // send many at once from one address).
        shopify: server::shopify::config::ShopifyConfig {
            rate: None,
            ..server::shopify::config::ShopifyConfig::with_secret(SHOPIFY_SECRET)
        },
        // Retries and polls fast enough for a test to watch them happen.
        jobs: server::jobs::JobsConfig {
            backoff: std::time::Duration::from_millis(20),
            poll: std::time::Duration::from_millis(100),
            ..server::jobs::JobsConfig::default()
        },
        chat: app::chat::ssr::limits::ChatRates::default(),
        reviews: app::reviews::ssr::ReviewRates::default(),
        // One folder per test process: names are contents, so tests
        // storing the same image share it harmlessly.
        low_stock_threshold: server::config::DEFAULT_LOW_STOCK_THRESHOLD,
        // On, as in production: every page test also checks that a kept
        // page never outlives a change.
        page_cache_bytes: server::config::DEFAULT_PAGE_CACHE_MB * 1024 * 1024,
        payments: server::config::PaymentConfig::default(),
        bench_copies: None,
        images: server::images::ImageConfig {
            dir: std::env::temp_dir().join(format!("bazaar-test-images-{}", std::process::id())),
            ..server::images::ImageConfig::default()
        },
    }
}

/// Declares one test per backend for an async check `fn(TestApp)`.
macro_rules! on_both_backends {
    ($($check:ident),* $(,)?) => {
        $(
            mod $check {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $check(crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite).await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $check(crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

/// Declares one test per backend for an async check `fn(Backend)` that
/// starts its own server (e.g. with a changed configuration, through
/// [`TestApp::spawn_with`]).
macro_rules! for_both_backends {
    ($($check:ident),* $(,)?) => {
        $(
            mod $check {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$check(crate::helpers::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$check(crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}
pub(crate) use for_both_backends;
