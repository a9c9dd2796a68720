//! `/admin/categories` as a lazy route: its code is split out of the
//! storefront's WASM and loaded only when an admin opens it.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// `/admin/categories`.
#[derive(Debug, Clone, Copy)]
pub struct CategoriesRoute;

#[lazy_route]
impl LazyRoute for CategoriesRoute {
    fn data() -> Self {
        CategoriesRoute
    }

    fn view(this: Self) -> AnyView {
        let CategoriesRoute = this;
        view! { <super::ui::CategoriesPage /> }.into_any()
    }
}
