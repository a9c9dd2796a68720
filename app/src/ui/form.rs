//! The pieces every form is built from: labelled fields with their
//! errors, alerts and notices, and the way a form's outcome reaches its
//! page when it was posted without JavaScript ([`FormFeedback`]).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How a form posted without JavaScript turned out. The browser is
/// redirected back to the form's page, which shows this once: the error
/// next to its field, or a notice, and the non-secret values typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFeedback {
    /// The form's name, such as one of `account::model::forms`.
    pub form: String,
    pub error: Option<AppError>,
    pub notice: Option<String>,
    /// Field name and value, never a password.
    pub values: Vec<(String, String)>,
}

impl FormFeedback {
    /// The value typed into `field`, if it was kept.
    pub fn value(&self, field: &str) -> Option<String> {
        self.values.iter().find(|(name, _)| name == field).map(|(_, value)| value.clone())
    }
}

/// The outcome of the last form a browser posted without JavaScript, once.
#[server(endpoint = "account/form-feedback")]
pub async fn take_form_feedback() -> Result<Option<FormFeedback>, AppError> {
    let session = crate::auth::ssr::session().await?;
    ssr::take(&session).await.map_err(crate::error::ssr::with_status)
}

/// Whether `path` is a path on this site. Anything that a browser could
/// read as another site (`//evil.example`, `/\evil.example`, `https://…`)
/// is not, so a form's redirect cannot be turned into an open redirect.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

/// An action's last error, for a `role="alert"` next to its form.
pub fn action_error<T, V>(value: V) -> impl Fn() -> Option<String> + Copy
where
    V: With<Value = Option<Result<T, AppError>>> + Copy + 'static,
{
    move || value.with(|last| last.as_ref().and_then(|result| result.as_ref().err()).map(ToString::to_string))
}

/// The error a form shows: its action's last result once it has been
/// submitted from this page, otherwise what a submission without
/// JavaScript left in the session. (An error in the URL, which Leptos would
/// otherwise show, is ignored: anyone can write a URL.)
pub(crate) fn form_error<S>(action: ServerAction<S>, feedback: Option<&FormFeedback>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let initial = feedback.and_then(|f| f.error.clone());
    Signal::derive(move || {
        if action.version().get() == 0 {
            return initial.clone();
        }
        action.value().with(|result| result.as_ref().and_then(|r| r.as_ref().err().cloned()))
    })
}

/// The notice a form shows after a success: `text` once its action has
/// succeeded, or the notice a submission without JavaScript left.
pub(crate) fn form_notice<S>(
    action: ServerAction<S>,
    feedback: Option<&FormFeedback>,
    text: &'static str,
) -> Signal<Option<String>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let initial = feedback.and_then(|f| f.notice.clone());
    Signal::derive(move || {
        if action.version().get() == 0 {
            return initial.clone();
        }
        action.value().with(|result| matches!(result, Some(Ok(_)))).then(|| text.to_string())
    })
}

/// The message of `error` if it belongs to `field`.
pub(crate) fn field_message(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || match error.get() {
        Some(AppError::Validation { field: f, message }) if f == field => Some(message),
        _ => None,
    })
}

/// The feedback left for `form`, if any.
pub(crate) fn feedback_for(feedback: Result<Option<FormFeedback>, AppError>, form: &str) -> Option<FormFeedback> {
    feedback.ok().flatten().filter(|f| f.form == form)
}

/// What a form posted without JavaScript left to show: read once per page
/// ([`take_form_feedback`]), at the page's top.
pub(crate) type PageFeedback = Resource<Result<Option<FormFeedback>, AppError>>;

/// The notice or the error that a plain form post (an upload) of `form`
/// left in `feedback`: a status or an alert, nothing otherwise.
#[component]
pub(crate) fn PostedOutcome(feedback: PageFeedback, form: &'static str) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let feedback = feedback_for(feedback.await, form);
                let notice = feedback.as_ref().and_then(|f| f.notice.clone());
                let error = feedback.and_then(|f| f.error).map(|e| match e {
                    AppError::Validation { message, .. } => message,
                    other => other.to_string(),
                });
                view! {
                    {notice.map(|n| view! { <p role="status">{n}</p> })}
                    {error.map(|e| view! { <p role="alert" class="form-error">{e}</p> })}
                }
            })}
        </Suspense>
    }
}

/// `false` on the server and until the calling component has hydrated.
/// A form that only works with its handlers attached stays disabled until
/// then, rather than taking typing (or clicks) that would be lost.
pub(crate) fn hydrated() -> ReadSignal<bool> {
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    ready
}

/// An error no field of the form shows (a failure on our side, or a field
/// the form does not have), announced at the top of the form.
#[component]
pub(crate) fn FormAlert(
    error: Signal<Option<AppError>>,
    /// The fields that show their own errors.
    fields: &'static [&'static str],
) -> impl IntoView {
    let message = move || match error.get() {
        Some(AppError::Validation { field, .. }) if fields.contains(&field.as_str()) => None,
        Some(err) => Some(err.to_string()),
        None => None,
    };
    move || message().map(|message| view! { <p role="alert" class="form-error">{message}</p> })
}

/// A labelled input. Its error, when there is one, is shown beneath it,
/// announced (`role="alert"`) and tied to it by `aria-describedby`.
#[component]
pub(crate) fn Field(
    /// The visible label, which is the input's accessible name.
    label: &'static str,
    /// The form field's name.
    name: &'static str,
    /// The input's id, unique on the page.
    id: &'static str,
    /// The input's `type`.
    #[prop(default = "text")]
    kind: &'static str,
    /// The input's `autocomplete` hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    #[prop(optional)] required: bool,
    /// The value to show initially.
    #[prop(optional)]
    value: Option<String>,
    /// A short hint shown beneath the label.
    #[prop(default = None)]
    hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let ids: Vec<&str> = [hint.map(|_| hint_id.as_str()), error.read().as_ref().map(|_| error_id.as_str())]
                .into_iter()
                .flatten()
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || error.read().is_some()>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                value=value
                aria-invalid=move || error.read().is_some().then_some("true")
                aria-describedby=described_by
            />
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p role="alert" class="field-error" id=error_id.clone()>
                                {message}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// Finishing a form's server function so the page works with and without
/// JavaScript.
///
/// Hydrated, an `ActionForm` posts with `fetch`: errors come back as the
/// action's value (with their HTTP status) and a success may redirect
/// through Leptos' client-side router. Without JavaScript the browser posts
/// the form itself and must be sent to a page: the outcome is kept in the
/// session as [`FormFeedback`] and the browser is redirected (302) back to
/// the form's page, which shows it once.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{is_local_path, FormFeedback};
    use crate::auth::ssr::session_error;
    use crate::error::{ssr::with_status, AppError};
    use tower_sessions::Session;

    /// Session key of the pending [`FormFeedback`].
    const FEEDBACK_KEY: &str = "form_feedback";

    /// Where a form's outcome goes.
    pub struct FormFlow {
        /// The form's name, such as one of `account::model::forms`.
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

    /// Leaves `feedback` for the form's page to show once (also for posts
    /// that are not server functions, such as image uploads).
    pub async fn keep(session: &Session, feedback: &FormFeedback) -> Result<(), AppError> {
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

    /// The page of this site a form was posted from (its `Referer`'s path and
    /// query), or `fallback` when there is none or it is not a local page. A
    /// browser posting a form without JavaScript is sent back there.
    pub fn posted_from(fallback: &str) -> String {
        let referer = leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
            let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
            let uri = referer.parse::<http::Uri>().ok()?;
            uri.path_and_query().map(|path| path.as_str().to_string())
        });
        match referer {
            Some(path) if is_local_path(&path) => path,
            _ => fallback.to_string(),
        }
    }
}
