//! Which database failures are worth running a transaction again for, and
//! [`retrying`], the one loop that runs a transaction again after one.
//!
//! Stock is taken in variant-id order, so checkouts no longer deadlock each
//! other; but a deadlock with some other writer, a serialization failure or
//! a SQLite lock that outlasted its busy timeout can still end a
//! transaction through no fault of the request. Those are retried a few
//! times rather than answered with a 500. They are recognised by their
//! codes, never by their messages.

use sea_orm::{DbErr, RuntimeErr};
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// Runs of a transaction before a transient failure is reported.
const MAX_ATTEMPTS: u32 = 5;

/// The pause before the second run, growing with each run after it: long
/// enough for the writer it collided with to finish.
const PAUSE: Duration = Duration::from_millis(10);

/// PostgreSQL SQLSTATEs: `serialization_failure` and `deadlock_detected`.
const POSTGRES_TRANSIENT: [&str; 2] = ["40001", "40P01"];

/// SQLite primary result codes `SQLITE_BUSY` and `SQLITE_LOCKED`; sqlx
/// reports the extended code, whose low byte is the primary one.
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;

/// Whether `err` is a deadlock, a serialization failure or a busy/locked
/// database: the same transaction may well succeed if run again.
pub fn is_transient(err: &DbErr) -> bool {
    let (DbErr::Conn(RuntimeErr::SqlxError(sqlx_err))
    | DbErr::Exec(RuntimeErr::SqlxError(sqlx_err))
    | DbErr::Query(RuntimeErr::SqlxError(sqlx_err))) = err
    else {
        return false;
    };
    let Some(db_err) = sqlx_err.as_database_error() else {
        return false;
    };
    let Some(code) = db_err.code() else {
        return false;
    };
    if db_err.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>().is_some() {
        return POSTGRES_TRANSIENT.contains(&code.as_ref());
    }
    if db_err.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some() {
        return code.parse::<i64>().is_ok_and(|extended| matches!(extended & 0xff, SQLITE_BUSY | SQLITE_LOCKED));
    }
    false
}

/// A transaction's failure that says whether running it again may succeed.
pub trait Transient: Display {
    fn is_transient(&self) -> bool;
}

impl Transient for DbErr {
    fn is_transient(&self) -> bool {
        is_transient(self)
    }
}

/// Runs `once` (a whole transaction: begin, work, commit) until it ends
/// without a transient failure, [`MAX_ATTEMPTS`] times at most. `what`
/// names it in the log.
pub async fn retrying<T, E, Fut>(what: &str, mut once: impl FnMut() -> Fut) -> Result<T, E>
where
    E: Transient,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 1;
    loop {
        match once().await {
            Err(err) if err.is_transient() && attempt < MAX_ATTEMPTS => {
                tracing::warn!(attempt, error = %err, "{what} hit a transient failure; running it again");
                tokio::time::sleep(PAUSE * attempt).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}
