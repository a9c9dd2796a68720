//! The table's search, filters and sort. Each change rewrites the URL
//! (replacing the history entry), which re-reads the table from the top.
//! Without JavaScript the same controls are a plain GET form.

use super::format::thousands;
use super::kpis::keep_params;
use super::params::{dir_key, parse_status, status_key, DeskParams};
use super::Debouncer;
use crate::admin::model::{OrderSort, SortDir, StatusCount};
use crate::error::AppError;
use crate::orders::status::OrderStatus;
use leptos::ev;
use leptos::prelude::*;
use std::time::Duration;

/// How long typing in the search box pauses before the table follows.
const SEARCH_DELAY: Duration = Duration::from_millis(300);

fn sort_label(sort: OrderSort) -> &'static str {
    match sort {
        OrderSort::Updated => "Last updated",
        OrderSort::Created => "Placed",
        OrderSort::Total => "Total",
        OrderSort::Status => "Status",
    }
}

fn dir_label(sort: OrderSort, dir: SortDir) -> &'static str {
    let by_time = matches!(sort, OrderSort::Updated | OrderSort::Created);
    match (by_time, dir) {
        (true, SortDir::Desc) => "Newest first",
        (true, SortDir::Asc) => "Oldest first",
        (false, SortDir::Desc) => "Descending",
        (false, SortDir::Asc) => "Ascending",
    }
}

/// The filter form above the table.
#[component]
pub(super) fn Filters(
    params: Memo<DeskParams>,
    counts: Resource<Result<Vec<StatusCount>, AppError>>,
    /// Shows the desk for these parameters.
    go: Callback<DeskParams>,
) -> impl IntoView {
    let initial = params.get_untracked();
    let search = RwSignal::new(initial.query.q.clone().unwrap_or_default());
    let typing = Debouncer::new(SEARCH_DELAY);
    let change = move |edit: Box<dyn FnOnce(&mut DeskParams)>| {
        let mut next = params.get_untracked();
        edit(&mut next);
        next.query = next.query.normalized();
        if next != params.get_untracked() {
            go.run(next);
        }
    };
    let apply_search = move || {
        typing.cancel();
        let text = search.get_untracked();
        change(Box::new(move |p| p.query.q = Some(text)));
    };
    let on_search = move |ev: ev::Event| {
        search.set(event_target_value(&ev));
        typing.call(apply_search);
    };
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        apply_search();
    };
    let on_status = move |ev: ev::Event| {
        let status = parse_status(&event_target_value(&ev));
        change(Box::new(move |p| p.query.status = status));
    };
    let on_from = move |ev: ev::Event| {
        let from = Some(event_target_value(&ev));
        change(Box::new(move |p| p.query.from = from));
    };
    let on_to = move |ev: ev::Event| {
        let to = Some(event_target_value(&ev));
        change(Box::new(move |p| p.query.to = to));
    };
    let on_sort = move |ev: ev::Event| {
        let sort = OrderSort::from_key(&event_target_value(&ev)).unwrap_or_default();
        change(Box::new(move |p| p.query.sort = sort));
    };
    let on_dir = move |ev: ev::Event| {
        let dir = if event_target_value(&ev) == "asc" { SortDir::Asc } else { SortDir::Desc };
        change(Box::new(move |p| p.query.dir = dir));
    };
    let query = move || params.with(|p| p.query.clone());
    let sort = move || params.with(|p| p.query.sort);
    let status_options = move || {
        Suspend::new(async move {
            let counts = counts.await.unwrap_or_default();
            OrderStatus::ALL
                .into_iter()
                .map(|status| {
                    let label = match counts.iter().find(|c| c.status == status) {
                        Some(c) => format!("{status} ({})", thousands(c.count)),
                        None => status.to_string(),
                    };
                    view! {
                        <option value=status_key(status) selected=move || query().status == Some(status)>
                            {label}
                        </option>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <form class="desk-filters" method="get" action="/admin" role="search" aria-label="Order filters" on:submit=on_submit>
            <div class="filter search-filter">
                <label for="order-search">"Search orders"</label>
                <input
                    id="order-search"
                    type="search"
                    name="q"
                    placeholder="Order number, name or email"
                    value=initial.query.q.clone().unwrap_or_default()
                    on:input=on_search
                />
            </div>
            <div class="filter">
                <label for="status-filter">"Status filter"</label>
                <select id="status-filter" name="status" on:change=on_status>
                    <option value="" selected=move || query().status.is_none()>
                        "All statuses"
                    </option>
                    <Transition fallback=|| ()>{status_options}</Transition>
                </select>
            </div>
            <div class="filter">
                <label for="filter-from">"From"</label>
                <input id="filter-from" type="date" name="from" value=initial.query.from.clone().unwrap_or_default() on:change=on_from />
            </div>
            <div class="filter">
                <label for="filter-to">"To"</label>
                <input id="filter-to" type="date" name="to" value=initial.query.to.clone().unwrap_or_default() on:change=on_to />
            </div>
            <div class="filter">
                <label for="sort-by">"Sort by"</label>
                <select id="sort-by" name="sort" on:change=on_sort>
                    {OrderSort::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key() selected=move || sort() == s>{sort_label(s)}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="sort-dir">"Order"</label>
                <select id="sort-dir" name="dir" on:change=on_dir>
                    {[SortDir::Desc, SortDir::Asc]
                        .into_iter()
                        .map(|d| {
                            view! {
                                <option value=dir_key(d) selected=move || query().dir == d>
                                    {move || dir_label(sort(), d)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {keep_params(&initial, &["q", "status", "from", "to", "sort", "dir"])}
            // For a browser without JavaScript; hidden once hydrated.
            <button type="submit" class="no-js-only">
                "Apply"
            </button>
            // The same orders as a file; `rel="external"` leaves the click to the browser.
            <a class="button export-csv" rel="external" href=move || params.with(|p| p.href().replacen("/admin", "/admin/orders.csv", 1))>"Export CSV"</a>
        </form>
    }
}
