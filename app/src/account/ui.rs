//! Account state shared by every page, the header's account links, and the
//! pieces the account forms are built from.

use crate::account::api::{me, Register, SignIn, SignOut, SignOutEverywhere};
use crate::account::model::{CurrentUser, FormFeedback};
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user and the actions that change who it is, provided once
/// for the whole app. Anything that depends on the user (the header, a
/// cart count) can key a resource on these actions' versions.
#[derive(Clone, Copy)]
pub struct AuthContext {
    /// The sign-up form's action.
    pub register: ServerAction<Register>,
    /// The sign-in form's action.
    pub sign_in: ServerAction<SignIn>,
    /// The header's sign-out button.
    pub sign_out: ServerAction<SignOut>,
    /// The account page's "Sign out everywhere" button.
    pub sign_out_everywhere: ServerAction<SignOutEverywhere>,
    /// The signed-in user, re-fetched whenever one of the actions completes.
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

impl AuthContext {
    /// Changes each time someone signs up, in or out: a resource keyed on
    /// it re-fetches for the new user.
    pub fn generation(&self) -> usize {
        self.register.version().get()
            + self.sign_in.version().get()
            + self.sign_out.version().get()
            + self.sign_out_everywhere.version().get()
    }
}

/// Creates the [`AuthContext`] and provides it to every page.
pub fn provide_auth() {
    let register = ServerAction::<Register>::new();
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    let user = Resource::new(
        move || {
            register.version().get()
                + sign_in.version().get()
                + sign_out.version().get()
                + sign_out_everywhere.version().get()
        },
        |_| me(),
    );
    provide_context(AuthContext { register, sign_in, sign_out, sign_out_everywhere, user });
}

/// The [`AuthContext`] from context.
pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

/// The header's account links: "Sign in" for guests; "Account" and a
/// "Sign out" button (a form, so it works without JavaScript) for users.
#[component]
pub fn AccountNav() -> impl IntoView {
    let auth = use_auth();
    view! {
        <nav aria-label="Account" class="account-nav">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(_)) => {
                            view! {
                                <a href="/account">"Account"</a>
                                <ActionForm action=auth.sign_out attr:class="inline-form">
                                    <button type="submit" class="link-button">
                                        "Sign out"
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        _ => view! { <a href="/sign-in">"Sign in"</a> }.into_any(),
                    }
                })}
            </Transition>
        </nav>
    }
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
