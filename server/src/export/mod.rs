//! CSV exports for the people who run the shop (docs/api.md, "CSV export"):
//!
//! - `GET /admin/orders.csv?q=&status=&from=&to=` — admins: the orders the
//!   desk's table shows for the same filters;
//! - `GET /admin/products.csv?q=` — admins: every product, one row per
//!   variant;
//! - `GET /seller/products.csv?q=` — a seller: their own products.
//!
//! Rows are read [`PAGE_ROWS`] at a time by keyset pagination on the id and
//! written to the body as each page arrives, so an export of any size
//! holds one page in memory. A failure part-way is logged and cuts the body
//! short, which the client sees as an incomplete download rather than a
//! silently shortened file.

mod csv_cell;
mod orders;
mod products;

use crate::admin_api::order_query;
use crate::api_input::api_error;
use app::admin::ssr::filtered;
use app::auth::ssr::{authorize, user_of_session, CatalogScope};
use app::auth::{CurrentUser, Role};
use app::error::AppError;
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::future::Future;
use tower_sessions::Session;

/// Rows read from the database per query.
pub const PAGE_ROWS: u64 = 1_000;

/// The three routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/orders.csv", get(orders_csv))
        .route("/admin/products.csv", get(admin_products_csv))
        .route("/seller/products.csv", get(seller_products_csv))
}

/// One query's rows, cells already formatted, and the id the next query
/// starts after (`None` when this was the last page).
struct Page {
    rows: Vec<Vec<String>>,
    next_after: Option<i32>,
}

impl Page {
    /// A page whose last key is `last`: more may follow only if it was full.
    fn new(rows: Vec<Vec<String>>, keys_read: usize, last: Option<i32>) -> Page {
        let full = u64::try_from(keys_read).is_ok_and(|n| n >= PAGE_ROWS);
        Page { rows, next_after: last.filter(|_| full) }
    }
}

/// The session's user if they hold `role`; 401 or 403 otherwise.
async fn signed_in(state: &AppState, session: &Session, role: Role) -> Result<CurrentUser, Response> {
    user_of_session(&state.db, session, chrono::Utc::now())
        .await
        .and_then(|user| authorize(user, role))
        .map_err(api_error)
}

/// A CSV body: `header`, then the rows of the pages `next_page(after)`
/// returns, starting after id 0, each page written as soon as it is read.
fn csv_body<F, Fut>(what: &'static str, header: &'static [&'static str], next_page: F) -> Body
where
    F: FnMut(i32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page, AppError>> + Send + 'static,
{
    let pages = futures::stream::try_unfold((Some(0), next_page, true), move |(after, mut next_page, first)| async move {
        let Some(after) = after else {
            return Ok(None);
        };
        let page = next_page(after).await.map_err(|err| {
            tracing::error!(export = what, after, error = %err, "CSV export failed part-way");
            std::io::Error::other(err.to_string())
        })?;
        let mut out = csv::Writer::from_writer(Vec::new());
        if first {
            out.write_record(header)?;
        }
        for row in &page.rows {
            out.write_record(row)?;
        }
        let bytes = out.into_inner().map_err(|err| err.into_error())?;
        Ok::<_, std::io::Error>(Some((Bytes::from(bytes), (page.next_after, next_page, false))))
    });
    Body::from_stream(pages)
}

/// `body` as a download named `{stem}-YYYYMMDD.csv`, never cached.
fn attachment(stem: &str, body: Body) -> Response {
    let filename = format!("{stem}-{}.csv", chrono::Utc::now().format("%Y%m%d"));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\""))
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn orders_csv(State(state): State<AppState>, session: Session, Query(params): Query<HashMap<String, String>>) -> Response {
    if let Err(refused) = signed_in(&state, &session, Role::Admin).await {
        return refused;
    }
    // Every filter is checked (dates included) before the 200 is sent.
    let query = match order_query(&params).map(|query| query.normalized()).and_then(|query| filtered(&query, true).map(|_| query)) {
        Ok(query) => query,
        Err(bad) => return api_error(bad),
    };
    let db = state.db.clone();
    let body = csv_body("orders", orders::HEADER, move |after| {
        let (db, query) = (db.clone(), query.clone());
        async move { orders::page(&db, &query, after).await }
    });
    attachment("orders", body)
}

async fn admin_products_csv(state: State<AppState>, session: Session, params: Query<HashMap<String, String>>) -> Response {
    products_csv(state, session, params, Role::Admin).await
}

async fn seller_products_csv(state: State<AppState>, session: Session, params: Query<HashMap<String, String>>) -> Response {
    products_csv(state, session, params, Role::Seller).await
}

/// The products of the catalog the user manages; admins may use either
/// path, sellers only `/seller/…`.
async fn products_csv(State(state): State<AppState>, session: Session, Query(params): Query<HashMap<String, String>>, role: Role) -> Response {
    let user = match signed_in(&state, &session, role).await {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    let scope = match CatalogScope::of(&state.db, &user).await {
        Ok(scope) => scope,
        Err(err) => return api_error(err),
    };
    let q = params.get("q").cloned().unwrap_or_default();
    let db = state.db.clone();
    let body = csv_body("products", products::HEADER, move |after| {
        let (db, q) = (db.clone(), q.clone());
        async move { products::page(&db, scope, &q, after).await }
    });
    attachment("products", body)
}
