//! Pruning old events hourly, so the events table holds only what a
//! reconnecting client could still ask for.

use sea_orm::DatabaseConnection;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes events older than `retention` now and every hour after.
pub fn spawn(db: DatabaseConnection, retention: chrono::Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            match app::live::ssr::prune::prune(&db, chrono::Utc::now() - retention).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "pruned old live events"),
                Err(err) => tracing::warn!(error = %err, "could not prune old live events"),
            }
        }
    });
}
