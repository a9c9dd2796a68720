//! `/admin/analytics` and `/seller/analytics` as lazy routes: like the
//! order desk, their code (the page, its charts and server-function calls)
//! is split out of the storefront's WASM and loaded only when someone
//! opens them.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// `/admin/analytics`. The route's data: none up front; the page loads
/// its own report.
#[derive(Debug, Clone, Copy)]
pub struct AdminAnalyticsRoute;

#[lazy_route]
impl LazyRoute for AdminAnalyticsRoute {
    fn data() -> Self {
        AdminAnalyticsRoute
    }

    fn view(this: Self) -> AnyView {
        let AdminAnalyticsRoute = this;
        view! { <super::ui::AdminAnalyticsPage /> }.into_any()
    }
}

/// `/seller/analytics`.
#[derive(Debug, Clone, Copy)]
pub struct SellerAnalyticsRoute;

#[lazy_route]
impl LazyRoute for SellerAnalyticsRoute {
    fn data() -> Self {
        SellerAnalyticsRoute
    }

    fn view(this: Self) -> AnyView {
        let SellerAnalyticsRoute = this;
        view! { <super::ui::SellerAnalyticsPage /> }.into_any()
    }
}
