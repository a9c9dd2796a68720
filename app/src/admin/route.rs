//! `/admin` as a lazy route: its code (the desk's page, table, dialog and
//! their server-function calls) is split out of the storefront's WASM by
//! `cargo leptos build --split` and loaded only when an admin opens it, so
//! the storefront's first load does not grow with the desk.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// The route's data: none up front; the page loads its own resources.
#[derive(Debug, Clone, Copy)]
pub struct AdminRoute;

#[lazy_route]
impl LazyRoute for AdminRoute {
    fn data() -> Self {
        AdminRoute
    }

    fn view(this: Self) -> AnyView {
        let AdminRoute = this;
        view! { <super::ui::AdminPage /> }.into_any()
    }
}
