//! Transactions that write.

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait};

/// Begins a transaction that will write.
///
/// SQLite starts every transaction as a reader, and a reader that later
/// tries to write after another connection committed fails at once with
/// "database is locked" (the busy timeout cannot help it). A statement
/// that writes nothing but needs the write lock makes this transaction
/// queue for the lock up front instead, like `BEGIN IMMEDIATE`. On
/// PostgreSQL row locks do this job and nothing extra is needed.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        txn.execute_unprepared("UPDATE seaql_migrations SET version = version WHERE 0 = 1").await?;
    }
    Ok(txn)
}
