//! Sessions, kept in the shop's own database so they survive restarts and
//! are shared by every instance: tower-sessions over
//! `tower-sessions-sqlx-store`, on the connection pool sea-orm already has.
//!
//! The `sessions` table is created by the migrations (its columns are the
//! ones the store reads and writes), not by the store's own `migrate()`.

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use std::time::Duration as StdDuration;
use tower_sessions::cookie::{time::Duration, SameSite};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The session cookie's name over plain HTTP (local development, tests).
pub const COOKIE_NAME: &str = "bazaar_session";

/// The session cookie's name over HTTPS. Browsers accept a `__Host-` cookie
/// only if it is `Secure`, has `Path=/` and no `Domain`, so neither a
/// plain-HTTP page nor a sibling subdomain can plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-bazaar_session";

/// The session cookie's name: `__Host-` prefixed when served over HTTPS.
/// Plain HTTP keeps the unprefixed name, since browsers refuse `Secure`
/// cookies (and so `__Host-` ones) from `http://` origins.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// How often expired sessions are deleted.
const SWEEP_PERIOD: StdDuration = StdDuration::from_secs(60 * 60);

/// The table created by migration `m20261123_000003_create_accounts`.
const TABLE: &str = "sessions";

/// The session store for the database the shop runs on. On SQLite its
/// writes queue for the database's write turn (`app::db::write_turn`)
/// like the shop's own: a sign-in's session rows otherwise wait in
/// SQLite's busy handler, holding a pooled connection while they sleep.
#[derive(Debug, Clone)]
pub enum DbSessionStore {
    Sqlite { store: SqliteStore, db: DatabaseConnection },
    Postgres(PostgresStore),
}

/// A session store that cannot be set up.
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionStoreError(String);

impl DbSessionStore {
    /// A store on `db`'s own pool.
    pub fn new(db: &DatabaseConnection) -> Result<Self, SessionStoreError> {
        match db.get_database_backend() {
            DatabaseBackend::Sqlite => SqliteStore::new(db.get_sqlite_connection_pool().clone())
                .with_table_name(TABLE)
                .map(|store| DbSessionStore::Sqlite { store, db: db.clone() })
                .map_err(SessionStoreError),
            DatabaseBackend::Postgres => PostgresStore::new(db.get_postgres_connection_pool().clone())
                .with_schema_name("public")
                .and_then(|store| store.with_table_name(TABLE))
                .map(DbSessionStore::Postgres)
                .map_err(SessionStoreError),
            other => Err(SessionStoreError(format!("no session store for {other:?}"))),
        }
    }

    /// Deletes expired sessions every hour, for as long as the server runs.
    /// A failed sweep is logged and the next one tried (the store's own
    /// `continuously_delete_expired` would stop at the first error).
    pub fn spawn_expired_sweep(&self) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(SWEEP_PERIOD);
            loop {
                interval.tick().await;
                if let Err(err) = store.delete_expired().await {
                    tracing::warn!(error = %err, "could not delete expired sessions");
                }
            }
        })
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite { store, db } => {
                let _turn = turn(db).await?;
                store.create(record).await
            }
            DbSessionStore::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite { store, db } => {
                let _turn = turn(db).await?;
                store.save(record).await
            }
            DbSessionStore::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            DbSessionStore::Sqlite { store, .. } => store.load(session_id).await,
            DbSessionStore::Postgres(store) => store.load(session_id).await,
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite { store, db } => {
                let _turn = turn(db).await?;
                store.delete(session_id).await
            }
            DbSessionStore::Postgres(store) => store.delete(session_id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite { store, db } => {
                let _turn = turn(db).await?;
                store.delete_expired().await
            }
            DbSessionStore::Postgres(store) => store.delete_expired().await,
        }
    }
}

/// The write turn of `db`, failing like the store when it is not had.
async fn turn(db: &DatabaseConnection) -> session_store::Result<app::db::WriteTurn> {
    app::db::write_turn(db).await.map_err(|err| session_store::Error::Backend(err.to_string()))
}

/// The session middleware: cookie [`cookie_name`], HttpOnly (no script can
/// read it), SameSite=Lax (not sent on cross-site POSTs), `Secure` when the
/// shop is served over HTTPS, expiring (cookie and row) after `idle` unused.
/// The absolute limit on a sign-in (30 days) is enforced by
/// `app::auth::ssr`, which keeps the sign-in time in the session.
pub fn layer(store: DbSessionStore, secure: bool, idle: StdDuration) -> SessionManagerLayer<DbSessionStore> {
    let idle = Duration::try_from(idle).unwrap_or(Duration::MAX);
    SessionManagerLayer::new(store)
        .with_name(cookie_name(secure))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_host_prefixed_only_over_https() {
        assert_eq!(cookie_name(true), "__Host-bazaar_session");
        assert_eq!(cookie_name(false), "bazaar_session");
    }
}
