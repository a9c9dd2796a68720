//! How long browsers keep what the shop serves: a release build's
//! content-hashed bundles are sent as their precompressed brotli or gzip
//! copies, with a year-long immutable lifetime; pages are revalidated,
//! personal pages never stored, bundled pictures kept a week; and a file
//! answers with its own status, never a page's.

use crate::helpers::{for_both_backends, Backend, TestApp};
use leptos::config::LeptosOptions;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};

const WASM: &str = "bazaar.Q29udGVudEhhc2g.wasm";

/// A site root laid out as `deploy/build.sh --release` leaves it: a hashed
/// bundle with its `.br` and `.gz` copies, and a bundled picture. The
/// copies hold marker bytes, so the test sees which file was sent. (No
/// page is asked for: rendering one would read the build's hash file
/// beside the test binary, which has none.)
fn release_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("site root");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join(WASM), b"\0asm raw bundle").expect("wasm");
    std::fs::write(pkg.join(format!("{WASM}.br")), b"brotli copy").expect("br");
    std::fs::write(pkg.join(format!("{WASM}.gz")), b"gzip copy").expect("gz");
    std::fs::write(site.path().join("favicon.svg"), b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>").expect("favicon");
    site
}

/// A server on `backend` serving `site`, its names content-hashed or not.
async fn serving(backend: Backend, site: &tempfile::TempDir, hashed: bool) -> TestApp {
    let root = site.path().to_str().expect("utf-8 path").to_string();
    TestApp::spawn_with(backend, |config| {
        config.leptos = LeptosOptions::builder()
            .output_name("bazaar")
            .site_root(root)
            .hash_files(hashed)
            .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();
    })
    .await
}

async fn get(app: &TestApp, path: &str, encodings: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.base)).header(ACCEPT_ENCODING, encodings).send().await.expect("GET")
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn hashed_bundles_are_sent_precompressed_and_kept_for_a_year(backend: Backend) {
    let site = release_site();
    let app = serving(backend, &site, true).await;
    let path = format!("/pkg/{WASM}");
    for (accepts, encoding, body) in
        [("br, gzip", Some("br"), &b"brotli copy"[..]), ("gzip", Some("gzip"), b"gzip copy"), ("identity", None, b"\0asm raw bundle")]
    {
        let response = get(&app, &path, accepts).await;
        assert_eq!(response.status(), 200, "{accepts}");
        assert_eq!(header(&response, CONTENT_ENCODING), encoding, "{accepts}");
        assert_eq!(header(&response, CACHE_CONTROL), Some("public, max-age=31536000, immutable"), "{accepts}");
        assert_eq!(response.bytes().await.expect("body").as_ref(), body, "{accepts}: the file as built, not compressed again");
    }
    let favicon = get(&app, "/favicon.svg", "gzip").await;
    assert_eq!(favicon.status(), 200);
    assert_eq!(header(&favicon, CACHE_CONTROL), Some("public, max-age=604800"));
}

async fn pages_are_revalidated_and_personal_ones_never_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = get(&app, "/c/lighting", "gzip").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, CACHE_CONTROL), Some("no-cache"));
    let cart = get(&app, "/cart", "gzip").await;
    assert_eq!(header(&cart, CACHE_CONTROL), Some("no-store"));
}

/// A file goes out with its own status whatever page the server rendered
/// just before or beside it: the browser once got `403` for the WASM
/// after a customer's "Not allowed" page, and failed to start.
async fn files_never_take_a_page_status(backend: Backend) {
    let site = tempfile::tempdir().expect("site root");
    std::fs::create_dir_all(site.path().join("pkg")).expect("pkg dir");
    std::fs::write(site.path().join("pkg/bazaar.wasm"), b"\0asm debug bundle").expect("wasm");
    let app = serving(backend, &site, false).await;
    let shopper = crate::checkout::customer(&app, "files@example.com").await;
    let fetch = |path: &'static str| {
        let request = shopper.get(format!("{}{path}", app.base));
        async move { request.send().await.expect("GET").status().as_u16() }
    };
    for round in 0..40 {
        let (page, file, missing) = tokio::join!(fetch("/admin/products"), fetch("/pkg/bazaar.wasm"), fetch("/pkg/none.wasm"));
        assert_eq!((page, file, missing), (403, 200, 404), "round {round}: the page, the WASM, a missing file");
        assert_eq!(fetch("/pkg/bazaar.wasm").await, 200, "round {round}: the WASM right after the page");
    }
    let (status, html) = app.get("/pkg/none.wasm").await;
    assert!(status == 404 && html.contains("Page not found"), "a missing file is the not-found page: {status}");
    let posted = app.client.post(format!("{}/no/such/page", app.base)).send().await.expect("POST");
    assert_eq!(posted.status(), 404, "a POST to a path nothing serves");
}

for_both_backends!(
    hashed_bundles_are_sent_precompressed_and_kept_for_a_year,
    pages_are_revalidated_and_personal_ones_never_stored,
    files_never_take_a_page_status
);
