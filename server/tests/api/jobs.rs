//! `/api/admin/jobs/…` over HTTP: who may use it, Retry and Discard with
//! their audit rows, and jobs that are not failed or dead left alone.
//!
//! The jobs here sit on a queue no worker serves, so nothing but the test
//! changes them.

use crate::admin::admin;
use crate::checkout::{customer, scalar};
use crate::helpers::{on_both_backends, TestApp};
use app::entity::job::{self, JobStatus};
use chrono::{Duration, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait};
use serde_json::{json, Value};

/// A queue without workers.
const IDLE_QUEUE: &str = "inspection";

/// Inserts a job in `status` straight into the table; returns its id.
async fn insert_job(app: &TestApp, status: JobStatus) -> i32 {
    let now = Utc::now();
    let row = job::ActiveModel {
        id: NotSet,
        queue: Set(IDLE_QUEUE.to_string()),
        kind: Set("shopify.order".to_string()),
        payload: Set(json!({ "webhook_id": "test-1" }).to_string()),
        status: Set(status),
        attempts: Set(3),
        max_attempts: Set(3),
        run_at: Set(now - Duration::minutes(5)),
        lease_until: Set(Some(now - Duration::minutes(1))),
        worker: Set(Some("worker-gone".to_string())),
        last_error: Set(Some("currency XTS is not supported".to_string())),
        dedupe_key: Set(None),
        created_at: Set(now - Duration::minutes(10)),
        updated_at: Set(now - Duration::minutes(1)),
        finished_at: Set(Some(now - Duration::minutes(1))),
    }
    .insert(&app.db)
    .await
    .expect("insert job");
    row.id
}

async fn job_row(app: &TestApp, id: i32) -> Option<job::Model> {
    job::Entity::find_by_id(id).one(&app.db).await.expect("read job")
}

async fn audits(app: &TestApp, action: &str, id: i32) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND subject = 'job:{id}'")).await
}

async fn overview(app: &TestApp, client: &reqwest::Client) -> (u16, Value) {
    app.post_json_as(client, "/api/admin/jobs/overview", json!({})).await
}

async fn only_admins_reach_the_jobs(app: TestApp) {
    let id = insert_job(&app, JobStatus::Dead).await;
    let shopper = customer(&app, "jobs-shopper@example.com").await;
    let guest = app.session_client();
    for (path, body) in [
        ("/api/admin/jobs/overview", json!({})),
        ("/api/admin/jobs/retry", json!({ "id": id })),
        ("/api/admin/jobs/discard", json!({ "id": id })),
    ] {
        assert_eq!(app.post_json_as(&shopper, path, body.clone()).await.0, 403, "{path} as a customer");
        assert_eq!(app.post_json_as(&guest, path, body).await.0, 401, "{path} as a guest");
    }
    let page = shopper.get(format!("{}/admin/jobs", app.base)).send().await.expect("GET /admin/jobs");
    assert_eq!(page.status(), 403);
    assert!(page.text().await.expect("body").contains("Not allowed"));
    assert_eq!(job_row(&app, id).await.map(|j| j.status), Some(JobStatus::Dead), "nothing was changed");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log").await, 0);

    let staff = admin(&app).await;
    let page = staff.get(format!("{}/admin/jobs", app.base)).send().await.expect("GET /admin/jobs");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("Failed and dead jobs"));
}

async fn the_overview_counts_and_lists_failed_and_dead_jobs(app: TestApp) {
    let dead = insert_job(&app, JobStatus::Dead).await;
    let failed = insert_job(&app, JobStatus::Failed).await;
    let pending = insert_job(&app, JobStatus::Pending).await;
    let staff = admin(&app).await;
    let (status, body) = overview(&app, &staff).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["counts"]["dead"].as_u64() >= Some(1), "{body}");
    assert!(body["counts"]["failed"].as_u64() >= Some(1), "{body}");
    assert!(body["counts"]["pending"].as_u64() >= Some(1), "{body}");
    let listed: Vec<i64> = body["attention"].as_array().expect("attention").iter().filter_map(|j| j["id"].as_i64()).collect();
    assert!(listed.contains(&i64::from(dead)) && listed.contains(&i64::from(failed)), "{body}");
    assert!(!listed.contains(&i64::from(pending)), "a pending job needs no attention: {body}");
    let job = body["attention"].as_array().and_then(|jobs| jobs.iter().find(|j| j["id"] == dead)).expect("the dead job");
    assert_eq!(job["status"], "dead");
    assert_eq!(job["attempts"], 3);
    assert_eq!(job["retries"], 0);
    assert_eq!(job["last_error"], "currency XTS is not supported");
    assert!(body["deliveries"].is_array(), "{body}");
}

async fn retry_queues_a_dead_job_again_and_audits_it(app: TestApp) {
    let id = insert_job(&app, JobStatus::Dead).await;
    let staff = admin(&app).await;
    let before = Utc::now();
    let (status, body) = app.post_json_as(&staff, "/api/admin/jobs/retry", json!({ "id": id })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "Retried": id }));

    let row = job_row(&app, id).await.expect("the job is still there");
    assert_eq!(row.status, JobStatus::Pending);
    assert_eq!(row.attempts, 0);
    assert!(row.run_at >= before - Duration::seconds(1), "due now, not at {}", row.run_at);
    assert_eq!(row.lease_until, None);
    assert_eq!(row.worker, None);
    assert_eq!(row.finished_at, None);
    assert_eq!(row.last_error.as_deref(), Some("currency XTS is not supported"), "the last error is kept");
    assert_eq!(audits(&app, "job.retry", id).await, 1);
    let actor = scalar(&app, &format!("SELECT actor_id FROM audit_log WHERE subject = 'job:{id}'")).await;
    let admin_id = scalar(&app, "SELECT id FROM users WHERE email = 'admin@bazaar.test'").await;
    assert_eq!(actor, admin_id, "the admin is the actor");

    // A pending job is not retried again: 409, and no second audit row.
    let (status, body) = app.post_json_as(&staff, "/api/admin/jobs/retry", json!({ "id": id })).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("only failed or dead jobs"), "{body}");
    assert_eq!(audits(&app, "job.retry", id).await, 1);
    // Nor discarded.
    assert_eq!(app.post_json_as(&staff, "/api/admin/jobs/discard", json!({ "id": id })).await.0, 409);
    assert!(job_row(&app, id).await.is_some());

    // Dead again (as its worker would leave it): listed as retried once.
    app.db
        .execute_unprepared(&format!("UPDATE jobs SET status = 'dead', attempts = 1 WHERE id = {id}"))
        .await
        .expect("the job dies again");
    let (status, body) = overview(&app, &staff).await;
    assert_eq!(status, 200, "{body}");
    let job = body["attention"].as_array().and_then(|jobs| jobs.iter().find(|j| j["id"] == id)).cloned().expect("listed again");
    assert_eq!(job["retries"], 1, "{job}");
}

async fn discard_removes_a_failed_job_and_audits_it(app: TestApp) {
    let id = insert_job(&app, JobStatus::Failed).await;
    let staff = admin(&app).await;
    let (status, body) = app.post_json_as(&staff, "/api/admin/jobs/discard", json!({ "id": id })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "Discarded": id }));
    assert!(job_row(&app, id).await.is_none(), "the job is gone");
    assert_eq!(audits(&app, "job.discard", id).await, 1);
    let detail = app.db.query_one(sea_orm::Statement::from_string(
        app.db.get_database_backend(),
        format!("SELECT detail FROM audit_log WHERE subject = 'job:{id}'"),
    ));
    let detail: String = detail.await.expect("query").expect("a row").try_get_by_index(0).expect("detail");
    assert!(detail.contains("shopify.order") && detail.contains("XTS"), "{detail}");

    // Gone: 404 for both actions.
    assert_eq!(app.post_json_as(&staff, "/api/admin/jobs/discard", json!({ "id": id })).await.0, 404);
    assert_eq!(app.post_json_as(&staff, "/api/admin/jobs/retry", json!({ "id": id })).await.0, 404);
}

on_both_backends!(
    only_admins_reach_the_jobs,
    the_overview_counts_and_lists_failed_and_dead_jobs,
    retry_queues_a_dead_job_again_and_audits_it,
    discard_removes_a_failed_job_and_audits_it,
);
