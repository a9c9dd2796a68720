//! Server configuration, read once from the environment at start-up.
//! Every variable and its default is listed in README.md.

use crate::secret::SecretUrl;
use leptos::prelude::{get_configuration, LeptosOptions};
use std::env;

/// The SQLite file used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/bazaar.db?mode=rwc";

/// Whether to load demo data into an empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedMode {
    /// Seed the demo catalog when the database has no catalog yet.
    Demo,
    /// Never seed.
    None,
}

/// What kind of deployment this is (`BAZAAR_ENV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// For trying the shop out (the default, and what `deploy/start.sh`
    /// runs): demo data and demo accounts with well-known passwords.
    Demo,
    /// A real shop: never seeds demo data or demo accounts, and refuses to
    /// start if asked to. The first admin comes from `server create-admin`.
    Production,
}

/// How many password hashes run at once, and how long a request may wait
/// for its turn before it is answered 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordHashingConfig {
    /// `BAZAAR_HASH_CONCURRENCY`; 0 lifts the bound (benchmark baseline only).
    pub concurrency: usize,
    /// `BAZAAR_HASH_WAIT_SECS`.
    pub max_wait: std::time::Duration,
}

impl Default for PasswordHashingConfig {
    /// One hash per core, waiting up to 10 seconds.
    fn default() -> Self {
        PasswordHashingConfig {
            concurrency: app::account::ssr::password::cores(),
            max_wait: std::time::Duration::from_secs(10),
        }
    }
}

/// How long an unused session lasts when `BAZAAR_SESSION_IDLE_DAYS` is not set.
pub const DEFAULT_SESSION_IDLE: std::time::Duration = std::time::Duration::from_secs(2 * 24 * 60 * 60);

/// Days of live events kept for reconnecting clients
/// (`BAZAAR_EVENT_RETENTION_DAYS`).
pub const DEFAULT_EVENT_RETENTION_DAYS: i64 = 7;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: SecretUrl,
    pub seed: SeedMode,
    /// Marks the session cookie `Secure` (sent over HTTPS only) and makes
    /// HTTPS the site's scheme for the cross-site check. Set it when the
    /// shop is served over HTTPS (`BAZAAR_SECURE_COOKIES=true`).
    pub secure_cookies: bool,
    /// Site address, site root, output name and environment, from the
    /// `LEPTOS_*` variables that cargo-leptos sets.
    pub leptos: LeptosOptions,
    pub mail: MailConfig,
    /// Demo or production (`BAZAAR_ENV`).
    pub environment: Environment,
    /// A session unused for this long ends (`BAZAAR_SESSION_IDLE_DAYS`).
    pub session_idle: std::time::Duration,
    pub password_hashing: PasswordHashingConfig,
    /// Connections, timeouts, rate limits, host names (`edge`).
    pub edge: crate::edge::EdgeConfig,
    /// Live events older than this are pruned; a client away longer is
    /// told to reload (`BAZAAR_EVENT_RETENTION_DAYS`, default 7).
    pub event_retention: chrono::Duration,
    /// The Shopify webhook endpoint (`BAZAAR_SHOPIFY_*`).
    pub shopify: crate::shopify::config::ShopifyConfig,
    /// The job queue's workers (`BAZAAR_JOBS_*`).
    pub jobs: crate::jobs::JobsConfig,
    /// Chat's send rate and guests' conversation starts (`BAZAAR_CHAT_*`).
    pub chat: app::chat::ssr::limits::ChatRates,
    /// How many reviews one customer may write (`BAZAAR_REVIEWS_*`).
    pub reviews: app::reviews::ssr::ReviewRates,
    /// Where product images are kept and their size limit (`BAZAAR_IMAGE_*`).
    pub images: crate::images::ImageConfig,
    /// The low-stock threshold of a new variant when none is given
    /// (`BAZAAR_LOW_STOCK_THRESHOLD`, default 5).
    pub low_stock_threshold: i32,
    /// Bytes of anonymous visitors' pages kept in memory
    /// (`BAZAAR_PAGE_CACHE_MB`, default 64; 0 keeps none; `page_cache`).
    pub page_cache_bytes: u64,
    /// How checkout waits for payments and settles what it did not hear.
    pub payments: PaymentConfig,
    /// A folder of saved pages to answer at `/bench-copies/` for the
    /// catalog bench (`BAZAAR_BENCH_COPIES`; unset in a real shop).
    pub bench_copies: Option<std::path::PathBuf>,
}

/// Checkout's payment timing and the simulated provider's latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaymentConfig {
    /// `BAZAAR_PAYMENT_TIMEOUT_SECS` (20) and `BAZAAR_CHECKOUT_SETTLE_SECS`
    /// (60), the second longer than the first.
    pub timing: app::checkout::settle::PaymentTiming,
    /// `BAZAAR_PAYMENTS_LATENCY_MS` (0): how long the simulated provider
    /// takes to answer a charge, for benchmarks and crash tests.
    pub simulated_latency: std::time::Duration,
}

impl PaymentConfig {
    fn from_env() -> Result<Self, ConfigError> {
        let defaults = app::checkout::settle::PaymentTiming::default();
        let timing = app::checkout::settle::PaymentTiming {
            timeout: number_from_env("BAZAAR_PAYMENT_TIMEOUT_SECS")?.map_or(defaults.timeout, |s| std::time::Duration::from_secs(s.max(1))),
            settle_after: number_from_env("BAZAAR_CHECKOUT_SETTLE_SECS")?.map_or(defaults.settle_after, std::time::Duration::from_secs),
        };
        // The recovery job must never settle an order whose checkout is
        // still waiting for the provider's answer.
        if timing.settle_after <= timing.timeout {
            return Err(ConfigError::SettleBeforeTimeout);
        }
        Ok(PaymentConfig {
            timing,
            simulated_latency: std::time::Duration::from_millis(number_from_env("BAZAAR_PAYMENTS_LATENCY_MS")?.unwrap_or(0)),
        })
    }
}

/// `BAZAAR_PAGE_CACHE_MB` when unset.
pub const DEFAULT_PAGE_CACHE_MB: u64 = 64;

/// How email leaves the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The sender (`BAZAAR_MAIL_FROM`).
    pub from: String,
    pub transport: MailTransport,
}

/// Where the outbox worker hands email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// `.eml` files in a folder (`BAZAAR_MAILER=file`, `BAZAAR_OUTBOX_DIR`).
    Files(std::path::PathBuf),
    /// An SMTP relay (`BAZAAR_MAILER=smtp`, `BAZAAR_SMTP_URL`).
    Smtp(SecretUrl),
}

impl MailConfig {
    /// Files in `dir`, from the default sender.
    pub fn files(dir: impl Into<std::path::PathBuf>) -> Self {
        MailConfig { from: DEFAULT_MAIL_FROM.to_string(), transport: MailTransport::Files(dir.into()) }
    }

    fn from_env() -> Result<Self, ConfigError> {
        let from = env::var("BAZAAR_MAIL_FROM").unwrap_or_else(|_| DEFAULT_MAIL_FROM.to_string());
        let transport = match env::var("BAZAAR_MAILER").as_deref() {
            Err(_) | Ok("file") => MailTransport::Files(
                env::var("BAZAAR_OUTBOX_DIR").unwrap_or_else(|_| DEFAULT_OUTBOX_DIR.to_string()).into(),
            ),
            Ok("smtp") => MailTransport::Smtp(SecretUrl::new(env::var("BAZAAR_SMTP_URL").map_err(|_| ConfigError::SmtpUrl)?)),
            Ok(other) => return Err(ConfigError::Mailer(other.to_string())),
        };
        Ok(MailConfig { from, transport })
    }
}

/// Where `.eml` files go when `BAZAAR_OUTBOX_DIR` is not set.
pub const DEFAULT_OUTBOX_DIR: &str = "data/outbox";
/// The sender when `BAZAAR_MAIL_FROM` is not set.
pub const DEFAULT_MAIL_FROM: &str = "Bazaar <orders@bazaar.test>";

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("BAZAAR_MAILER must be `file` or `smtp`, not `{0}`")]
    Mailer(String),
    #[error("BAZAAR_MAILER=smtp needs BAZAAR_SMTP_URL, e.g. smtps://user:password@smtp.example.com")]
    SmtpUrl,
    #[error("BAZAAR_SEED must be `demo` or `none`, not `{0}`")]
    SeedMode(String),
    #[error("DATABASE_URL must start with sqlite:// or postgres://")]
    DatabaseUrl,
    #[error("BAZAAR_ENV must be `demo` or `production`, not `{0}`")]
    Environment(String),
    #[error("BAZAAR_ENV=production never seeds demo data or demo accounts: unset BAZAAR_SEED or set it to `none`")]
    SeedInProduction,
    #[error(transparent)]
    Value(#[from] EnvValueError),
    #[error(transparent)]
    Edge(#[from] crate::edge::EdgeConfigError),
    #[error("Leptos configuration: {0}")]
    Leptos(String),
    #[error("BAZAAR_CHECKOUT_SETTLE_SECS must be longer than BAZAAR_PAYMENT_TIMEOUT_SECS")]
    SettleBeforeTimeout,
}

impl Config {
    /// Reads `DATABASE_URL`, `BAZAAR_SEED`, `BAZAAR_SECURE_COOKIES` and
    /// Leptos' `LEPTOS_*` variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let database_url = env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_string());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::DatabaseUrl);
        }
        let environment = match env::var("BAZAAR_ENV").as_deref() {
            Err(_) | Ok("demo") => Environment::Demo,
            Ok("production") => Environment::Production,
            Ok(other) => return Err(ConfigError::Environment(other.to_string())),
        };
        let seed = seed_mode(environment, env::var("BAZAAR_SEED").ok().as_deref())?;
        let secure_cookies = flag_from_env("BAZAAR_SECURE_COOKIES", false)?;
        let leptos = with_built_hashes(get_configuration(None).map_err(|e| ConfigError::Leptos(e.to_string()))?.leptos_options);
        let mail = MailConfig::from_env()?;
        let session_idle = match number_from_env("BAZAAR_SESSION_IDLE_DAYS")? {
            Some(days) => std::time::Duration::from_secs(days.saturating_mul(24 * 60 * 60)),
            None => DEFAULT_SESSION_IDLE,
        };
        let defaults = PasswordHashingConfig::default();
        let password_hashing = PasswordHashingConfig {
            concurrency: number_from_env("BAZAAR_HASH_CONCURRENCY")?
                .map_or(defaults.concurrency, |n| usize::try_from(n).unwrap_or(usize::MAX)),
            max_wait: number_from_env("BAZAAR_HASH_WAIT_SECS")?
                .map_or(defaults.max_wait, std::time::Duration::from_secs),
        };
        Ok(Config {
            database_url: SecretUrl::new(database_url),
            seed,
            secure_cookies,
            leptos,
            mail,
            environment,
            session_idle,
            password_hashing,
            edge: crate::edge::EdgeConfig::from_env()?,
            event_retention: chrono::Duration::days(
                number_from_env("BAZAAR_EVENT_RETENTION_DAYS")?.map_or(DEFAULT_EVENT_RETENTION_DAYS, |d| i64::try_from(d).unwrap_or(36_500).min(36_500)),
            ),
            shopify: crate::shopify::config::ShopifyConfig::from_env()?,
            jobs: crate::jobs::JobsConfig::from_env()?,
            chat: chat_rates_from_env()?,
            reviews: review_rates_from_env()?,
            images: image_config_from_env()?,
            low_stock_threshold: number_from_env("BAZAAR_LOW_STOCK_THRESHOLD")?
                .map_or(DEFAULT_LOW_STOCK_THRESHOLD, |n| i32::try_from(n).unwrap_or(i32::MAX).min(app::products::model::MAX_THRESHOLD)),
            page_cache_bytes: number_from_env("BAZAAR_PAGE_CACHE_MB")?.unwrap_or(DEFAULT_PAGE_CACHE_MB).saturating_mul(1024 * 1024),
            payments: PaymentConfig::from_env()?,
            bench_copies: env::var_os("BAZAAR_BENCH_COPIES").map(std::path::PathBuf::from),
        })
    }
}

/// The low-stock threshold of a new variant when none is configured.
pub const DEFAULT_LOW_STOCK_THRESHOLD: i32 = 5;

/// `options`, naming the browser files by content whenever the build that
/// made this binary did: `deploy/build.sh --release` leaves the hash file
/// beside the binary, and Leptos reads the names from it. Whoever starts
/// the server (start.sh, a bench, a service manager) then need not also
/// say `LEPTOS_HASH_FILES=true`.
fn with_built_hashes(mut options: LeptosOptions) -> LeptosOptions {
    let beside_binary = env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
    if beside_binary.is_some_and(|file| file.is_file()) {
        options.hash_files = true;
    }
    options
}

/// `BAZAAR_IMAGE_DIR` (`data/images`) and `BAZAAR_IMAGE_MAX_BYTES` (5 MiB).
fn image_config_from_env() -> Result<crate::images::ImageConfig, EnvValueError> {
    let defaults = crate::images::ImageConfig::default();
    Ok(crate::images::ImageConfig {
        dir: env::var("BAZAAR_IMAGE_DIR").map_or(defaults.dir, std::path::PathBuf::from),
        max_bytes: number_from_env("BAZAAR_IMAGE_MAX_BYTES")?.map_or(defaults.max_bytes, |n| usize::try_from(n).unwrap_or(usize::MAX)),
    })
}

/// `BAZAAR_CHAT_MESSAGES_PER_WINDOW` (5) messages per sender in
/// `BAZAAR_CHAT_WINDOW_SECS` (10), and
/// `BAZAAR_CHAT_GUEST_CONVERSATIONS_PER_HOUR` (3); 0 lifts a limit.
fn chat_rates_from_env() -> Result<app::chat::ssr::limits::ChatRates, EnvValueError> {
    let defaults = app::chat::ssr::limits::ChatRates::default();
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(app::chat::ssr::limits::ChatRates {
        messages: number_from_env("BAZAAR_CHAT_MESSAGES_PER_WINDOW")?.map_or(defaults.messages, small),
        window: number_from_env("BAZAAR_CHAT_WINDOW_SECS")?.map_or(defaults.window, |s| std::time::Duration::from_secs(s.max(1))),
        guest_conversations_per_hour: number_from_env("BAZAAR_CHAT_GUEST_CONVERSATIONS_PER_HOUR")?
            .map_or(defaults.guest_conversations_per_hour, small),
    })
}

/// `BAZAAR_REVIEWS_PER_WINDOW` (5) reviews per customer in
/// `BAZAAR_REVIEWS_WINDOW_SECS` (60); 0 lifts the limit.
fn review_rates_from_env() -> Result<app::reviews::ssr::ReviewRates, EnvValueError> {
    let defaults = app::reviews::ssr::ReviewRates::default();
    Ok(app::reviews::ssr::ReviewRates {
        writes: number_from_env("BAZAAR_REVIEWS_PER_WINDOW")?.map_or(defaults.writes, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        window: number_from_env("BAZAAR_REVIEWS_WINDOW_SECS")?.map_or(defaults.window, |s| std::time::Duration::from_secs(s.max(1))),
    })
}

/// The seed mode for `BAZAAR_SEED` (`value`) in `environment`: demo data by
/// default in a demo, never in production.
fn seed_mode(environment: Environment, value: Option<&str>) -> Result<SeedMode, ConfigError> {
    match (environment, value) {
        (Environment::Demo, None | Some("demo")) => Ok(SeedMode::Demo),
        (Environment::Production, None) | (_, Some("none")) => Ok(SeedMode::None),
        (Environment::Production, Some("demo")) => Err(ConfigError::SeedInProduction),
        (_, Some(other)) => Err(ConfigError::SeedMode(other.to_string())),
    }
}

/// A variable whose value is not of the kind it must be.
#[derive(Debug, thiserror::Error)]
pub enum EnvValueError {
    #[error("{name} must be a whole number, not `{value}`")]
    Number { name: &'static str, value: String },
    #[error("{name} must be `true` or `false`, not `{value}`")]
    Flag { name: &'static str, value: String },
}

/// A whole number from the environment variable `name`, if set.
pub(crate) fn number_from_env(name: &'static str) -> Result<Option<u64>, EnvValueError> {
    match env::var(name) {
        Err(_) => Ok(None),
        Ok(value) => value.trim().parse().map(Some).map_err(|_| EnvValueError::Number { name, value }),
    }
}

/// `true`/`1` or `false`/`0` from the environment variable `name`;
/// `default` when it is not set.
pub(crate) fn flag_from_env(name: &'static str, default: bool) -> Result<bool, EnvValueError> {
    match env::var(name).as_deref() {
        Err(_) => Ok(default),
        Ok("true") | Ok("1") => Ok(true),
        Ok("false") | Ok("0") => Ok(false),
        Ok(value) => Err(EnvValueError::Flag { name, value: value.to_string() }),
    }
}

#[cfg(test)]
mod environment_tests {
    use super::*;

    #[test]
    fn production_never_seeds_and_refuses_a_seed_flag() {
        assert_eq!(seed_mode(Environment::Production, None).ok(), Some(SeedMode::None));
        assert_eq!(seed_mode(Environment::Production, Some("none")).ok(), Some(SeedMode::None));
        assert!(matches!(seed_mode(Environment::Production, Some("demo")), Err(ConfigError::SeedInProduction)));
    }

    #[test]
    fn a_demo_seeds_unless_told_not_to() {
        assert_eq!(seed_mode(Environment::Demo, None).ok(), Some(SeedMode::Demo));
        assert_eq!(seed_mode(Environment::Demo, Some("none")).ok(), Some(SeedMode::None));
        assert!(matches!(seed_mode(Environment::Demo, Some("lots")), Err(ConfigError::SeedMode(_))));
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    /// The only test in this crate that sets these variables, so no other
    /// test can read them half-set.
    #[test]
    fn printing_the_config_never_shows_a_password() {
        env::set_var("DATABASE_URL", "postgres://shop:db-hunter2@db.example:5432/bazaar");
        env::set_var("BAZAAR_MAILER", "smtp");
        env::set_var("BAZAAR_SMTP_URL", "smtps://orders:smtp-hunter2@smtp.example.com");
        let config = Config::from_env();
        for name in ["DATABASE_URL", "BAZAAR_MAILER", "BAZAAR_SMTP_URL"] {
            env::remove_var(name);
        }
        let config = config.expect("valid configuration");
        let printed = format!("{config:?} {config:#?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("postgres://shop:***@db.example:5432/bazaar"), "{printed}");
        assert!(printed.contains("smtps://orders:***@smtp.example.com"), "{printed}");
        assert_eq!(config.database_url.expose(), "postgres://shop:db-hunter2@db.example:5432/bazaar");
    }
}
