//! The catalog pages as lazy routes: like the order desk, their code is
//! split out of the storefront's WASM and loaded only when an admin or a
//! seller opens them.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// `/admin/products`, `/seller/products`.
#[derive(Debug, Clone, Copy)]
pub struct ProductsRoute;

#[lazy_route]
impl LazyRoute for ProductsRoute {
    fn data() -> Self {
        ProductsRoute
    }

    fn view(this: Self) -> AnyView {
        let ProductsRoute = this;
        view! { <super::ui::ProductsPage /> }.into_any()
    }
}

/// `/admin/products/new`, `/admin/products/:id` and the seller's twins.
#[derive(Debug, Clone, Copy)]
pub struct ProductEditorRoute;

#[lazy_route]
impl LazyRoute for ProductEditorRoute {
    fn data() -> Self {
        ProductEditorRoute
    }

    fn view(this: Self) -> AnyView {
        let ProductEditorRoute = this;
        view! { <super::ui::ProductEditorPage /> }.into_any()
    }
}

/// `/seller`.
#[derive(Debug, Clone, Copy)]
pub struct SellerRoute;

#[lazy_route]
impl LazyRoute for SellerRoute {
    fn data() -> Self {
        SellerRoute
    }

    fn view(this: Self) -> AnyView {
        let SellerRoute = this;
        view! { <super::ui::SellerPage /> }.into_any()
    }
}
