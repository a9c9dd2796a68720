//! Sessions: a password change ends the user's other sessions, "sign out
//! everywhere" ends them all, the cookie is `__Host-` prefixed and `Secure`
//! over HTTPS, and an unused session lasts two days by default.

use crate::helpers::{for_both_backends, on_both_backends, Backend, TestApp};
use reqwest::header::{ACCEPT, ORIGIN, SET_COOKIE};
use reqwest::Client;
use serde_json::{json, Value};

const EMAIL: &str = "sam@example.com";
const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "staple gun lighthouse";

async fn me(app: &TestApp, client: &Client) -> Value {
    let (status, body) = app.post_json_as(client, "/api/auth/me", json!({})).await;
    assert_eq!(status, 200, "me: {body}");
    body
}

/// Two browsers signed in to the same new account.
async fn signed_in_twice(app: &TestApp) -> (Client, Client) {
    let (here, elsewhere) = (app.session_client(), app.session_client());
    let (status, body) = app
        .post_json_as(&here, "/api/auth/register", json!({ "email": EMAIL, "password": PASSWORD, "name": "Sam Roe" }))
        .await;
    assert_eq!(status, 200, "register: {body}");
    let (status, body) =
        app.post_json_as(&elsewhere, "/api/auth/sign-in", json!({ "email": EMAIL, "password": PASSWORD })).await;
    assert_eq!(status, 200, "sign in elsewhere: {body}");
    assert_eq!(me(app, &elsewhere).await["email"], EMAIL);
    (here, elsewhere)
}

async fn a_password_change_ends_every_other_session(app: TestApp) {
    let (here, elsewhere) = signed_in_twice(&app).await;
    let (status, body) = app
        .post_json_as(&here, "/api/account/password", json!({ "current": PASSWORD, "new": NEW_PASSWORD }))
        .await;
    assert_eq!(status, 200, "change password: {body}");
    assert_eq!(me(&app, &here).await["email"], EMAIL, "the session that changed it stays signed in");
    assert_eq!(me(&app, &elsewhere).await, Value::Null, "the other session is signed out");
    let (status, _) =
        app.post_json_as(&elsewhere, "/api/auth/sign-in", json!({ "email": EMAIL, "password": NEW_PASSWORD })).await;
    assert_eq!(status, 200, "the new password signs in again");
    assert_eq!(me(&app, &elsewhere).await["email"], EMAIL);
    assert_eq!(me(&app, &here).await["email"], EMAIL, "signing in again does not end the others");
}

async fn sign_out_everywhere_ends_every_session(app: TestApp) {
    let (here, elsewhere) = signed_in_twice(&app).await;
    let (status, body) = app.post_json_as(&here, "/api/account/sign-out-everywhere", json!({})).await;
    assert_eq!(status, 200, "sign out everywhere: {body}");
    assert_eq!(me(&app, &here).await, Value::Null, "this session is signed out");
    assert_eq!(me(&app, &elsewhere).await, Value::Null, "the other session is signed out");
    let (status, _) = app.post_json_as(&here, "/api/account/sign-out-everywhere", json!({})).await;
    assert_eq!(status, 401, "a guest has nothing to sign out of");
    let (status, _) =
        app.post_json_as(&here, "/api/auth/sign-in", json!({ "email": EMAIL, "password": PASSWORD })).await;
    assert_eq!(status, 200, "the password still works");
    assert_eq!(me(&app, &here).await["email"], EMAIL);
}

/// Without JavaScript the button posts a plain form: the browser is sent
/// home, and every session is over.
async fn sign_out_everywhere_works_without_javascript(app: TestApp) {
    let (here, elsewhere) = signed_in_twice(&app).await;
    let response = here
        .post(format!("{}/api/account/sign-out-everywhere", app.base))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .header(ORIGIN, app.base.clone())
        .form(&[] as &[(&str, &str)])
        .send()
        .await
        .expect("form POST");
    // The cookie-keeping client follows the redirect to the home page.
    assert_eq!(response.status(), 200);
    assert_eq!(response.url().path(), "/");
    assert_eq!(me(&app, &here).await, Value::Null);
    assert_eq!(me(&app, &elsewhere).await, Value::Null);
}

/// The session cookie set by a sign-in.
async fn session_cookie(app: &TestApp) -> String {
    let response = app
        .client
        .post(format!("{}/api/auth/sign-in", app.base))
        .json(&json!({ "email": "customer@bazaar.test", "password": "bazaar-demo-shopper" }))
        .send()
        .await
        .expect("POST sign-in");
    assert_eq!(response.status(), 200);
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("bazaar_session="))
        .map(str::to_string)
        .expect("a session cookie")
}

fn attributes(cookie: &str) -> Vec<String> {
    cookie.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect()
}

async fn the_cookie_is_plain_over_http_and_lasts_two_idle_days(app: TestApp) {
    let cookie = session_cookie(&app).await;
    assert!(cookie.starts_with("bazaar_session="), "{cookie}");
    let attributes = attributes(&cookie);
    assert!(!attributes.contains(&"secure".to_string()), "{cookie}");
    assert!(attributes.contains(&"httponly".to_string()), "{cookie}");
    assert!(attributes.contains(&format!("max-age={}", 2 * 24 * 60 * 60)), "idle expiry of 2 days: {cookie}");
}

on_both_backends!(
    a_password_change_ends_every_other_session,
    sign_out_everywhere_ends_every_session,
    sign_out_everywhere_works_without_javascript,
    the_cookie_is_plain_over_http_and_lasts_two_idle_days,
);

/// Served over HTTPS, the cookie is `__Host-bazaar_session`, `Secure`, on
/// `/` and without a `Domain`; the idle expiry follows the configuration.
async fn the_cookie_is_host_prefixed_and_secure_over_https(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.secure_cookies = true;
        config.session_idle = std::time::Duration::from_secs(24 * 60 * 60);
    })
    .await;
    let cookie = session_cookie(&app).await;
    assert!(cookie.starts_with("__Host-bazaar_session="), "{cookie}");
    let attributes = attributes(&cookie);
    assert!(attributes.contains(&"secure".to_string()), "{cookie}");
    assert!(attributes.contains(&"path=/".to_string()), "{cookie}");
    assert!(!attributes.iter().any(|a| a.starts_with("domain")), "{cookie}");
    assert!(attributes.contains(&format!("max-age={}", 24 * 60 * 60)), "idle expiry of 1 day: {cookie}");
}

for_both_backends!(the_cookie_is_host_prefixed_and_secure_over_https);
