//! The page for a signed-in user whose role does not reach what they asked
//! for; answered with HTTP 403.

use leptos::prelude::*;
use leptos_meta::Title;

/// "Not allowed", with status 403 when rendered on the server. Only hides
/// the page: the server functions behind it refuse the user themselves.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <Title text="Not allowed" />
        <section class="not-found">
            <h1>"Not allowed"</h1>
            <p>"This page is for the shop's staff. Your account cannot open it."</p>
            <p>
                <a href="/">"Back to the shop"</a>
            </p>
        </section>
    }
}
