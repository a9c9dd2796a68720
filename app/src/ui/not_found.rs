//! The page for anything that does not exist; answered with HTTP 404.

use leptos::prelude::*;
use leptos_meta::Title;

/// "Page not found", with status 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"We could not find what you were looking for. It may have been removed or renamed."</p>
            <p>
                <a href="/">"Back to the shop"</a>
            </p>
        </section>
    }
}
