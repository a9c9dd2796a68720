//! Server configuration, read once from the environment at start-up.
//! Every variable and its default is listed in README.md.

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

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    pub seed: SeedMode,
    /// Marks the session cookie `Secure` (sent over HTTPS only) and makes
    /// HTTPS the site's scheme for the cross-site check. Set it when the
    /// shop is served over HTTPS (`BAZAAR_SECURE_COOKIES=true`).
    pub secure_cookies: bool,
    /// Site address, site root, output name and environment, from the
    /// `LEPTOS_*` variables that cargo-leptos sets.
    pub leptos: LeptosOptions,
    pub mail: MailConfig,
}

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
    Smtp(String),
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
            Ok("smtp") => MailTransport::Smtp(env::var("BAZAAR_SMTP_URL").map_err(|_| ConfigError::SmtpUrl)?),
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
    #[error("BAZAAR_SECURE_COOKIES must be `true` or `false`, not `{0}`")]
    SecureCookies(String),
    #[error("Leptos configuration: {0}")]
    Leptos(String),
}

impl Config {
    /// Reads `DATABASE_URL`, `BAZAAR_SEED`, `BAZAAR_SECURE_COOKIES` and
    /// Leptos' `LEPTOS_*` variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let database_url = env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_string());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::DatabaseUrl);
        }
        let seed = match env::var("BAZAAR_SEED").as_deref() {
            Err(_) | Ok("demo") => SeedMode::Demo,
            Ok("none") => SeedMode::None,
            Ok(other) => return Err(ConfigError::SeedMode(other.to_string())),
        };
        let secure_cookies = match env::var("BAZAAR_SECURE_COOKIES").as_deref() {
            Err(_) | Ok("false") | Ok("0") => false,
            Ok("true") | Ok("1") => true,
            Ok(other) => return Err(ConfigError::SecureCookies(other.to_string())),
        };
        let leptos = get_configuration(None).map_err(|e| ConfigError::Leptos(e.to_string()))?.leptos_options;
        let mail = MailConfig::from_env()?;
        Ok(Config { database_url, seed, secure_cookies, leptos, mail })
    }
}
