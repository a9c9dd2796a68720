//! Opening the database and bringing its schema up to date.

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlxSqliteConnector};
use std::str::FromStr;
use std::time::Duration;

/// Connections kept open to PostgreSQL per instance.
const POSTGRES_POOL_SIZE: u32 = 20;
/// SQLite allows one writer at a time; readers run in parallel under WAL.
const SQLITE_POOL_SIZE: u32 = 8;

/// Opens `url` and runs every pending migration.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = if url.starts_with("sqlite:") { connect_sqlite(url).await? } else { connect_postgres(url).await? };
    Migrator::up(&db, None).await?;
    Ok(db)
}

async fn connect_sqlite(url: &str) -> Result<DatabaseConnection, DbErr> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| DbErr::Custom(format!("bad SQLite URL: {e}")))?
        // WAL lets readers proceed while a checkout writes.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(SQLITE_POOL_SIZE)
        .connect_with(options)
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

async fn connect_postgres(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(POSTGRES_POOL_SIZE)
        .connect_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    Database::connect(options).await
}
