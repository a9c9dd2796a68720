//! Product reviews over HTTP: who may write, the field rules, one review
//! per customer, "Verified purchase" only once an order has shipped,
//! "Helpful" once each and never on one's own review, the two orders, the
//! product's totals moving with every change, admins hiding (audited) and
//! the write limit; review text shown as text, and the form without
//! JavaScript.

use crate::admin::{admin, placed_order, put, row};
use crate::checkout::{customer, scalar};
use crate::helpers::{on_both_backends, TestApp};
use reqwest::Client;
use serde_json::{json, Value};

/// The product `placed_order` buys (the cheapest T-shirt).
async fn ordered_product(app: &TestApp) -> String {
    let shirts = app.search(json!({ "category": "t-shirts", "sort": "price_asc" })).await;
    shirts["products"][0]["slug"].as_str().expect("slug").to_string()
}

/// Another product, which nobody in these tests buys.
async fn other_product(app: &TestApp) -> String {
    let lamps = app.search(json!({ "category": "lighting", "sort": "price_asc" })).await;
    lamps["products"][0]["slug"].as_str().expect("slug").to_string()
}

fn review(slug: &str, rating: u8, title: &str, text: &str) -> Value {
    json!({ "product": slug, "rating": rating, "title": title, "text": text })
}

async fn write(app: &TestApp, client: &Client, body: Value) -> (u16, Value) {
    app.post_json_as(client, "/api/reviews/write", body).await
}

/// Writes a review that must be accepted; returns it.
async fn written(app: &TestApp, client: &Client, body: Value) -> Value {
    let (status, answer) = write(app, client, body.clone()).await;
    assert_eq!(status, 200, "write {body}: {answer}");
    answer
}

/// The product's reviews as `client` sees them.
async fn listed(app: &TestApp, client: &Client, slug: &str, sort: &str) -> Value {
    let (status, list) = app.post_json_as(client, "/api/reviews/list", json!({ "product": slug, "sort": sort })).await;
    assert_eq!(status, 200, "list {slug}: {list}");
    list
}

fn ids(list: &Value) -> Vec<i64> {
    list["reviews"].as_array().expect("reviews").iter().map(|r| r["id"].as_i64().expect("id")).collect()
}

/// `rating_count` and `rating_sum` of product `slug`, as stored.
async fn totals(app: &TestApp, slug: &str) -> (i64, i64) {
    (
        scalar(app, &format!("SELECT rating_count FROM products WHERE slug = '{slug}'")).await,
        scalar(app, &format!("SELECT rating_sum FROM products WHERE slug = '{slug}'")).await,
    )
}

/// The totals recounted from the reviews customers see: what the stored
/// ones must always equal.
async fn recounted(app: &TestApp, slug: &str) -> (i64, i64) {
    let of_product = format!("FROM reviews WHERE hidden = false AND product_id = (SELECT id FROM products WHERE slug = '{slug}')");
    (
        scalar(app, &format!("SELECT COUNT(*) {of_product}")).await,
        scalar(app, &format!("SELECT COALESCE(SUM(rating), 0) {of_product}")).await,
    )
}

async fn helpful(app: &TestApp, client: &Client, review: i64) -> (u16, Value) {
    app.post_json_as(client, "/api/reviews/helpful", json!({ "review": review })).await
}

async fn hide(app: &TestApp, client: &Client, review: i64, hidden: bool) -> (u16, Value) {
    app.post_json_as(client, "/api/admin/reviews/hide", json!({ "review": review, "hidden": hidden })).await
}

/// Moves order `id` on to `status` from the admin desk.
async fn move_order(app: &TestApp, staff: &Client, id: i64, status: &str) {
    let version = row(app, staff, id).await["version"].as_i64().expect("version");
    let (code, body) = put(app, staff, id, json!({ "version": version, "status": status, "tracking_number": "1ZREVIEW" })).await;
    assert_eq!(code, 200, "order {id} to {status}: {body}");
}

fn validation_field(status: u16, body: &Value) -> String {
    assert_eq!(status, 422, "{body}");
    body["Validation"]["field"].as_str().unwrap_or_else(|| panic!("a field in {body}")).to_string()
}

async fn writing_needs_a_user_and_valid_fields(app: TestApp) {
    let slug = other_product(&app).await;
    let guest = app.session_client();
    let (status, body) = write(&app, &guest, review(&slug, 5, "Great", "Works well.")).await;
    assert_eq!((status, body), (401, json!("Unauthorized")));

    let writer = customer(&app, "fields@example.com").await;
    let cases = [
        (json!({ "product": slug, "title": "No stars", "text": "Forgot the rating." }), "rating"),
        (review(&slug, 0, "Zero", "Too few stars."), "rating"),
        (review(&slug, 6, "Six", "Too many stars."), "rating"),
        (review(&slug, 4, "   ", "No title."), "title"),
        (json!({ "product": slug, "rating": 4, "text": "No title at all." }), "title"),
        (review(&slug, 4, &"t".repeat(121), "A long title."), "title"),
        (review(&slug, 4, "Two\nlines", "A title is one line."), "title"),
        (review(&slug, 4, "Empty", "  "), "text"),
        (review(&slug, 4, "Long", &"x".repeat(4001)), "text"),
    ];
    for (body, field) in cases {
        let (status, answer) = write(&app, &writer, body.clone()).await;
        assert_eq!(validation_field(status, &answer), field, "{body}");
    }
    let (status, body) = write(&app, &writer, review("no-such-product", 4, "Ghost", "Not for sale.")).await;
    assert_eq!((status, body), (404, json!({ "NotFound": "Product" })));
    let (status, body) = write(&app, &writer, json!({ "product": slug, "rating": "five", "title": "T", "text": "x" })).await;
    assert_eq!(status, 400, "{body}");

    // The limits are inclusive, and refused attempts cost nothing of the
    // write allowance (5 a minute).
    let longest = written(&app, &writer, review(&slug, 4, &"t".repeat(120), &"x".repeat(4000))).await;
    assert_eq!(longest["title"].as_str().map(str::len), Some(120));
    assert_eq!(longest["text"].as_str().map(str::len), Some(4000));
    assert_eq!(recounted(&app, &slug).await, totals(&app, &slug).await);
}

async fn a_second_review_replaces_the_first(app: TestApp) {
    let slug = other_product(&app).await;
    let (count, sum) = totals(&app, &slug).await;
    let writer = customer(&app, "twice@example.com").await;
    let first = written(&app, &writer, review(&slug, 5, "  Love it  ", "Bright and warm.")).await;
    assert_eq!(first["title"], "Love it", "trimmed");
    assert_eq!((first["mine"].as_bool(), first["edited"].as_bool(), first["author"].as_str()), (Some(true), Some(false), Some("Test Buyer")));
    assert_eq!(totals(&app, &slug).await, (count + 1, sum + 5));

    let second = written(&app, &writer, review(&slug, 2, "Changed my mind", "It flickers.")).await;
    assert_eq!(second["id"], first["id"], "the same review, rewritten");
    assert_eq!((second["rating"].as_i64(), second["edited"].as_bool()), (Some(2), Some(true)));
    assert_eq!(second["date"], first["date"], "the first date is kept");
    assert_eq!(totals(&app, &slug).await, (count + 1, sum + 2), "counted once, with the new rating");
    assert_eq!(recounted(&app, &slug).await, totals(&app, &slug).await);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM reviews WHERE user_id IS NOT NULL").await, 1);

    let list = listed(&app, &writer, &slug, "newest").await;
    assert_eq!(ids(&list)[0], first["id"].as_i64().expect("id"), "the newest review");
    assert_eq!(list["reviews"][0]["text"], "It flickers.");
    assert_eq!(list["rating"], json!({ "count": count + 1, "sum": sum + 2 }));
    let (status, mine) = app.post_json_as(&writer, "/api/reviews/mine", json!({ "product": slug })).await;
    assert_eq!((status, &mine["id"]), (200, &first["id"]));
    let (status, none) = app.post_json_as(&app.session_client(), "/api/reviews/mine", json!({ "product": slug })).await;
    assert_eq!((status, none), (200, Value::Null));
}

async fn verified_only_once_an_order_has_shipped(app: TestApp) {
    let slug = ordered_product(&app).await;
    let staff = admin(&app).await;
    let (buyer, order) = placed_order(&app, "buyer@example.com").await;
    let early = written(&app, &buyer, review(&slug, 4, "Just ordered", "Looks good so far.")).await;
    assert_eq!(early["verified_purchase"], false, "a confirmed order has not reached them yet");

    move_order(&app, &staff, order, "SHIPPED").await;
    let shipped = written(&app, &buyer, review(&slug, 4, "On its way", "Shipped quickly.")).await;
    assert_eq!(shipped["verified_purchase"], true);

    let (receiver, order) = placed_order(&app, "receiver@example.com").await;
    move_order(&app, &staff, order, "SHIPPED").await;
    move_order(&app, &staff, order, "DELIVERED").await;
    let delivered = written(&app, &receiver, review(&slug, 5, "Arrived", "Fits well.")).await;
    assert_eq!(delivered["verified_purchase"], true);

    // An order of something else verifies nothing here.
    let other = other_product(&app).await;
    let elsewhere = written(&app, &receiver, review(&other, 3, "Never bought", "Saw it in a shop.")).await;
    assert_eq!(elsewhere["verified_purchase"], false);
    let list = listed(&app, &app.session_client(), &slug, "newest").await;
    let verified: Vec<bool> = list["reviews"].as_array().expect("reviews")[..2].iter().map(|r| r["verified_purchase"] == true).collect();
    assert_eq!(verified, [true, true]);
}

async fn helpful_once_each_and_never_ones_own(app: TestApp) {
    let slug = other_product(&app).await;
    let author = customer(&app, "author@example.com").await;
    let id = written(&app, &author, review(&slug, 4, "Solid", "Does the job.")).await["id"].as_i64().expect("id");
    let (first, second) = (customer(&app, "voter1@example.com").await, customer(&app, "voter2@example.com").await);

    let (status, voted) = helpful(&app, &first, id).await;
    assert_eq!(status, 200, "{voted}");
    assert_eq!((voted["helpful_count"].as_i64(), voted["voted"].as_bool()), (Some(1), Some(true)));
    let (status, again) = helpful(&app, &first, id).await;
    assert_eq!((status, again["helpful_count"].as_i64()), (200, Some(1)), "a second vote changes nothing: {again}");
    let (both, _) = tokio::join!(helpful(&app, &second, id), helpful(&app, &second, id));
    assert_eq!(both.0, 200, "{}", both.1);
    assert_eq!(scalar(&app, &format!("SELECT helpful_count FROM reviews WHERE id = {id}")).await, 2, "racing clicks count once");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM review_votes WHERE review_id = {id}")).await, 2);

    assert_eq!(helpful(&app, &author, id).await, (403, json!("Forbidden")), "not on one's own review");
    assert_eq!(helpful(&app, &app.session_client(), id).await, (401, json!("Unauthorized")));
    assert_eq!(helpful(&app, &first, 999_999).await, (404, json!({ "NotFound": "Review" })));

    let seen = listed(&app, &first, &slug, "helpful").await;
    let mine = listed(&app, &author, &slug, "helpful").await;
    assert_eq!((seen["reviews"][0]["id"].as_i64(), seen["reviews"][0]["voted"].as_bool()), (Some(id), Some(true)));
    assert_eq!((mine["reviews"][0]["mine"].as_bool(), mine["reviews"][0]["voted"].as_bool()), (Some(true), Some(false)));
}

async fn reviews_sort_by_most_helpful_or_newest(app: TestApp) {
    let slug = other_product(&app).await;
    let (older, newer) = (customer(&app, "older@example.com").await, customer(&app, "newer@example.com").await);
    let old_id = written(&app, &older, review(&slug, 5, "First", "Written first.")).await["id"].as_i64().expect("id");
    let new_id = written(&app, &newer, review(&slug, 3, "Second", "Written second.")).await["id"].as_i64().expect("id");
    let voter = customer(&app, "sorter@example.com").await;
    assert_eq!(helpful(&app, &voter, old_id).await.0, 200);

    let guest = app.session_client();
    assert_eq!(ids(&listed(&app, &guest, &slug, "helpful").await)[0], old_id, "the most votes first");
    assert_eq!(ids(&listed(&app, &guest, &slug, "newest").await)[0], new_id, "the newest first");
    let (status, default) = app.post_json_as(&guest, "/api/reviews/list", json!({ "product": slug })).await;
    assert_eq!((status, default["sort"].as_str()), (200, Some("helpful")), "most helpful by default");
    let (status, _) = app.post_json_as(&guest, "/api/reviews/list", json!({ "product": slug, "sort": "stars" })).await;
    assert_eq!(status, 400);
    let (status, body) = app.post_json_as(&guest, "/api/reviews/list", json!({ "product": "no-such-product" })).await;
    assert_eq!((status, body), (404, json!({ "NotFound": "Product" })));
}

async fn hidden_reviews_leave_the_average_and_the_page(app: TestApp) {
    let slug = other_product(&app).await;
    let before = totals(&app, &slug).await;
    let writer = customer(&app, "ranter@example.com").await;
    let id = written(&app, &writer, review(&slug, 1, "Spam spam", "Buy my stuff elsewhere.")).await["id"].as_i64().expect("id");
    assert_eq!(totals(&app, &slug).await, (before.0 + 1, before.1 + 1));

    let (shopper, guest) = (customer(&app, "bystander@example.com").await, app.session_client());
    assert_eq!(hide(&app, &shopper, id, true).await, (403, json!("Forbidden")));
    assert_eq!(hide(&app, &guest, id, true).await, (401, json!("Unauthorized")));
    let staff = admin(&app).await;
    assert_eq!(hide(&app, &staff, 999_999, true).await, (404, json!({ "NotFound": "Review" })));

    let (status, hidden) = hide(&app, &staff, id, true).await;
    assert_eq!((status, hidden["hidden"].as_bool()), (200, Some(true)), "{hidden}");
    assert_eq!(totals(&app, &slug).await, before, "a hidden review leaves the average");
    assert_eq!(recounted(&app, &slug).await, before);
    assert!(!ids(&listed(&app, &guest, &slug, "newest").await).contains(&id), "customers do not see it");
    assert!(!ids(&listed(&app, &shopper, &slug, "helpful").await).contains(&id));
    let (_, product) = app.post_json("/api/catalog/product", json!({ "slug": slug })).await;
    assert!(!product.to_string().contains("Spam spam"), "nor does the product's JSON");
    let (_, html) = app.get(&format!("/p/{slug}")).await;
    assert!(!html.contains("Spam spam"), "nor the page");
    let as_admin = listed(&app, &staff, &slug, "newest").await;
    let listed_hidden = as_admin["reviews"].as_array().expect("reviews").iter().find(|r| r["id"] == id).expect("admins see it");
    assert_eq!(listed_hidden["hidden"], true);
    assert_eq!(helpful(&app, &shopper, id).await.0, 404, "a hidden review takes no votes");

    // Rewriting a hidden review keeps it hidden and out of the totals.
    written(&app, &writer, review(&slug, 2, "Spam again", "Still selling.")).await;
    assert_eq!(totals(&app, &slug).await, before);

    let audits = |action: &'static str| format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND subject = 'review:{id}'");
    assert_eq!(scalar(&app, &audits("review.hide")).await, 1);
    assert_eq!(hide(&app, &staff, id, true).await.0, 200, "hiding it again changes nothing");
    assert_eq!(scalar(&app, &audits("review.hide")).await, 1, "and records nothing");
    assert_eq!(totals(&app, &slug).await, before);

    let (status, shown) = hide(&app, &staff, id, false).await;
    assert_eq!((status, shown["hidden"].as_bool()), (200, Some(false)));
    assert_eq!(scalar(&app, &audits("review.unhide")).await, 1);
    assert_eq!(totals(&app, &slug).await, (before.0 + 1, before.1 + 2), "back in, with its rewritten rating");
    assert_eq!(recounted(&app, &slug).await, totals(&app, &slug).await);
    assert!(ids(&listed(&app, &guest, &slug, "newest").await).contains(&id));
}

async fn writing_is_rate_limited(app: TestApp) {
    let slug = other_product(&app).await;
    let writer = customer(&app, "prolific@example.com").await;
    for n in 1..=5 {
        written(&app, &writer, review(&slug, 4, &format!("Take {n}"), "Still thinking.")).await;
    }
    let response = writer
        .post(format!("{}/api/reviews/write", app.base))
        .json(&review(&slug, 4, "Take 6", "One too many."))
        .send()
        .await
        .expect("POST /api/reviews/write");
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u32 = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((1..=12).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["TooFast"]["retry_after_secs"], retry_after);
    let (status, mine) = app.post_json_as(&writer, "/api/reviews/mine", json!({ "product": slug })).await;
    assert_eq!((status, &mine["title"]), (200, &json!("Take 5")), "the refused write changed nothing");
    // Each customer has their own allowance.
    let other = customer(&app, "patient@example.com").await;
    written(&app, &other, review(&slug, 5, "First try", "Fine.")).await;
}

async fn review_text_is_shown_as_text(app: TestApp) {
    let slug = other_product(&app).await;
    let writer = customer(&app, "markup@example.com").await;
    written(&app, &writer, review(&slug, 3, "<b>Bold</b> claim", "<script>window.__xss=1</script>\n<img src=x onerror=alert(1)>")).await;
    let (status, html) = app.get(&format!("/p/{slug}?sort=newest")).await;
    assert_eq!(status, 200);
    assert!(html.contains("&lt;b&gt;Bold&lt;/b&gt; claim"), "the title, escaped");
    assert!(html.contains("&lt;script&gt;window.__xss=1&lt;/script&gt;"), "the text, escaped");
    assert!(!html.contains("<script>window.__xss") && !html.contains("<img src=x"), "never markup");
}

/// Without JavaScript a refused review comes back to the product page with
/// the error next to its field and what was typed; an accepted one shows
/// the notice and is listed.
async fn the_form_works_without_javascript(app: TestApp) {
    use reqwest::header::{ACCEPT, ORIGIN};
    let slug = other_product(&app).await;
    let writer = customer(&app, "plainform@example.com").await;
    let post = |form: Vec<(&'static str, String)>| {
        writer
            .post(format!("{}/api/reviews/write", app.base))
            .form(&form)
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(ORIGIN, app.base.clone())
            .send()
    };
    let typed = "Sturdy frame, soft light.";
    let response = post(vec![("product", slug.clone()), ("rating", "4".into()), ("title", "".into()), ("text", typed.into())])
        .await
        .expect("form POST");
    assert_eq!((response.status().as_u16(), response.url().path()), (200, format!("/p/{slug}").as_str()));
    let html = response.text().await.expect("page");
    assert!(html.contains("Give your review a title."), "the error is shown");
    assert!(html.contains(typed), "the text typed is kept");
    assert!(html.contains(r#"value="4" checked"#), "and the rating: {html}");

    let response = post(vec![("product", slug.clone()), ("rating", "4".into()), ("title", "Nice".into()), ("text", typed.into())])
        .await
        .expect("form POST");
    assert_eq!(response.url().path(), format!("/p/{slug}"));
    let html = response.text().await.expect("page");
    assert!(html.contains("Thank you! Your review is saved."), "the notice is shown");
    assert!(html.contains("You reviewed this product on"), "the form now edits the review");
}

on_both_backends!(
    writing_needs_a_user_and_valid_fields,
    a_second_review_replaces_the_first,
    verified_only_once_an_order_has_shipped,
    helpful_once_each_and_never_ones_own,
    reviews_sort_by_most_helpful_or_newest,
    hidden_reviews_leave_the_average_and_the_page,
    writing_is_rate_limited,
    review_text_is_shown_as_text,
    the_form_works_without_javascript,
);
