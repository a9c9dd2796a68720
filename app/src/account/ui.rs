//! The actions that change who is signed in, provided once for the app,
//! and the header's account links.

use crate::account::api::{Register, SignIn, SignOut, SignOutEverywhere};
use crate::auth::{provide_auth, use_auth};
use leptos::prelude::*;

/// The account forms' actions that change who is signed in, provided once
/// for the whole app. Each completing re-fetches the signed-in user (see
/// [`crate::auth::AuthContext`]).
#[derive(Clone, Copy)]
pub struct AccountActions {
    /// The sign-up form's action.
    pub register: ServerAction<Register>,
    /// The sign-in form's action.
    pub sign_in: ServerAction<SignIn>,
    /// The header's sign-out button.
    pub sign_out: ServerAction<SignOut>,
    /// The account page's "Sign out everywhere" button.
    pub sign_out_everywhere: ServerAction<SignOutEverywhere>,
}

/// Creates the [`AccountActions`] and the [`crate::auth::AuthContext`] they
/// drive, and provides both to every page.
pub fn provide_account() {
    let register = ServerAction::<Register>::new();
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    provide_auth(Signal::derive(move || {
        register.version().get()
            + sign_in.version().get()
            + sign_out.version().get()
            + sign_out_everywhere.version().get()
    }));
    provide_context(AccountActions { register, sign_in, sign_out, sign_out_everywhere });
}

/// The [`AccountActions`] from context.
pub fn use_account_actions() -> AccountActions {
    expect_context::<AccountActions>()
}

/// The header's account links: "Sign in" for guests; "Account" and a
/// "Sign out" button (a form, so it works without JavaScript) for users.
#[component]
pub fn AccountNav() -> impl IntoView {
    let auth = use_auth();
    let sign_out = use_account_actions().sign_out;
    view! {
        <nav aria-label="Account" class="account-nav">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(_)) => {
                            view! {
                                <a href="/account">"Account"</a>
                                <ActionForm action=sign_out attr:class="inline-form">
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
