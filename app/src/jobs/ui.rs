//! `/admin/jobs`: counts of pending, running, failed and dead jobs, the
//! failed and dead ones with Retry and Discard, and the latest Shopify
//! webhook deliveries.
//!
//! Every server function behind it refuses anyone but an admin; the page
//! itself only chooses what to show: a sign-in prompt for guests and
//! "Not allowed" (HTTP 403) for other users. Retry and Discard are plain
//! forms (`ActionForm`), so they work before the WASM has loaded.

use super::api::{jobs_overview, DiscardJob, RetryJob};
use super::model::{retried, DeliveryRow, JobAction, JobCounts, JobRow, JobsSnapshot};
use crate::auth::{use_auth, CurrentUser, Role};
use crate::error::AppError;
use crate::ui::forbidden::Forbidden;
use leptos::prelude::*;
use leptos_meta::Title;

type User = Resource<Result<Option<CurrentUser>, AppError>>;

/// The overview, read only for an admin so other visitors cause no
/// refused requests.
async fn load(user: User) -> Result<JobsSnapshot, AppError> {
    match user.await? {
        Some(user) if user.holds(Role::Admin) => jobs_overview().await,
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::Unauthorized),
    }
}

/// "2026-12-02 15:34:19 UTC" from an RFC 3339 UTC timestamp.
fn readable_time(rfc3339: &str) -> String {
    format!("{} UTC", rfc3339.replacen('T', " ", 1).trim_end_matches('Z'))
}

fn or_dash(text: Option<&str>) -> String {
    text.filter(|t| !t.is_empty()).unwrap_or("—").to_string()
}

/// The outcome of the latest Retry or Discard: a confirmation, or why it
/// was refused.
type Outcome = RwSignal<Option<Result<String, String>>>;

/// `/admin/jobs`, for admins only.
#[component]
pub fn JobsPage() -> impl IntoView {
    let auth = use_auth();
    let retry = ServerAction::<RetryJob>::new();
    let discard = ServerAction::<DiscardJob>::new();
    // Created outside the suspense so the server render and hydration agree;
    // read again after every Retry or Discard.
    let overview = Resource::new(move || (retry.version().get(), discard.version().get()), move |_| load(auth.user));
    let outcome: Outcome = RwSignal::new(None);
    let describe = |result: Result<JobAction, AppError>| result.map(JobAction::message).map_err(|err| err.to_string());
    Effect::new(move |_| {
        if let Some(result) = retry.value().get() {
            outcome.set(Some(describe(result)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = discard.value().get() {
            outcome.set(Some(describe(result)));
        }
    });
    view! {
        <Title text="Jobs" />
        <Suspense fallback=|| view! { <p>"Loading the jobs…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) if user.holds(Role::Admin) => {
                        view! { <JobsView overview outcome retry discard /> }.into_any()
                    }
                    Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <h1>"Jobs"</h1>
                            <p>
                                "Please " <a href="/sign-in?next=/admin/jobs">"sign in"</a> " with a staff account to see the jobs."
                            </p>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobsView(
    overview: Resource<Result<JobsSnapshot, AppError>>,
    outcome: Outcome,
    retry: ServerAction<RetryJob>,
    discard: ServerAction<DiscardJob>,
) -> impl IntoView {
    let confirmation = move || outcome.get().and_then(Result::ok);
    let refusal = move || outcome.get().and_then(Result::err);
    view! {
        <div class="desk jobs">
            <header class="desk-header">
                <h1>"Jobs"</h1>
                <nav aria-label="Admin">
                    <a href="/admin">"Orders"</a>
                </nav>
                <button type="button" on:click=move |_| overview.refetch()>
                    "Refresh"
                </button>
            </header>
            <p role="status" class="job-outcome">{confirmation}</p>
            {move || refusal().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
            <Transition fallback=|| view! { <p>"Loading the jobs…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => {
                            view! {
                                <Counts counts=overview.counts />
                                <AttentionTable jobs=overview.attention retry discard />
                                <DeliveryTable deliveries=overview.deliveries />
                            }
                                .into_any()
                        }
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Counts(counts: JobCounts) -> impl IntoView {
    let cards = [
        ("jobs-pending", "Pending", counts.pending),
        ("jobs-running", "Running", counts.running),
        ("jobs-failed", "Failed", counts.failed),
        ("jobs-dead", "Dead", counts.dead),
    ];
    view! {
        <section class="kpis" aria-label="Job counts">
            <div class="kpi-cards">
                {cards
                    .into_iter()
                    .map(|(id, title, value)| {
                        view! {
                            <article class="kpi" aria-labelledby=id>
                                <h3 id=id>{title}</h3>
                                <p class="kpi-value">{value}</p>
                            </article>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

#[component]
fn AttentionTable(jobs: Vec<JobRow>, retry: ServerAction<RetryJob>, discard: ServerAction<DiscardJob>) -> impl IntoView {
    let empty = jobs.is_empty();
    let rows = jobs
        .into_iter()
        .map(|job| {
            let id = job.id;
            view! {
                <tr>
                    <th scope="row">{format!("#{id}")}</th>
                    <td>
                        <span>{job.kind}</span>
                        <small>{format!(" on {}", job.queue)}</small>
                        {job.webhook_id.map(|webhook| view! { <small>{format!(" · webhook {webhook}")}</small> })}
                    </td>
                    <td>{job.status.label()}</td>
                    <td class="num">
                        {format!("{} of {}", job.attempts, job.max_attempts)}
                        {retried(job.retries).map(|text| view! { <small>{format!(" · {text}")}</small> })}
                    </td>
                    <td class="job-error">{or_dash(job.last_error.as_deref())}</td>
                    <td>
                        <details>
                            <summary>"Show"</summary>
                            <pre class="job-payload">{job.payload}</pre>
                        </details>
                    </td>
                    <td class="row-actions">
                        <ActionForm action=retry>
                            <input type="hidden" name="id" value=id.to_string() />
                            <button type="submit" aria-label=format!("Retry job #{id}")>
                                "Retry"
                            </button>
                        </ActionForm>
                        <ActionForm action=discard>
                            <input type="hidden" name="id" value=id.to_string() />
                            <button type="submit" class="danger" aria-label=format!("Discard job #{id}")>
                                "Discard"
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="attention-heading">
            <h2 id="attention-heading">"Failed and dead jobs"</h2>
            <table class="jobs-table" aria-labelledby="attention-heading">
                <thead>
                    <tr>
                        <th scope="col">"Job"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Attempts"</th>
                        <th scope="col">"Error"</th>
                        <th scope="col">"Payload"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    {empty.then(|| view! { <tr><td colspan="7">"No failed or dead jobs."</td></tr> })}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn DeliveryTable(deliveries: Vec<DeliveryRow>) -> impl IntoView {
    let empty = deliveries.is_empty();
    let rows = deliveries
        .into_iter()
        .map(|delivery| {
            view! {
                <tr>
                    <th scope="row">{delivery.webhook_id}</th>
                    <td>{delivery.topic}</td>
                    <td>
                        <time datetime=delivery.received_at.clone()>{readable_time(&delivery.received_at)}</time>
                    </td>
                    <td>{delivery.result.label()}</td>
                    <td>{or_dash(delivery.error.as_deref())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">"Webhook deliveries"</h2>
            <table class="jobs-table" aria-labelledby="deliveries-heading">
                <thead>
                    <tr>
                        <th scope="col">"Webhook id"</th>
                        <th scope="col">"Topic"</th>
                        <th scope="col">"Received"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Error"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    {empty.then(|| view! { <tr><td colspan="5">"No deliveries yet."</td></tr> })}
                </tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(readable_time("2026-12-02T15:34:19Z"), "2026-12-02 15:34:19 UTC");
    }

    #[test]
    fn missing_text_shows_a_dash() {
        assert_eq!(or_dash(None), "—");
        assert_eq!(or_dash(Some("")), "—");
        assert_eq!(or_dash(Some("boom")), "boom");
    }
}
