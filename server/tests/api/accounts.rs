//! Accounts over HTTP: registration, sign-in and sign-out, the session
//! cookie and its rotation, passwords, addresses, the pages' forms without
//! JavaScript, the cross-site check and the demo accounts.

use crate::helpers::{on_both_backends, TestApp};
use reqwest::header::{ACCEPT, COOKIE, LOCATION, ORIGIN, REFERER, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";
const COOKIE_NAME: &str = "bazaar_session";

/// Registers `email` as `client` (which is then signed in); returns the user.
async fn register(app: &TestApp, client: &Client, email: &str) -> Value {
    let (status, body) = app
        .post_json_as(client, "/api/auth/register", json!({ "email": email, "password": PASSWORD, "name": "Ann Lee" }))
        .await;
    assert_eq!(status, 200, "register {email}: {body}");
    body
}

async fn sign_in(app: &TestApp, client: &Client, email: &str, password: &str) -> (u16, Value) {
    app.post_json_as(client, "/api/auth/sign-in", json!({ "email": email, "password": password })).await
}

/// Who `client` is signed in as (`null` for nobody).
async fn me(app: &TestApp, client: &Client) -> Value {
    let (status, body) = app.post_json_as(client, "/api/auth/me", json!({})).await;
    assert_eq!(status, 200, "me: {body}");
    body
}

/// The field of a `Validation` error body.
fn invalid_field(body: &Value) -> &str {
    body["Validation"]["field"].as_str().unwrap_or_else(|| panic!("not a validation error: {body}"))
}

/// The session cookie a response sets, whole (`bazaar_session=…; HttpOnly; …`).
fn set_session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{COOKIE_NAME}=")))
        .map(str::to_string)
}

/// The value of a `Set-Cookie` header.
fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=').map(|(_, value)| value.to_string()).unwrap_or_default()
}

/// A client that neither keeps cookies nor follows redirects: a browser
/// under the test's full control.
fn raw_client() -> Client {
    Client::builder().redirect(Policy::none()).build().expect("client")
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> Value {
    let response = raw_client()
        .post(format!("{}/api/auth/me", app.base))
        .header(COOKIE, format!("{COOKIE_NAME}={cookie}"))
        .json(&json!({}))
        .send()
        .await
        .expect("POST me");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

/// Posts `form` as a browser without JavaScript does (form-encoded, asking
/// for HTML, from the shop's own page), as the session `cookie` if any.
async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
    let mut request = raw_client()
        .post(format!("{}{path}", app.base))
        .form(form)
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .header(ORIGIN, app.base.clone());
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, format!("{COOKIE_NAME}={cookie}"));
    }
    request.send().await.expect("form POST")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let backend = app.db.get_database_backend();
    let row = app.db.query_one(Statement::from_string(backend, sql.to_string())).await.expect("query").expect("row");
    row.try_get_by_index::<i64>(0).expect("count")
}

async fn register_signs_in_and_stores_a_lowercased_email(app: TestApp) {
    let client = app.session_client();
    assert_eq!(me(&app, &client).await, Value::Null);

    let user = register(&app, &client, "  Ann.Lee@Example.COM ").await;
    assert_eq!(user["email"], "ann.lee@example.com");
    assert_eq!(user["name"], "Ann Lee");
    assert_eq!(user["role"], "customer");
    assert_eq!(me(&app, &client).await, user);

    let stored = count(&app, "SELECT COUNT(*) FROM users WHERE email = 'ann.lee@example.com'").await;
    assert_eq!(stored, 1);
    let hashes = count(&app, "SELECT COUNT(*) FROM users WHERE password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'").await;
    assert!(hashes >= 1, "passwords are hashed with argon2id at OWASP parameters");
}

async fn taken_email_is_refused_whatever_its_case(app: TestApp) {
    register(&app, &app.session_client(), "ann@example.com").await;
    let (status, body) = app
        .post_json_as(
            &app.session_client(),
            "/api/auth/register",
            json!({ "email": "ANN@Example.com", "password": "another good one", "name": "Ann Again" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(invalid_field(&body), "email");
    assert!(body["Validation"]["message"].as_str().unwrap_or_default().contains("already exists"));
}

async fn weak_passwords_and_bad_emails_are_refused_by_field(app: TestApp) {
    let attempt = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.post_json_as(
                &app.session_client(),
                "/api/auth/register",
                json!({ "email": email, "password": password, "name": "Ann" }),
            )
            .await
        }
    };
    for weak in ["short", "password123", "aaaaaaaaaaaa", "ann-is-my-name"] {
        let (status, body) = attempt("ann@example.com", weak).await;
        assert_eq!(status, 422, "{weak}: {body}");
        assert_eq!(invalid_field(&body), "password", "{weak}");
    }
    let (status, body) = attempt("not-an-email", PASSWORD).await;
    assert_eq!(status, 422);
    assert_eq!(invalid_field(&body), "email");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE email LIKE 'ann%'").await, 0);
}

async fn wrong_password_and_unknown_email_answer_alike(app: TestApp) {
    register(&app, &app.session_client(), "ann@example.com").await;
    let client = app.session_client();
    let (wrong_status, wrong_password) = sign_in(&app, &client, "ann@example.com", "not my password").await;
    let (unknown_status, unknown_email) = sign_in(&app, &client, "nobody@example.com", "not my password").await;
    assert_eq!((wrong_status, unknown_status), (422, 422));
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(wrong_password["Validation"]["message"], "Email or password is incorrect.");
    assert_eq!(me(&app, &client).await, Value::Null);

    // The email is matched case-insensitively.
    let (status, user) = sign_in(&app, &client, " ANN@example.com", PASSWORD).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(me(&app, &client).await, user);
}

async fn sign_out_ends_the_session(app: TestApp) {
    let client = app.session_client();
    register(&app, &client, "ann@example.com").await;
    let (status, _) = app.post_json_as(&client, "/api/auth/sign-out", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(me(&app, &client).await, Value::Null);
    let (status, body) = app.post_json_as(&client, "/api/account/addresses", json!({})).await;
    assert_eq!((status, body), (401, json!("Unauthorized")));
}

/// Session fixation: an id obtained before signing in (as an attacker
/// might plant it) is replaced at sign-in and no longer works.
async fn the_session_id_changes_at_sign_in(app: TestApp) {
    register(&app, &app.session_client(), "ann@example.com").await;

    // A guest session: a failed sign-in form leaves its message in the session.
    let response =
        post_form(&app, "/api/auth/sign-in", &[("email", "ann@example.com"), ("password", "wrong password")], None).await;
    assert_eq!(response.status(), 302);
    let set_cookie = set_session_cookie(&response).expect("the guest gets a session cookie");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Max-Age="), "an idle expiry is set: {set_cookie}");
    assert!(!set_cookie.contains("Secure"), "not Secure unless configured: {set_cookie}");
    let before = cookie_value(&set_cookie);

    let response = raw_client()
        .post(format!("{}/api/auth/sign-in", app.base))
        .header(COOKIE, format!("{COOKIE_NAME}={before}"))
        .json(&json!({ "email": "ann@example.com", "password": PASSWORD }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 200);
    let after = cookie_value(&set_session_cookie(&response).expect("sign-in sets a new session cookie"));
    assert_ne!(before, after, "the session id must change at sign-in");

    assert_eq!(me_with_cookie(&app, &after).await["email"], "ann@example.com");
    assert_eq!(me_with_cookie(&app, &before).await, Value::Null, "the old id no longer authenticates");
    let old_rows = count(&app, &format!("SELECT COUNT(*) FROM sessions WHERE id = '{before}'")).await;
    assert_eq!(old_rows, 0, "the old session is deleted");

    // Signing out kills the id too.
    let response = raw_client()
        .post(format!("{}/api/auth/sign-out", app.base))
        .header(COOKIE, format!("{COOKIE_NAME}={after}"))
        .json(&json!({}))
        .send()
        .await
        .expect("sign out");
    assert_eq!(response.status(), 200);
    assert_eq!(me_with_cookie(&app, &after).await, Value::Null);
}

async fn cross_site_posts_are_refused(app: TestApp) {
    let attempt = |header: reqwest::header::HeaderName, value: &'static str| {
        app.client
            .post(format!("{}/api/auth/sign-in", app.base))
            .header(header, value)
            .json(&json!({ "email": "ann@example.com", "password": PASSWORD }))
            .send()
    };
    let response = attempt(ORIGIN, "http://evil.example").await.expect("POST");
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap_or_default().contains("Cross-site request refused"));
    assert_eq!(attempt(REFERER, "http://evil.example/page").await.expect("POST").status(), 403);

    // The shop's own origin, and callers that send neither header, pass
    // (and are told the credentials are wrong).
    let own = app
        .client
        .post(format!("{}/api/auth/sign-in", app.base))
        .header(ORIGIN, app.base.clone())
        .json(&json!({ "email": "ann@example.com", "password": PASSWORD }))
        .send()
        .await
        .expect("POST");
    assert_eq!(own.status(), 422);
    assert_eq!(sign_in(&app, &app.client, "ann@example.com", PASSWORD).await.0, 422);
    // Reads are never refused.
    let page = app.client.get(format!("{}/sign-in", app.base)).header(ORIGIN, "http://evil.example").send().await;
    assert_eq!(page.expect("GET").status(), 200);
}

async fn a_password_change_takes_effect(app: TestApp) {
    let client = app.session_client();
    register(&app, &client, "ann@example.com").await;
    let change = |current: &'static str, new: &'static str| {
        app.post_json_as(&client, "/api/account/password", json!({ "current": current, "new": new }))
    };
    let (status, body) = change("wrong password!", "a brand new secret").await;
    assert_eq!(status, 422);
    assert_eq!(invalid_field(&body), "current");
    let (status, body) = change(PASSWORD, "password123").await;
    assert_eq!(status, 422);
    assert_eq!(invalid_field(&body), "new");
    let (status, body) = change(PASSWORD, "a brand new secret").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(me(&app, &client).await["email"], "ann@example.com", "still signed in");

    let other = app.session_client();
    assert_eq!(sign_in(&app, &other, "ann@example.com", PASSWORD).await.0, 422);
    assert_eq!(sign_in(&app, &other, "ann@example.com", "a brand new secret").await.0, 200);

    let (status, _) = app
        .post_json_as(&app.session_client(), "/api/account/password", json!({ "current": PASSWORD, "new": "whatever else" }))
        .await;
    assert_eq!(status, 401, "not signed in");
}

fn address(full_name: &str, is_default: bool) -> Value {
    json!({
        "full_name": full_name,
        "line1": "1 Harbour Road",
        "line2": "",
        "city": "Portsmouth",
        "postal_code": "po1 2ab",
        "country": "gb",
        "phone": "+44 23 9200 0000",
        "is_default": is_default,
    })
}

async fn addresses_belong_to_their_owner(app: TestApp) {
    let ann = app.session_client();
    register(&app, &ann, "ann@example.com").await;
    let save = |client: &Client, address: Value| {
        let client = client.clone();
        let app = &app;
        async move { app.post_json_as(&client, "/api/account/addresses/save", json!({ "address": address })).await }
    };
    let list = |client: &Client| {
        let client = client.clone();
        let app = &app;
        async move {
            let (status, body) = app.post_json_as(&client, "/api/account/addresses", json!({})).await;
            assert_eq!(status, 200, "{body}");
            body.as_array().expect("list").clone()
        }
    };

    let (status, home) = save(&ann, address("Ann Lee", false)).await;
    assert_eq!(status, 200, "{home}");
    assert_eq!(home["is_default"], true, "the first address becomes the default");
    assert_eq!(home["postal_code"], "PO1 2AB");
    assert_eq!(home["country"], "GB");
    assert_eq!(home["line2"], Value::Null);

    let (status, work) = save(&ann, address("Ann at work", true)).await;
    assert_eq!(status, 200, "{work}");
    let listed = list(&ann).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], work["id"], "the default is listed first");
    assert_eq!(listed[1]["is_default"], false, "only one default");

    let mut renamed = address("Ann Lee-Smith", false);
    renamed["id"] = home["id"].clone();
    let (status, updated) = save(&ann, renamed).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!((updated["id"].clone(), updated["full_name"].clone()), (home["id"].clone(), json!("Ann Lee-Smith")));

    let (status, body) = save(&ann, json!({ "full_name": "Ann", "line1": "x", "city": "y", "postal_code": "1", "country": "Britain" })).await;
    assert_eq!(status, 422);
    assert_eq!(invalid_field(&body), "country");

    // Bob can neither see, change nor delete Ann's addresses.
    let bob = app.session_client();
    register(&app, &bob, "bob@example.com").await;
    assert!(list(&bob).await.is_empty());
    let (status, body) = app.post_json_as(&bob, "/api/account/addresses/delete", json!({ "id": home["id"] })).await;
    assert_eq!(status, 404, "{body}");
    let mut hijack = address("Bob", false);
    hijack["id"] = home["id"].clone();
    assert_eq!(save(&bob, hijack).await.0, 404);
    assert_eq!(list(&ann).await.len(), 2);

    let (status, _) = app.post_json_as(&ann, "/api/account/addresses/delete", json!({ "id": home["id"] })).await;
    assert_eq!(status, 200);
    assert_eq!(list(&ann).await.len(), 1);
}

async fn pages_work_without_javascript(app: TestApp) {
    // The account page sends a guest to sign in, and back afterwards.
    let response = raw_client().get(format!("{}/account", app.base)).header(ACCEPT, "text/html").send().await.expect("GET");
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()[LOCATION], "/sign-in?next=%2Faccount");

    let (status, html) = app.get("/sign-in?next=/account").await;
    assert_eq!(status, 200);
    // (Text is followed by hydration markers, so needles stop at the text.)
    for needle in [r#"<label for="sign-in-email">Email"#, r#"<label for="sign-in-password">Password"#, r#"<button type="submit">Sign in"#, ">Create an account"] {
        assert!(html.contains(needle), "sign-in page lacks {needle}");
    }
    let (status, html) = app.get("/sign-up").await;
    assert_eq!(status, 200);
    for needle in [r#"<label for="sign-up-email">Email"#, r#"<label for="sign-up-password">Password"#, r#"<label for="sign-up-name">Name"#, r#"<button type="submit">Create account"#] {
        assert!(html.contains(needle), "sign-up page lacks {needle}");
    }

    // Registering by form goes on to `next`, signed in.
    let response = post_form(
        &app,
        "/api/auth/register",
        &[("email", "ann@example.com"), ("password", PASSWORD), ("name", "Ann Lee"), ("next", "/account")],
        None,
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()[LOCATION], "/account");
    let cookie = cookie_value(&set_session_cookie(&response).expect("signed in"));
    let account = raw_client()
        .get(format!("{}/account", app.base))
        .header(COOKIE, format!("{COOKIE_NAME}={cookie}"))
        .send()
        .await
        .expect("GET account");
    assert_eq!(account.status(), 200);
    let html = account.text().await.expect("HTML");
    for needle in [
        "Ann Lee",
        "ann@example.com",
        r#"<a href="/account">Account"#,
        ">Sign out",
        r#"<label for="password-current">Current password"#,
        r#"<label for="password-new">New password"#,
        r#"<button type="submit">Change password"#,
        r#"<label for="address-line1">Address line 1"#,
        r#"<label for="address-is-default">Use as default"#,
        r#"<button type="submit">Save address"#,
    ] {
        assert!(html.contains(needle), "account page lacks {needle}");
    }

    // A failed sign-in comes back to the form with the error beside the
    // field and the email kept; an outside `next` is not followed.
    let response = post_form(
        &app,
        "/api/auth/sign-in",
        &[("email", "ann@example.com"), ("password", "not it at all"), ("next", "/cart")],
        None,
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()[LOCATION], "/sign-in?next=%2Fcart");
    let guest = cookie_value(&set_session_cookie(&response).expect("feedback kept in a session"));
    let page = raw_client()
        .get(format!("{}/sign-in?next=%2Fcart", app.base))
        .header(COOKIE, format!("{COOKIE_NAME}={guest}"))
        .send()
        .await
        .expect("GET sign-in");
    let html = page.text().await.expect("HTML");
    assert!(html.contains(r#"id="sign-in-email-error""#), "the error sits beside the field");
    assert!(html.contains(r#"aria-describedby="sign-in-email-error""#), "and is tied to it");
    assert!(html.contains("Email or password is incorrect."));
    assert!(html.contains(r#"value="ann@example.com""#), "the email is kept");

    let response = post_form(
        &app,
        "/api/auth/sign-in",
        &[("email", "ann@example.com"), ("password", PASSWORD), ("next", "//evil.example/")],
        Some(&guest),
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()[LOCATION], "/account");
}

async fn demo_accounts_are_seeded_with_their_roles(app: TestApp) {
    let client = app.session_client();
    let (status, admin) = sign_in(&app, &client, "admin@bazaar.test", "bazaar-demo-overseer").await;
    assert_eq!(status, 200, "{admin}");
    assert_eq!(admin["role"], "admin");
    for (email, password) in [("seller1@bazaar.test", "bazaar-demo-northwind"), ("seller2@bazaar.test", "bazaar-demo-harbor")] {
        let (status, seller) = sign_in(&app, &app.session_client(), email, password).await;
        assert_eq!(status, 200, "{seller}");
        assert_eq!(seller["role"], "seller");
    }
    let (status, customer) = sign_in(&app, &app.session_client(), "customer@bazaar.test", "bazaar-demo-shopper").await;
    assert_eq!((status, customer["role"].clone()), (200, json!("customer")));
    let linked = count(
        &app,
        "SELECT COUNT(*) FROM users u JOIN sellers s ON s.id = u.seller_id \
         WHERE (u.email = 'seller1@bazaar.test' AND s.slug = 'northwind-goods') \
            OR (u.email = 'seller2@bazaar.test' AND s.slug = 'harbor-pine')",
    )
    .await;
    assert_eq!(linked, 2);
}

on_both_backends!(
    register_signs_in_and_stores_a_lowercased_email,
    taken_email_is_refused_whatever_its_case,
    weak_passwords_and_bad_emails_are_refused_by_field,
    wrong_password_and_unknown_email_answer_alike,
    sign_out_ends_the_session,
    the_session_id_changes_at_sign_in,
    cross_site_posts_are_refused,
    a_password_change_takes_effect,
    addresses_belong_to_their_owner,
    pages_work_without_javascript,
    demo_accounts_are_seeded_with_their_roles,
);
