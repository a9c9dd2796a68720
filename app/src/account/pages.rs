//! The account pages: `/sign-up`, `/sign-in` and `/account`. Every form is
//! an `ActionForm`, so it works before the WASM loads (and without it).

use crate::account::api::{list_addresses, with_next, ChangePassword, DeleteAddress, SaveAddress};
use crate::account::model::{forms as form_names, Address};
use crate::account::ui::use_account_actions;
use crate::account::validate::Password;
use crate::auth::{use_auth, CurrentUser, Role};
use crate::error::AppError;
use crate::ui::form::{
    feedback_for, field_message, form_error, form_notice, take_form_feedback, Field, FormAlert, FormFeedback,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

/// The `next` query parameter: where to go after signing in.
fn use_next() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("next").filter(|next| !next.is_empty()))
}

/// The outcome a form posted without JavaScript left, read once per page.
fn use_feedback() -> crate::ui::form::PageFeedback {
    Resource::new(|| (), |_| take_form_feedback())
}

/// `/sign-up?next=…`
#[component]
pub fn SignUpPage() -> impl IntoView {
    let next = use_next();
    let feedback = use_feedback();
    view! {
        <Title text="Create an account" />
        <section class="auth-page" aria-labelledby="sign-up-heading">
            <h1 id="sign-up-heading">"Create an account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let feedback = feedback_for(feedback.await, form_names::SIGN_UP);
                    view! { <SignUpForm feedback next=next.get_untracked() /> }
                })}
            </Suspense>
            <p>
                "Already have an account? "
                <a href=move || with_next("/sign-in", next.get().as_deref())>"Sign in instead"</a>
            </p>
        </section>
    }
}

#[component]
fn SignUpForm(feedback: Option<FormFeedback>, next: Option<String>) -> impl IntoView {
    let action = use_account_actions().register;
    let error = form_error(action, feedback.as_ref());
    let email = feedback.as_ref().and_then(|f| f.value("email")).unwrap_or_default();
    let name = feedback.as_ref().and_then(|f| f.value("name")).unwrap_or_default();
    let hint = password_hint();
    view! {
        <ActionForm action attr:class="stacked-form" attr:aria-labelledby="sign-up-heading">
            <FormAlert error fields=&["email", "password", "name"] />
            <Field
                label="Email"
                name="email"
                id="sign-up-email"
                kind="email"
                autocomplete="email"
                required=true
                value=email
                error=field_message(error, "email")
            />
            <Field
                label="Password"
                name="password"
                id="sign-up-password"
                kind="password"
                autocomplete="new-password"
                required=true
                hint=Some(hint)
                error=field_message(error, "password")
            />
            <Field
                label="Name"
                name="name"
                id="sign-up-name"
                autocomplete="name"
                required=true
                value=name
                error=field_message(error, "name")
            />
            <input type="hidden" name="next" value=next.unwrap_or_default() />
            <button type="submit" disabled=move || action.pending().get()>
                "Create account"
            </button>
        </ActionForm>
    }
}

/// The password rule, as a hint under the field.
fn password_hint() -> &'static str {
    const _: () = assert!(Password::MIN_LEN == 10, "the hint states the minimum length");
    "At least 10 characters. Avoid common passwords and your email address."
}

/// `/sign-in?next=…`
#[component]
pub fn SignInPage() -> impl IntoView {
    let next = use_next();
    let feedback = use_feedback();
    view! {
        <Title text="Sign in" />
        <section class="auth-page" aria-labelledby="sign-in-heading">
            <h1 id="sign-in-heading">"Sign in"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let feedback = feedback_for(feedback.await, form_names::SIGN_IN);
                    view! { <SignInForm feedback next=next.get_untracked() /> }
                })}
            </Suspense>
            <p>
                "New to Bazaar? "
                <a href=move || with_next("/sign-up", next.get().as_deref())>"Create an account"</a>
            </p>
        </section>
    }
}

#[component]
fn SignInForm(feedback: Option<FormFeedback>, next: Option<String>) -> impl IntoView {
    let action = use_account_actions().sign_in;
    let error = form_error(action, feedback.as_ref());
    let email = feedback.as_ref().and_then(|f| f.value("email")).unwrap_or_default();
    view! {
        <ActionForm action attr:class="stacked-form" attr:aria-labelledby="sign-in-heading">
            <FormAlert error fields=&["email", "password"] />
            <Field
                label="Email"
                name="email"
                id="sign-in-email"
                kind="email"
                autocomplete="email"
                required=true
                value=email
                error=field_message(error, "email")
            />
            <Field
                label="Password"
                name="password"
                id="sign-in-password"
                kind="password"
                autocomplete="current-password"
                required=true
                error=field_message(error, "password")
            />
            <input type="hidden" name="next" value=next.unwrap_or_default() />
            <button type="submit" disabled=move || action.pending().get()>
                "Sign in"
            </button>
        </ActionForm>
    }
}

/// `/account`: the profile, the password form and saved addresses. Without
/// a signed-in user it redirects to the sign-in page, which comes back here.
#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    let actions = use_account_actions();
    let location = use_location();
    let feedback = use_feedback();
    // Created here, outside the suspense below (which may re-run), so they
    // keep their state and match between server render and hydration.
    let forms = AccountForms::new(auth.user);
    // Signing out from this page goes home; only a visit without a user
    // is sent to the sign-in page.
    let signed_out_here = {
        let signed_out =
            move || actions.sign_out.version().get_untracked() + actions.sign_out_everywhere.version().get_untracked();
        let at_start = signed_out();
        move || signed_out() != at_start
    };
    view! {
        <Title text="Your account" />
        <Suspense fallback=|| view! { <p>"Loading your account…"</p> }>
            {move || {
                Suspend::new(async move {
                    let feedback = feedback.await.ok().flatten();
                    match auth.user.await {
                        Ok(Some(user)) => view! { <AccountView user feedback forms /> }.into_any(),
                        Ok(None) if signed_out_here() => view! { <p>"You have signed out."</p> }.into_any(),
                        Ok(None) => {
                            let here = location.pathname.get_untracked();
                            view! { <Redirect path=with_next("/sign-in", Some(&here)) /> }.into_any()
                        }
                        Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The account page's actions, and the addresses they change.
#[derive(Clone, Copy)]
struct AccountForms {
    change_password: ServerAction<ChangePassword>,
    save_address: ServerAction<SaveAddress>,
    delete_address: ServerAction<DeleteAddress>,
    addresses: Resource<Result<Vec<Address>, AppError>>,
}

impl AccountForms {
    fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> Self {
        let save_address = ServerAction::<SaveAddress>::new();
        let delete_address = ServerAction::<DeleteAddress>::new();
        let addresses = Resource::new(
            move || (save_address.version().get(), delete_address.version().get()),
            // Asked only for a signed-in user: a guest is redirected instead.
            move |_| async move {
                match user.await {
                    Ok(Some(_)) => list_addresses().await,
                    Ok(None) => Ok(Vec::new()),
                    Err(err) => Err(err),
                }
            },
        );
        AccountForms { change_password: ServerAction::new(), save_address, delete_address, addresses }
    }
}

#[component]
fn AccountView(user: CurrentUser, feedback: Option<FormFeedback>, forms: AccountForms) -> impl IntoView {
    let role = match user.role {
        Role::Customer => "Customer",
        Role::Seller => "Seller",
        Role::Admin => "Administrator",
    };
    view! {
        <h1>"Your account"</h1>
        <section class="account-section" aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Profile"</h2>
            <dl class="profile">
                <dt>"Name"</dt>
                <dd>{user.name}</dd>
                <dt>"Email"</dt>
                <dd>{user.email}</dd>
                <dt>"Account type"</dt>
                <dd>{role}</dd>
            </dl>
        </section>
        <ChangePasswordSection
            action=forms.change_password
            feedback=feedback.clone().filter(|f| f.form == form_names::CHANGE_PASSWORD)
        />
        <AddressesSection forms feedback=feedback.clone() />
        <SignOutEverywhereSection feedback=feedback.filter(|f| f.form == form_names::SIGN_OUT_EVERYWHERE) />
    }
}

/// Ends every session of the account, on every device, this one included:
/// for a lost phone or a shared computer left signed in.
#[component]
fn SignOutEverywhereSection(feedback: Option<FormFeedback>) -> impl IntoView {
    let action = use_account_actions().sign_out_everywhere;
    let error = form_error(action, feedback.as_ref());
    view! {
        <section class="account-section" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Signed-in devices"</h2>
            <p>"Signed in on a device you no longer use? Sign out of every browser and device, this one included."</p>
            <ActionForm action attr:class="stacked-form" attr:aria-labelledby="sessions-heading">
                <FormAlert error fields=&[] />
                <button type="submit" disabled=move || action.pending().get()>
                    "Sign out everywhere"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ChangePasswordSection(action: ServerAction<ChangePassword>, feedback: Option<FormFeedback>) -> impl IntoView {
    let error = form_error(action, feedback.as_ref());
    let notice = form_notice(action, feedback.as_ref(), "Your password has been changed.");
    let form = NodeRef::<leptos::html::Form>::new();
    // Clears the typed passwords once the change has gone through.
    Effect::new(move |_| {
        if action.value().with(|result| matches!(result, Some(Ok(_)))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <section class="account-section" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            {move || notice.get().map(|notice| view! { <p role="status" class="notice-ok">{notice}</p> })}
            <ActionForm action node_ref=form attr:class="stacked-form" attr:aria-labelledby="password-heading">
                <FormAlert error fields=&["current", "new"] />
                <Field
                    label="Current password"
                    name="current"
                    id="password-current"
                    kind="password"
                    autocomplete="current-password"
                    required=true
                    error=field_message(error, "current")
                />
                <Field
                    label="New password"
                    name="new"
                    id="password-new"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    hint=Some(password_hint())
                    error=field_message(error, "new")
                />
                <button type="submit" disabled=move || action.pending().get()>
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}

/// One input of the address form.
struct AddressField {
    label: &'static str,
    /// The field's name in `AddressInput` (and in its errors).
    field: &'static str,
    /// The form field's name, as the server function reads it.
    name: &'static str,
    id: &'static str,
    autocomplete: &'static str,
    required: bool,
    maxlength: u32,
    hint: Option<&'static str>,
}

const ADDRESS_FIELDS: [AddressField; 8] = [
    AddressField { label: "Full name", field: "full_name", name: "address[full_name]", id: "address-full-name", autocomplete: "shipping name", required: true, maxlength: 100, hint: None },
    AddressField { label: "Address line 1", field: "line1", name: "address[line1]", id: "address-line1", autocomplete: "shipping address-line1", required: true, maxlength: 200, hint: None },
    AddressField { label: "Address line 2", field: "line2", name: "address[line2]", id: "address-line2", autocomplete: "shipping address-line2", required: false, maxlength: 200, hint: None },
    AddressField { label: "City", field: "city", name: "address[city]", id: "address-city", autocomplete: "shipping address-level2", required: true, maxlength: 100, hint: None },
    AddressField { label: "Region", field: "region", name: "address[region]", id: "address-region", autocomplete: "shipping address-level1", required: false, maxlength: 100, hint: Some("State, province or county, if the address has one.") },
    AddressField { label: "Postal code", field: "postal_code", name: "address[postal_code]", id: "address-postal-code", autocomplete: "shipping postal-code", required: true, maxlength: 20, hint: None },
    AddressField { label: "Country", field: "country", name: "address[country]", id: "address-country", autocomplete: "shipping country", required: true, maxlength: 2, hint: Some("Two-letter code, like US or DE.") },
    AddressField { label: "Phone", field: "phone", name: "address[phone]", id: "address-phone", autocomplete: "shipping tel", required: false, maxlength: 30, hint: None },
];

/// The fields of [`ADDRESS_FIELDS`], whose errors show beside them.
const ADDRESS_FIELD_NAMES: [&str; 8] = {
    let mut names = [""; 8];
    let mut i = 0;
    while i < ADDRESS_FIELDS.len() {
        names[i] = ADDRESS_FIELDS[i].field;
        i += 1;
    }
    names
};

#[component]
fn AddressesSection(forms: AccountForms, feedback: Option<FormFeedback>) -> impl IntoView {
    let AccountForms { save_address: save, delete_address: delete, addresses, .. } = forms;
    let save_feedback = feedback.clone().filter(|f| f.form == form_names::SAVE_ADDRESS);
    let delete_feedback = feedback.filter(|f| f.form == form_names::DELETE_ADDRESS);
    let save_error = form_error(save, save_feedback.as_ref());
    let saved = form_notice(save, save_feedback.as_ref(), "Address saved.");
    let delete_error = form_error(delete, delete_feedback.as_ref());
    let deleted = form_notice(delete, delete_feedback.as_ref(), "Address deleted.");
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if save.value().with(|result| matches!(result, Some(Ok(_)))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    let fields = ADDRESS_FIELDS
        .iter()
        .map(|f| {
            let value = save_feedback.as_ref().filter(|fb| fb.error.is_some()).and_then(|fb| fb.value(f.field));
            view! {
                <Field
                    label=f.label
                    name=f.name
                    id=f.id
                    autocomplete=f.autocomplete
                    required=f.required
                    maxlength=f.maxlength
                    hint=f.hint
                    value=value.unwrap_or_default()
                    error=field_message(save_error, f.field)
                />
            }
        })
        .collect_view();
    view! {
        <section class="account-section" aria-labelledby="addresses-heading">
            <h2 id="addresses-heading">"Addresses"</h2>
            {move || deleted.get().map(|notice| view! { <p role="status" class="notice-ok">{notice}</p> })}
            <FormAlert error=delete_error fields=&[] />
            <Transition fallback=|| view! { <p>"Loading addresses…"</p> }>
                {move || Suspend::new(async move {
                    match addresses.await {
                        Ok(list) if list.is_empty() => view! { <p>"You have no saved addresses yet."</p> }.into_any(),
                        Ok(list) => view! { <AddressList list delete /> }.into_any(),
                        Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <h3 id="add-address-heading">"Add address"</h3>
            {move || saved.get().map(|notice| view! { <p role="status" class="notice-ok">{notice}</p> })}
            <ActionForm action=save node_ref=form attr:class="stacked-form" attr:aria-labelledby="add-address-heading">
                <FormAlert error=save_error fields=&ADDRESS_FIELD_NAMES />
                {fields}
                <div class="field checkbox">
                    <input type="checkbox" id="address-is-default" name="address[is_default]" value="true" />
                    <label for="address-is-default">"Use as default"</label>
                </div>
                <button type="submit" disabled=move || save.pending().get()>
                    "Save address"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn AddressList(list: Vec<Address>, delete: ServerAction<DeleteAddress>) -> impl IntoView {
    view! {
        <ul class="addresses" aria-label="Saved addresses">
            {list
                .into_iter()
                .map(|address| {
                    view! {
                        <li class="address">
                            <p>
                                {address.one_line()}
                                {address.phone.clone().map(|phone| view! { <br /> {format!("Phone: {phone}")} })}
                            </p>
                            {address.is_default.then(|| view! { <p class="badge">"Default address"</p> })}
                            <ActionForm action=delete attr:class="inline-form">
                                <input type="hidden" name="id" value=address.id.to_string() />
                                <button type="submit">"Delete"</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
