//! `/admin/jobs` as a lazy route: like the order desk, its code is split
//! out of the storefront's WASM (`cargo leptos build --split`) and loaded
//! only when an admin opens the page.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// The route's data: none up front; the page loads its own resource.
#[derive(Debug, Clone, Copy)]
pub struct JobsRoute;

#[lazy_route]
impl LazyRoute for JobsRoute {
    fn data() -> Self {
        JobsRoute
    }

    fn view(this: Self) -> AnyView {
        let JobsRoute = this;
        view! { <super::ui::JobsPage /> }.into_any()
    }
}
