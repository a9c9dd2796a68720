//! Listing pages: search results and category pages, which share the
//! filter form, the results grid and pagination.

use super::product_card::ProductGrid;
use crate::catalog::api::search_products;
use crate::catalog::model::{Category, CategoryTree, SearchResults};
use crate::catalog::search_query::{ParsedQuery, SearchQuery, Sort};
use crate::error::AppError;
use crate::money::format_amount;
use crate::ui::layout::use_categories;
use crate::ui::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_params_map, use_query_map},
};

/// Where a listing lives: `/search`, or a category page whose category is
/// in the path rather than the query.
#[derive(Clone, PartialEq)]
enum Place {
    Search,
    Category(String),
}

impl Place {
    fn path(&self) -> String {
        match self {
            Place::Search => "/search".to_string(),
            Place::Category(slug) => format!("/c/{slug}"),
        }
    }

    /// A link to this place showing `query`.
    fn href(&self, query: &SearchQuery) -> String {
        match self {
            Place::Search => query.href(&self.path()),
            Place::Category(_) => SearchQuery { category: None, ..query.clone() }.href(&self.path()),
        }
    }
}

/// `/search?q=…&category=…&min_price=…`
#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_query_map();
    let parsed = Memo::new(move |_| SearchQuery::parse(|key| params.read().get(key)));
    // `try_with`: on the server, leptos_meta reads the title after the body
    // has rendered, and under load the page's reactive owner can already be
    // gone by then; reading it with `read()` panicked the request.
    let heading = move || {
        parsed
            .try_with(|parsed| parsed.query.text.as_deref().map(|text| format!("Results for \u{201c}{text}\u{201d}")))
            .flatten()
            .unwrap_or_else(|| "Search results".to_string())
    };
    let results = listing_results(parsed);
    view! {
        <Title text=heading />
        <h1>{heading}</h1>
        <Listing parsed results place=Place::Search />
    }
}

/// `/c/{slug}`: the category's products, including its subcategories'.
#[component]
pub fn CategoryPage() -> impl IntoView {
    let path_params = use_params_map();
    let query_params = use_query_map();
    let slug = Memo::new(move |_| path_params.read().get("slug").unwrap_or_default());
    let parsed = Memo::new(move |_| {
        let mut parsed = SearchQuery::parse(|key| query_params.read().get(key));
        parsed.query.category = Some(slug.get());
        parsed
    });
    let categories = use_categories().0;
    // Made here, before anything is awaited: made inside the suspense
    // below, it was made again (and serialized into the page again) each
    // time the suspense ran its view.
    let results = listing_results(parsed);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let slug = slug.get();
                Suspend::new(async move {
                    match categories.await {
                        Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(tree) => match tree.by_slug(&slug).cloned() {
                            None => view! { <NotFound /> }.into_any(),
                            Some(category) => {
                                view! {
                                    {category_header(&tree, &category)}
                                    <Listing parsed results place=Place::Category(slug) />
                                }
                                    .into_any()
                            }
                        },
                    }
                })
            }}
        </Suspense>
    }
}

/// Breadcrumbs, heading, description and subcategory links of a category.
fn category_header(tree: &CategoryTree, category: &Category) -> impl IntoView {
    let crumbs = tree
        .ancestry(category.id)
        .into_iter()
        .map(|c| {
            let current = c.id == category.id;
            view! {
                <li>
                    <a href=format!("/c/{}", c.slug) aria-current=current.then_some("page")>
                        {c.name.clone()}
                    </a>
                </li>
            }
        })
        .collect_view();
    let children: Vec<_> = tree.children(category.id).cloned().collect();
    view! {
        <Title text=category.name.clone() />
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li>
                    <a href="/">"Home"</a>
                </li>
                {crumbs}
            </ol>
        </nav>
        <h1>{category.name.clone()}</h1>
        {category.image.clone().map(|src| view! { <img class="category-image" src=src alt=category.name.clone() width="960" height="240" /> })}
        <p class="lead">{category.description.clone()}</p>
        {(!children.is_empty())
            .then(|| {
                view! {
                    <nav aria-label="Subcategories" class="subcategories">
                        <ul>
                            {children
                                .into_iter()
                                .map(|c| view! { <li><a href=format!("/c/{}", c.slug)>{c.name}</a></li> })
                                .collect_view()}
                        </ul>
                    </nav>
                }
            })}
    }
}

/// A page of results for `parsed`, with a notice when the query had to
/// be changed.
type ListingResults = Resource<Result<(SearchResults, Option<String>), AppError>>;

/// The results of a listing page, made once at the page's top.
fn listing_results(parsed: Memo<ParsedQuery>) -> ListingResults {
    let categories = use_categories().0;
    // A category slug from a hand-edited search URL that names no category
    // is dropped with a notice rather than failing the whole page.
    Resource::new(
        move || parsed.get().query,
        move |mut query| async move {
            let mut notice = None;
            if let (Some(slug), Ok(tree)) = (query.category.clone(), categories.await) {
                if tree.by_slug(&slug).is_none() {
                    notice = Some(format!("There is no category \u{201c}{slug}\u{201d}; showing all categories."));
                    query.category = None;
                }
            }
            search_products(query).await.map(|results| (results, notice))
        },
    )
}

/// Filters beside a page of results.
#[component]
fn Listing(parsed: Memo<ParsedQuery>, results: ListingResults, place: Place) -> impl IntoView {
    let problems = move || {
        parsed
            .read()
            .problems
            .iter()
            .map(|problem| view! { <p role="alert" class="notice">{problem.clone()}</p> })
            .collect_view()
    };
    let place = StoredValue::new(place);
    view! {
        <div class="listing">
            <FilterForm parsed place=place.get_value() />
            <section class="results" aria-label="Results">
                {problems}
                <Transition fallback=|| view! { <p role="status">"Loading products…"</p> }>
                    {move || Suspend::new(async move {
                        match results.await {
                            Ok((results, notice)) => {
                                let query = parsed.get_untracked().query;
                                view! {
                                    {notice.map(|notice| view! { <p role="alert" class="notice">{notice}</p> })}
                                    <Results results query place=place.get_value() />
                                }
                                    .into_any()
                            }
                            Err(AppError::NotFound(what)) => {
                                view! { <p role="alert">{format!("{what} not found.")}</p> }.into_any()
                            }
                            Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn Results(results: SearchResults, query: SearchQuery, place: Place) -> impl IntoView {
    let pages = results.page_count();
    let page = results.page;
    let previous = (page > 1).then(|| place.href(&query.with_page(page.min(pages + 1) - 1)));
    let next = (page < pages).then(|| place.href(&query.with_page(page + 1)));
    let beyond_end = page > pages;
    view! {
        <p role="status" class="summary">{results.summary()}</p>
        {beyond_end.then(|| view! { <p>"There are no more results on this page."</p> })}
        <ProductGrid products=results.products label="Products" />
        <nav aria-label="Pagination" class="pagination">
            {previous.map(|href| view! { <a href=href rel="prev">"Previous page"</a> })}
            <span>{format!("Page {} of {}", page.min(pages), pages)}</span>
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
        </nav>
    }
}

/// The filter form. It submits by GET, so filtering is an ordinary link
/// without JavaScript and a client-side navigation with it.
#[component]
fn FilterForm(parsed: Memo<ParsedQuery>, place: Place) -> impl IntoView {
    let query = move || parsed.read().query.clone();
    let show_category = place == Place::Search;
    let categories = use_categories().0;
    let amount = move |cents: Option<i64>| cents.map(format_amount).unwrap_or_default();
    view! {
        <Form method="get" action=place.path() attr:aria-label="Filters" attr:class="filters">
            <h2 class="filters-title">"Filters"</h2>
            {move || query().text.map(|text| view! { <input type="hidden" name="q" value=text /> })}
            {show_category
                .then(|| {
                    view! {
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                categories.await.map(|tree| view! { <CategorySelect tree selected=Signal::derive(move || query().category) /> }).ok()
                            })}
                        </Suspense>
                    }
                })}
            <label for="filter-min-price">"Min price"</label>
            <input id="filter-min-price" name="min_price" inputmode="decimal" size="8" value=move || amount(query().min_price_cents) />
            <label for="filter-max-price">"Max price"</label>
            <input id="filter-max-price" name="max_price" inputmode="decimal" size="8" value=move || amount(query().max_price_cents) />
            <label class="checkbox">
                <input type="checkbox" name="in_stock" value="1" checked=move || query().in_stock />
                "In stock only"
            </label>
            <label for="filter-min-rating">"Minimum rating"</label>
            <select id="filter-min-rating" name="min_rating">
                    <option value="">"Any rating"</option>
                    {(1u8..=4)
                        .map(|stars| {
                            let label = format!("{stars} star{} & up", if stars == 1 { "" } else { "s" });
                            view! {
                                <option value=stars.to_string() selected=move || query().min_rating == Some(stars)>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
            </select>
            <label for="filter-sort">"Sort by"</label>
            <select id="filter-sort" name="sort">
                    {Sort::ALL
                        .into_iter()
                        .map(|sort| {
                            view! {
                                <option value=sort.key() selected=move || query().sort == sort>
                                    {sort.label()}
                                </option>
                            }
                        })
                        .collect_view()}
            </select>
            <button type="submit">"Apply filters"</button>
        </Form>
    }
}

/// The category picker of the search page's filters.
#[component]
fn CategorySelect(tree: CategoryTree, selected: Signal<Option<String>>) -> impl IntoView {
    view! {
        <label for="filter-category">"Category"</label>
        <select id="filter-category" name="category">
                <option value="">"All categories"</option>
                {tree
                    .categories
                    .into_iter()
                    .map(|c| {
                        let slug = c.slug.clone();
                        view! {
                            <option value=c.slug selected=move || selected.read().as_deref() == Some(slug.as_str())>
                                {c.name}
                            </option>
                        }
                    })
                    .collect_view()}
        </select>
    }
}
