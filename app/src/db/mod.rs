//! Transactions that write, and running them again after a transient
//! failure ([`retry`]).

pub mod retry;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    TransactionTrait,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// How long a writer waits for its turn on SQLite before giving up, as
/// long as the connection's own busy timeout.
const TURN_TIMEOUT: Duration = Duration::from_secs(5);

/// One queue of writers per SQLite database file in this process.
static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<AsyncMutex<()>>>>> = LazyLock::new(Default::default);

/// A transaction that writes, holding its database's write turn on SQLite
/// until it commits, rolls back or is dropped.
pub struct WriteTxn {
    // Dropped before `_turn`, so an abandoned transaction is rolled back
    // before the next writer is let in.
    txn: DatabaseTransaction,
    _turn: WriteTurn,
}

/// A database's write turn on SQLite (nothing on PostgreSQL), held until
/// dropped.
pub struct WriteTurn(Option<OwnedMutexGuard<()>>);

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all(stmt).await
    }
}

/// Begins a transaction that will write.
///
/// SQLite lets one connection write at a time. Connections that find the
/// lock taken sleep in SQLite's busy handler (1, 2, 5, 10 … 100 ms) and
/// leave the lock idle while they sleep: with a few writers at once most
/// of the time goes to sleeping. So on SQLite writers first queue for
/// their turn here, in arrival order, and only the one whose turn it is
/// asks SQLite for the lock; the busy paths' writes outside a transaction
/// queue the same way through [`write_turn`]. A reader that later tries to write after
/// another connection committed would also fail at once with "database
/// is locked"; a statement that writes nothing but needs the write lock
/// takes it up front instead, like `BEGIN IMMEDIATE`. On PostgreSQL row
/// locks do this job and nothing extra is needed.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    begin(db, true).await
}

/// [`begin_write`] for a transaction whose first statement writes: on
/// SQLite that statement takes the write lock itself, before anything is
/// read, so no statement is spent taking it up front.
pub async fn begin_write_first(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    begin(db, false).await
}

async fn begin(db: &DatabaseConnection, lock_up_front: bool) -> Result<WriteTxn, DbErr> {
    let turn = write_turn(db).await?;
    let txn = db.begin().await?;
    if lock_up_front && turn.0.is_some() {
        txn.execute_unprepared("UPDATE seaql_migrations SET version = version WHERE 0 = 1").await?;
    }
    Ok(WriteTxn { txn, _turn: turn })
}

/// Waits for `db`'s write turn, for a write outside a transaction (a
/// single statement that writes): on SQLite it queues with the
/// transactions of [`begin_write`], so it neither sleeps in SQLite's busy
/// handler while they write nor makes the one whose turn it is sleep
/// there. Hold it while the statement runs. Nothing to wait for on
/// PostgreSQL.
pub async fn write_turn(db: &DatabaseConnection) -> Result<WriteTurn, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(WriteTurn(None));
    }
    let turn = tokio::time::timeout(TURN_TIMEOUT, turns_of(db).lock_owned())
        .await
        .map_err(|_| DbErr::Custom("the database is busy: no turn to write within 5 s".into()))?;
    Ok(WriteTurn(Some(turn)))
}

/// Whether `err` is a unique index refusing a row (sea-orm's typed
/// classification, never the message text).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// The writers' queue of `db`'s file.
fn turns_of(db: &DatabaseConnection) -> Arc<AsyncMutex<()>> {
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let mut turns = TURNS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    Arc::clone(turns.entry(file).or_default())
}
