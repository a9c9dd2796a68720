//! The frame of every page: header with search and category navigation,
//! and the footer.

use crate::catalog::api::list_categories;
use crate::catalog::model::CategoryTree;
use crate::catalog::search_query::SearchQuery;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::{
    components::Form,
    hooks::{use_location, use_navigate, use_query_map},
    NavigateOptions,
};

/// The category tree, loaded once per page and shared through context.
#[derive(Clone, Copy)]
pub struct Categories(pub Resource<Result<CategoryTree, AppError>>);

/// Loads the category tree and provides it to every page.
pub fn provide_categories() {
    provide_context(Categories(Resource::new(|| (), |_| list_categories())));
}

/// The category tree from context.
pub fn use_categories() -> Categories {
    expect_context::<Categories>()
}

/// Site header: brand link, search form and top-level categories.
#[component]
pub fn Header() -> impl IntoView {
    let categories = use_categories().0;
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                "Bazaar"
            </a>
            <SearchBox />
            <nav aria-label="Categories" class="category-nav">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        categories
                            .await
                            .map(|tree| {
                                view! {
                                    <ul>
                                        {tree
                                            .roots()
                                            .map(|c| {
                                                view! {
                                                    <li>
                                                        <a href=format!("/c/{}", c.slug)>{c.name.clone()}</a>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                            })
                            .ok()
                    })}
                </Suspense>
            </nav>
            <crate::cart::ui::CartLink />
            <crate::account::ui::AccountNav />
        </header>
    }
}

/// The search form. Submitting it works without JavaScript; once hydrated,
/// typing on the search page updates the results as you type.
#[component]
fn SearchBox() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let live_search = move |ev| {
        if location.pathname.get_untracked() != "/search" {
            return;
        }
        let text = event_target_value(&ev);
        let current = SearchQuery::parse(|key| query.read_untracked().get(key)).query;
        let next = SearchQuery { text: Some(text.trim().to_string()).filter(|t| !t.is_empty()), page: 1, ..current };
        navigate(&next.href("/search"), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };
    view! {
        <Form method="get" action="/search" attr:role="search" attr:class="search-form">
            <label for="search-q" class="visually-hidden">
                "Search products"
            </label>
            <input
                id="search-q"
                type="search"
                name="q"
                autocomplete="off"
                placeholder="Search products"
                value=move || query.read().get("q").unwrap_or_default()
                on:input=live_search
            />
            <button type="submit">"Search"</button>
        </Form>
    }
}

/// Site footer.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>"Bazaar — a demo shop. Prices in US dollars."</p>
        </footer>
    }
}
