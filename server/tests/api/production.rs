//! A production configuration: no demo data and no demo accounts with
//! well-known passwords; the first admin comes from `server create-admin`.

use crate::helpers::{for_both_backends, test_config, Backend, TestApp};
use app::account::ssr::auth::MadeAdmin;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use server::config::{Environment, SeedMode};
use server::{Application, StartupError};

async fn production(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        config.environment = Environment::Production;
        config.seed = SeedMode::None;
    })
    .await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = app
        .db
        .query_one(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect("count")
        .expect("a row");
    row.try_get("", "n").expect("n")
}

/// Signs in as `email` with `password`; returns the user.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    let client = app.session_client();
    let (status, user) =
        app.post_json_as(&client, "/api/auth/sign-in", json!({ "email": email, "password": password })).await;
    assert_eq!(status, 200, "sign in as {email}: {user}");
    user
}

async fn production_seeds_no_accounts_and_no_demo_data(backend: Backend) {
    let app = production(backend).await;
    assert_eq!(count(&app, "users").await, 0);
    assert_eq!(count(&app, "categories").await, 0);
    assert_eq!(count(&app, "products").await, 0);
    let (status, _) = app
        .post_json("/api/auth/sign-in", json!({ "email": "admin@bazaar.test", "password": "bazaar-demo-overseer" }))
        .await;
    assert_eq!(status, 422, "the demo admin does not exist");
}

/// Checked before the database is opened, so one backend is enough.
#[tokio::test]
async fn production_refuses_to_start_with_demo_seeding() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = test_config(&format!("sqlite://{}/bazaar.db?mode=rwc", dir.path().display()), dir.path());
    config.environment = Environment::Production;
    config.seed = SeedMode::Demo;
    let started = Application::build(config).await;
    assert!(matches!(started, Err(StartupError::DemoSeedInProduction)), "production with BAZAAR_SEED=demo must not start");
}

async fn create_admin_makes_an_admin_who_can_sign_in(backend: Backend) {
    let app = production(backend).await;
    let report = server::cli::create_admin(&app.db, "Root@Example.com", None).await.expect("create-admin");
    assert_eq!(report.outcome, MadeAdmin::Created);
    let password = report.generated_password.expect("a generated password, printed once");
    let admin = sign_in(&app, "root@example.com", password.expose_secret()).await;
    assert_eq!(admin["role"], "admin");

    let piped = "a password from stdin";
    let report =
        server::cli::create_admin(&app.db, "ops@example.com", Some(piped.into())).await.expect("create-admin");
    assert_eq!(report.outcome, MadeAdmin::Created);
    assert!(report.generated_password.is_none(), "a given password is never printed");
    assert_eq!(sign_in(&app, "ops@example.com", piped).await["role"], "admin");

    let again = server::cli::create_admin(&app.db, "root@example.com", None).await.expect("create-admin again");
    assert_eq!(again.outcome, MadeAdmin::AlreadyAdmin);
    assert!(again.generated_password.is_none());
    sign_in(&app, "root@example.com", password.expose_secret()).await;
}

async fn create_admin_promotes_an_existing_account(backend: Backend) {
    let app = production(backend).await;
    let (status, user) = app
        .post_json(
            "/api/auth/register",
            json!({ "email": "kim@example.com", "password": "correct horse battery", "name": "Kim Park" }),
        )
        .await;
    assert_eq!((status, user["role"].clone()), (200, json!("customer")));
    let report = server::cli::create_admin(&app.db, "kim@example.com", None).await.expect("create-admin");
    assert_eq!(report.outcome, MadeAdmin::Promoted);
    assert!(report.generated_password.is_none(), "a promoted account keeps its password");
    assert_eq!(sign_in(&app, "kim@example.com", "correct horse battery").await["role"], "admin");
}

async fn create_admin_refuses_a_weak_password(backend: Backend) {
    let app = production(backend).await;
    let refused = server::cli::create_admin(&app.db, "root@example.com", Some("short".into())).await;
    assert!(matches!(refused, Err(server::cli::CliError::Refused(_))), "{refused:?}");
    assert_eq!(count(&app, "users").await, 0);
}

for_both_backends!(
    production_seeds_no_accounts_and_no_demo_data,
    create_admin_makes_an_admin_who_can_sign_in,
    create_admin_promotes_an_existing_account,
    create_admin_refuses_a_weak_password,
);

