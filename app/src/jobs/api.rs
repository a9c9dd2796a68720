//! The server functions of `/admin/jobs` (`/api/admin/jobs/…`). Each
//! checks that an admin is calling before anything else: customers and
//! sellers get 403, anonymous callers 401.

use super::model::{JobAction, JobsSnapshot};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{auth::ssr::require_role, auth::Role, error::ssr::with_status, jobs::ssr::admin, state::app_state};

/// Job counts per status, the failed and dead jobs, and the latest
/// webhook deliveries.
#[server(endpoint = "admin/jobs/overview")]
pub async fn jobs_overview() -> Result<JobsSnapshot, AppError> {
    require_role(Role::Admin).await?;
    admin::overview(&app_state()?.db).await.map_err(with_status)
}

/// Queues failed or dead job `id` again (409 for any other job), and
/// wakes its queue's workers.
#[server(endpoint = "admin/jobs/retry")]
pub async fn retry_job(id: i32) -> Result<JobAction, AppError> {
    let staff = require_role(Role::Admin).await?;
    let state = app_state()?;
    let wake_up = admin::retry(&state.db, &staff, id).await.map_err(with_status)?;
    wake_up.publish(state.events.as_ref());
    Ok(JobAction::Retried(id))
}

/// Deletes failed or dead job `id` (409 for any other job).
#[server(endpoint = "admin/jobs/discard")]
pub async fn discard_job(id: i32) -> Result<JobAction, AppError> {
    let staff = require_role(Role::Admin).await?;
    admin::discard(&app_state()?.db, &staff, id).await.map_err(with_status)?;
    Ok(JobAction::Discarded(id))
}
