//! `/admin/support` as a lazy route: like the order desk, its code is
//! split out of the storefront's WASM and loaded only when an admin opens
//! the console.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// The route's data: none up front; the page loads its own resources.
#[derive(Debug, Clone, Copy)]
pub struct SupportRoute;

#[lazy_route]
impl LazyRoute for SupportRoute {
    fn data() -> Self {
        SupportRoute
    }

    fn view(this: Self) -> AnyView {
        let SupportRoute = this;
        view! { <super::console::SupportPage /> }.into_any()
    }
}
