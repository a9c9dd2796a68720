//! The order desk for integrators and testers, as plain JSON over HTTP
//! (docs/api.md), authenticated by an admin's session like the pages:
//!
//! - `GET /api/admin/orders?q=&status=&from=&to=&sort=&dir=&offset=&limit=`
//!   → `{"total": N, "seq": S, "rows": [...]}`
//! - `PUT /api/admin/orders/{id}` with `{"version", "status"?,
//!   "tracking_number"?, "notes"?}` (or the version in `If-Match`) → 200
//!   with the order; 409 `{"current": order}` when the version moved on;
//!   422 for a transition the lifecycle forbids.
//!
//! They call the same domain functions as the desk's server functions.

use crate::api_input::api_error;
use app::auth::{CurrentUser, Role};
use app::auth::ssr::{authorize, user_of_session};
use app::admin::model::{OrderEdit, OrderQuery, OrderSort, SortDir};
use app::admin::ssr;
use app::error::AppError;
use app::orders::status::OrderStatus;
use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use tower_sessions::Session;

/// The two routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/admin/orders", get(list)).route("/api/admin/orders/{id}", put(save))
}

/// The session's user if an admin; 401 or 403 otherwise.
async fn admin(state: &AppState, session: &Session) -> Result<CurrentUser, Response> {
    user_of_session(&state.db, session, chrono::Utc::now())
        .await
        .and_then(|user| authorize(user, Role::Admin))
        .map_err(api_error)
}

fn bad(message: String) -> AppError {
    AppError::BadRequest(message)
}

/// A status written as in the API (`SHIPPED`) or in any case.
fn status(value: &str) -> Result<OrderStatus, AppError> {
    serde_json::from_value(json!(value.trim().to_uppercase()))
        .map_err(|_| bad(format!("`status` must be one of pending, confirmed, shipped, delivered or cancelled, not \"{value}\".")))
}

fn number(params: &HashMap<String, String>, name: &str) -> Result<Option<u32>, AppError> {
    params
        .get(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().parse::<u32>().map_err(|_| bad(format!("`{name}` must be a whole number, not \"{v}\"."))))
        .transpose()
}

/// The query string as an [`OrderQuery`], or a 400 naming what is wrong
/// (also the CSV export's filters).
pub(crate) fn order_query(params: &HashMap<String, String>) -> Result<OrderQuery, AppError> {
    let text = |name: &str| params.get(name).cloned().filter(|v| !v.trim().is_empty());
    let sort = match text("sort") {
        None => OrderSort::default(),
        Some(key) => OrderSort::from_key(key.trim())
            .ok_or_else(|| bad(format!("`sort` must be updated, created, total or status, not \"{key}\".")))?,
    };
    let dir = match text("dir").as_deref().map(str::trim) {
        None | Some("desc") => SortDir::Desc,
        Some("asc") => SortDir::Asc,
        Some(other) => return Err(bad(format!("`dir` must be asc or desc, not \"{other}\"."))),
    };
    let defaults = OrderQuery::default();
    Ok(OrderQuery {
        q: text("q"),
        status: text("status").as_deref().map(status).transpose()?,
        from: text("from"),
        to: text("to"),
        sort,
        dir,
        offset: number(params, "offset")?.unwrap_or(0),
        limit: number(params, "limit")?.unwrap_or(defaults.limit),
    })
}

async fn list(State(state): State<AppState>, session: Session, Query(params): Query<HashMap<String, String>>) -> Response {
    if let Err(refused) = admin(&state, &session).await {
        return refused;
    }
    let query = match order_query(&params) {
        Ok(query) => query,
        Err(bad) => return api_error(bad),
    };
    match ssr::list(&state.db, query).await {
        Ok(page) => Json(page).into_response(),
        Err(err) => api_error(err),
    }
}

/// The body of a `PUT`; `status` is read leniently (any case).
#[derive(Debug, Deserialize)]
struct EditBody {
    version: Option<i32>,
    status: Option<String>,
    tracking_number: Option<String>,
    notes: Option<String>,
}

/// The version in `If-Match` (`"3"`, `3` or `W/"3"`).
fn if_match(headers: &HeaderMap) -> Option<i32> {
    let value = headers.get(header::IF_MATCH)?.to_str().ok()?;
    value.trim().trim_start_matches("W/").trim_matches('"').parse().ok()
}

async fn save(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<EditBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let admin = match admin(&state, &session).await {
        Ok(admin) => admin,
        Err(refused) => return refused,
    };
    let Ok(id) = id.parse::<i32>() else {
        return api_error(AppError::NotFound("Order".into()));
    };
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => return api_error(bad(format!("The body must be a JSON object: {}", rejection.body_text()))),
    };
    let Some(version) = body.version.or_else(|| if_match(&headers)) else {
        return api_error(bad("Send the version you edited, as `version` in the body or in `If-Match`.".into()));
    };
    let status = match body.status.as_deref().map(status).transpose() {
        Ok(status) => status,
        Err(bad) => return api_error(bad),
    };
    let edit = OrderEdit { version, status, tracking_number: body.tracking_number, notes: body.notes };
    match ssr::save((&state).into(), &admin, id, edit).await {
        Ok(order) => Json(order).into_response(),
        Err(AppError::OrderChanged { current }) => (StatusCode::CONFLICT, Json(json!({ "current": current }))).into_response(),
        Err(err) => api_error(err),
    }
}
