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
    /// Site address, site root, output name and environment, from the
    /// `LEPTOS_*` variables that cargo-leptos sets.
    pub leptos: LeptosOptions,
}

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("BAZAAR_SEED must be `demo` or `none`, not `{0}`")]
    SeedMode(String),
    #[error("DATABASE_URL must start with sqlite:// or postgres://")]
    DatabaseUrl,
    #[error("Leptos configuration: {0}")]
    Leptos(String),
}

impl Config {
    /// Reads `DATABASE_URL`, `BAZAAR_SEED` and Leptos' `LEPTOS_*` variables.
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
        let leptos = get_configuration(None).map_err(|e| ConfigError::Leptos(e.to_string()))?.leptos_options;
        Ok(Config { database_url, seed, leptos })
    }
}
