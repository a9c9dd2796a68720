//! Finishing a form's server function so the page works with and without
//! JavaScript.
//!
//! Hydrated, an `ActionForm` posts with `fetch`: errors come back as the
//! action's value (with their HTTP status) and a success may redirect
//! through Leptos' client-side router. Without JavaScript the browser posts
//! the form itself and must be sent to a page: the outcome is kept in the
//! session as [`FormFeedback`] and the browser is redirected (302) back to
//! the form's page, which shows it once.

use super::session_error;
use crate::account::model::FormFeedback;
use crate::error::{ssr::with_status, AppError};
use tower_sessions::Session;

/// Session key of the pending [`FormFeedback`].
const FEEDBACK_KEY: &str = "form_feedback";

/// Where a form's outcome goes.
pub struct FormFlow {
    /// One of `account::model::forms`.
    pub form: &'static str,
    /// The form's page, where a browser without JavaScript returns.
    pub page: String,
    /// Where to go on success, with or without JavaScript; `None` stays on
    /// the page.
    pub on_success: Option<String>,
    /// Shown on the page after a success without JavaScript.
    pub notice: Option<&'static str>,
    /// Non-secret values to put back into the form after a failure.
    pub values: Vec<(&'static str, String)>,
}

/// Whether this request is a browser's own form post (no JavaScript): it
/// asks for HTML, where Leptos' client asks for the function's encoding.
pub fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// Answers a form post with `result` as described by `flow`.
pub async fn finish<T>(session: &Session, flow: FormFlow, result: Result<T, AppError>) -> Result<T, AppError> {
    let plain = is_plain_form_post();
    match result {
        Ok(value) => {
            if let Some(to) = &flow.on_success {
                leptos_axum::redirect(to);
            } else if plain {
                let feedback = FormFeedback {
                    form: flow.form.into(),
                    error: None,
                    notice: flow.notice.map(str::to_string),
                    values: Vec::new(),
                };
                keep(session, &feedback).await?;
                leptos_axum::redirect(&flow.page);
            }
            Ok(value)
        }
        Err(err) if plain => {
            let feedback = FormFeedback {
                form: flow.form.into(),
                error: Some(err.clone()),
                notice: None,
                values: flow.values.into_iter().map(|(field, value)| (field.to_string(), value)).collect(),
            };
            keep(session, &feedback).await?;
            // The redirect's 302 is the status; the error travels in the session.
            leptos_axum::redirect(&flow.page);
            Err(err)
        }
        Err(err) => Err(with_status(err)),
    }
}

async fn keep(session: &Session, feedback: &FormFeedback) -> Result<(), AppError> {
    session.insert(FEEDBACK_KEY, feedback).await.map_err(session_error)
}

/// The pending feedback, removed so it shows once. Sessions without any
/// are left untouched (and so are not written back).
pub async fn take(session: &Session) -> Result<Option<FormFeedback>, AppError> {
    if session.get_value(FEEDBACK_KEY).await.map_err(session_error)?.is_none() {
        return Ok(None);
    }
    session.remove::<FormFeedback>(FEEDBACK_KEY).await.map_err(session_error)
}
