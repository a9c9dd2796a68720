//! Bazaar's application: routes, pages, server functions and the typed
//! models they share between the server and the hydrated browser.

// Builds without `--cfg erase_components` (a plain `cargo build --release`;
// cargo-leptos always sets it) type the admin desk's nested views deeper
// than the default limit allows.
#![recursion_limit = "256"]

pub mod account;
pub mod admin;
pub mod analytics;
pub mod auth;
pub mod cart;
pub mod catalog;
pub mod categories;
pub mod chat;
pub mod checkout;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod entity;
pub mod error;
pub mod inventory;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod money;
pub mod orders;
pub mod products;
pub mod reviews;
pub mod wishlist;
#[cfg(feature = "ssr")]
pub mod state;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                // `/pkg/bazaar.css`, or its content-hashed name in a
                // release build (`LEPTOS_HASH_FILES`).
                <HashedStylesheet id="leptos" options=options.clone() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The storefront. Every route renders completely on the server
/// (`SsrMode::Async`) so pages work without JavaScript and can answer
/// with a real status code such as 404.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    ui::layout::provide_categories();
    account::ui::provide_account();
    cart::ui::provide_cart();
    wishlist::ui::provide_wishlist();
    live::ui::provide_live();
    chat::widget::provide_chat();
    // Only ever runs in the browser: tells tests (and CSS) that the WASM
    // has taken over the server-rendered page.
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            // Best effort: a missing marker only affects tests, which then fail loudly.
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=ui::head::page_title />
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <ui::layout::Header />
            <main id="main">
                <Routes fallback=|| view! { <ui::not_found::NotFound /> }>
                    <Route path=path!("/") view=catalog::ui::home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=catalog::ui::listing::SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/c/:slug") view=catalog::ui::listing::CategoryPage ssr=SsrMode::Async />
                    <Route path=path!("/p/:slug") view=catalog::ui::product::ProductPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-up") view=account::pages::SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=account::pages::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=account::pages::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/cart") view=cart::ui::CartPage ssr=SsrMode::Async />
                    <Route path=path!("/checkout") view=checkout::ui::CheckoutPage ssr=SsrMode::Async />
                    <Route path=path!("/orders") view=orders::ui::OrdersPage ssr=SsrMode::Async />
                    <Route path=path!("/orders/:id") view=orders::ui::OrderPage ssr=SsrMode::Async />
                    <Route path=path!("/wishlist") view=wishlist::ui::WishlistPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view={Lazy::<admin::route::AdminRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/jobs") view={Lazy::<jobs::route::JobsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/support") view={Lazy::<chat::route::SupportRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/analytics") view={Lazy::<analytics::route::AdminAnalyticsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/seller/analytics") view={Lazy::<analytics::route::SellerAnalyticsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/products") view={Lazy::<products::route::ProductsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/categories") view={Lazy::<categories::route::CategoriesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/:id") view={Lazy::<products::route::ProductEditorRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/seller") view={Lazy::<products::route::SellerRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/seller/products") view={Lazy::<products::route::ProductsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/seller/products/:id") view={Lazy::<products::route::ProductEditorRoute>::new()} ssr=SsrMode::Async />
                </Routes>
            </main>
            <ui::layout::Footer />
            <chat::widget::ChatLauncher />
        </Router>
    }
}
