//! The order table, virtualized: a fixed number of row slots, reused while
//! scrolling, over a spacer as tall as every order. Rows come from the
//! client cache (blocks of [`BLOCK`]), fetched for the viewport only.

use super::cache::{goes_on_top, wanted_blocks, Cache, Slot, Synced};
use super::format::{or_dash, order_count, short_time};
use super::{Debouncer, Desk, Editing};
use crate::admin::api::admin_orders;
use crate::admin::model::{AdminOrderRow, OrderPage, OrderQuery};
use crate::live::protocol::{EventBody, LiveEvent};
use crate::live::topic::Topic;
use crate::live::ui::use_live_topic;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Every row's height in pixels; `.order-row` in the stylesheet matches.
const ROW_HEIGHT: i32 = 40;
/// Row elements in the DOM, whatever the total: enough for the tallest
/// viewport the stylesheet allows (22 rows) and a few either side.
const SLOTS: usize = 28;
/// Rows rendered above the first visible one.
const OVERSCAN: u64 = 3;
/// Until the browser has measured it: the viewport's height in rows.
const ASSUMED_VIEWPORT_ROWS: i32 = 18;
/// How long scrolling pauses before missing blocks are fetched, so that
/// dragging the scrollbar across the table fetches only where it stops.
const FETCH_DELAY: Duration = Duration::from_millis(90);

/// The first position the slots show, for a scroll offset in pixels.
fn first_position(scroll_top: i32, total: u64) -> u64 {
    let top = u64::try_from(scroll_top.max(0) / ROW_HEIGHT).unwrap_or(0);
    top.saturating_sub(OVERSCAN).min(total.saturating_sub(SLOTS as u64))
}

/// The table for `query`, starting from its first window `page`.
#[component]
pub(super) fn OrderTable(desk: Desk, query: OrderQuery, page: OrderPage) -> impl IntoView {
    // A new table (new filters) starts from its first window, at the top.
    let generation = desk.cache.with_untracked(|c| c.generation) + 1;
    desk.cache.set(Cache::seeded(generation, &page));
    let owned = StoredValue::new(generation);
    let cache = desk.cache;
    // False once this table is gone (an answer arriving after new filters).
    let ours = move |c: &Cache| owned.try_get_value() == Some(c.generation);

    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0i32);
    let viewport = RwSignal::new(ASSUMED_VIEWPORT_ROWS * ROW_HEIGHT);
    // Styles are set through the CSSOM once hydrated: the CSP forbids
    // inline style attributes, so the server renders none.
    let mounted = RwSignal::new(false);
    let total = Memo::new(move |_| cache.with(Cache::total));
    let first = Memo::new(move |_| first_position(scroll_top.get(), total.get()));

    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            viewport.set(el.client_height());
            mounted.set(true);
        }
    });

    // Scroll events only mark a frame as due; the frame reads the offset
    // once and the slots follow, so nothing is laid out twice per frame.
    let frame_due = StoredValue::new(false);
    let on_scroll = move |_| {
        if frame_due.get_value() {
            return;
        }
        frame_due.set_value(true);
        request_animation_frame(move || {
            frame_due.try_set_value(false);
            if let Some(Some(el)) = scroller.try_get_untracked() {
                scroll_top.try_set(el.scroll_top());
                viewport.try_set(el.client_height());
            }
        });
    };

    // Fetches what the viewport needs once scrolling pauses.
    let wanted = Memo::new(move |_| {
        let (top, height) = (scroll_top.get(), viewport.get());
        cache.with(|c| {
            let blocks = wanted_blocks(f64::from(top), f64::from(height), f64::from(ROW_HEIGHT), OVERSCAN, c);
            (c.generation, c.prepended(), blocks)
        })
    });
    let retry = RwSignal::new(0u32);
    let fetcher = Debouncer::new(FETCH_DELAY);
    let window_query = StoredValue::new(query.clone());
    Effect::new(move |_| {
        let (_, _, blocks) = wanted.get();
        retry.track();
        fetcher.call(move || {
            let Some(missing) = cache.try_with_untracked(|c| if ours(c) { c.missing(&blocks) } else { Vec::new() }) else {
                return;
            };
            for block in missing {
                let Some(offset) = cache.try_update(|c| {
                    c.start_loading(block);
                    c.offset_of(block)
                }) else {
                    return;
                };
                let query = window_query.get_value().window(offset, super::params::BLOCK);
                spawn_local(async move {
                    let answer = admin_orders(query).await.ok();
                    let fits = cache.try_update(|c| !ours(c) || c.finish(block, offset, answer));
                    if fits == Some(false) {
                        retry.try_update(|n| *n = n.wrapping_add(1));
                    }
                });
            }
        });
    });

    // Live: replace changed rows in place; put new orders on top, keeping
    // what the admin is looking at where it is.
    let on_event = move |event: LiveEvent| {
        let EventBody::OrderSynced(row) = event.body else { return };
        desk.synced.try_set(Some(row.clone()));
        desk.refresh_soon();
        let on_top = goes_on_top(&window_query.get_value(), &row);
        let outcome = cache.try_update(|c| if ours(c) { c.apply_synced(&row, on_top) } else { Synced::Ignored });
        if outcome == Some(Synced::Prepended) {
            if let Some(Some(el)) = scroller.try_get_untracked() {
                let top = el.scroll_top();
                if top > 0 {
                    el.set_scroll_top(top + ROW_HEIGHT);
                    scroll_top.try_set(top + ROW_HEIGHT);
                }
            }
        }
    };
    let on_resync = move || {
        cache.try_update(|c| {
            if ours(c) {
                c.clear();
                owned.set_value(c.generation);
            }
        });
        desk.refresh_soon();
    };
    use_live_topic(Topic::Orders, Some(page.seq), on_event, on_resync);

    let px = move |pixels: i64| mounted.get().then(|| format!("{pixels}px"));
    let spacer_height = move || px(i64::try_from(total.get()).unwrap_or(i64::MAX / 64) * i64::from(ROW_HEIGHT));
    let offset = move || {
        let top = i64::try_from(first.get()).unwrap_or(0) * i64::from(ROW_HEIGHT);
        mounted.get().then(|| format!("translateY({top}px)"))
    };
    let slots = (0..SLOTS)
        .map(|slot| {
            let position = Memo::new(move |_| first.get() + slot as u64);
            let content = Memo::new(move |_| {
                let at = position.get();
                cache.with(|c| c.slot(at))
            });
            view! { <SlotRow desk position content /> }
        })
        .collect_view();

    view! {
        <p class="summary" role="status">{move || order_count(total.get())}</p>
        <div class="order-table" role="table" aria-label="Orders" aria-rowcount=move || total.get() + 1>
            <div role="rowgroup" class="order-head">
                <div role="row" class="order-row" aria-rowindex="1">
                    <div role="columnheader">"Order"</div>
                    <div role="columnheader">"Customer"</div>
                    <div role="columnheader">"Status"</div>
                    <div role="columnheader" class="num">"Total"</div>
                    <div role="columnheader">"Tracking"</div>
                    <div role="columnheader">"Updated"</div>
                    <div aria-hidden="true"></div>
                </div>
            </div>
            <div role="rowgroup" class="order-scroller" node_ref=scroller on:scroll=on_scroll>
                <div class="order-spacer" style:height=spacer_height>
                    <div class="order-rows" style:transform=offset>{slots}</div>
                </div>
            </div>
        </div>
    }
}

/// One reusable row element: its text follows whichever position it
/// shows, so scrolling changes text, never elements.
#[component]
fn SlotRow(desk: Desk, position: Memo<u64>, content: Memo<Slot>) -> impl IntoView {
    let button = NodeRef::<html::Button>::new();
    let id = move || content.with(|c| if let Slot::Row(row) = c { Some(row.id) } else { None });
    let text = move |f: fn(&AdminOrderRow) -> String| {
        move || content.with(|c| if let Slot::Row(row) = c { f(row) } else { String::new() })
    };
    let first_cell = move || match content.get() {
        Slot::Row(row) => format!("#{}", row.id),
        Slot::Loading => "Loading…".to_string(),
        Slot::Failed => "Could not load these orders.".to_string(),
        Slot::Empty => String::new(),
    };
    let edit = move |_| {
        if let Some(id) = untrack(id) {
            desk.editing.set(Some(Editing { id, opener: button }));
        }
    };
    view! {
        <div
            role="row"
            class="order-row"
            aria-rowindex=move || position.get() + 2
            hidden=move || content.with(|c| *c == Slot::Empty)
        >
            <div role="rowheader" class="order-number">{first_cell}</div>
            <div role="cell" class="customer">
                <span>{text(|r| r.customer_name.clone())}</span>
                <small>{text(|r| r.customer_email.clone())}</small>
            </div>
            <div role="cell">{text(|r| r.status.to_string())}</div>
            <div role="cell" class="num">{text(|r| r.total.to_string())}</div>
            <div role="cell">{text(|r| or_dash(r.tracking_number.as_deref()))}</div>
            <div role="cell">{text(|r| short_time(&r.updated_at))}</div>
            <div role="cell" class="row-actions">
                <button
                    type="button"
                    node_ref=button
                    hidden=move || id().is_none()
                    aria-label=move || id().map(|id| format!("Edit order #{id}"))
                    on:click=edit
                >
                    "Edit"
                </button>
            </div>
        </div>
    }
}
