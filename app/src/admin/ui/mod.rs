//! The desk's page, `/admin`: KPI cards over a period, the order table
//! (virtualized, filtered and sorted on the server, kept current by the
//! live `orders` topic) and the edit dialog with its conflict panel.
//!
//! Every server function behind it refuses anyone but an admin; the page
//! itself only chooses what to show: a sign-in prompt for guests and
//! "Not allowed" (HTTP 403) for other users.

mod cache;
mod dialog;
mod filters;
mod format;
mod kpis;
mod params;
mod table;

use self::params::{DeskParams, BLOCK};
use crate::admin::api::{admin_kpis, admin_order_counts, admin_orders};
use crate::admin::model::{AdminOrderRow, KpiPeriod, Kpis, OrderPage, OrderQuery, StatusCount};
use crate::auth::{use_auth, CurrentUser, Role};
use crate::error::AppError;
use crate::inventory::ui::{LowStock, LowStockPanel};
use crate::live::ui::LiveIndicator;
use crate::ui::forbidden::Forbidden;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::future::Future;
use std::time::Duration;

/// How long the KPI cards and status counts wait after a live change
/// before they are read again, so a burst of changes costs one read.
const REFRESH_DELAY: Duration = Duration::from_millis(300);

/// Runs the last of a burst of calls once, a fixed delay after it. Only
/// ever called from event handlers, i.e. in the browser.
#[derive(Clone, Copy)]
pub(crate) struct Debouncer {
    pending: StoredValue<Option<TimeoutHandle>>,
    delay: Duration,
}

impl Debouncer {
    /// A debouncer owned by the current component: a call still pending
    /// when the component goes away is dropped.
    pub fn new(delay: Duration) -> Self {
        let pending = StoredValue::new(None::<TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(handle)) = pending.try_get_value() {
                handle.clear();
            }
        });
        Debouncer { pending, delay }
    }

    /// Runs `f` after the delay, unless called again before then.
    pub fn call(&self, f: impl FnOnce() + 'static) {
        self.cancel();
        // Without a window (never in a browser) the call is skipped.
        let handle = set_timeout_with_handle(f, self.delay).ok();
        self.pending.try_set_value(handle);
    }

    /// Drops the pending call, if any.
    pub fn cancel(&self) {
        if let Some(Some(handle)) = self.pending.try_get_value() {
            handle.clear();
        }
    }
}

/// The order being edited, and the Edit button that opened the dialog
/// (focus goes back to it on close).
#[derive(Clone, Copy)]
pub(crate) struct Editing {
    pub id: i32,
    pub opener: NodeRef<html::Button>,
}

/// What the desk's parts share.
#[derive(Clone, Copy)]
pub(crate) struct Desk {
    /// The table's rows.
    pub cache: RwSignal<cache::Cache>,
    /// The latest `ORDER_SYNCED` row, for the open dialog.
    pub synced: RwSignal<Option<AdminOrderRow>>,
    /// Moves to re-read the status counts.
    pub refresh: RwSignal<u32>,
    refresher: Debouncer,
    /// The order in the edit dialog, if it is open.
    pub editing: RwSignal<Option<Editing>>,
}

impl Desk {
    /// Re-reads the status counts shortly (debounced).
    pub fn refresh_soon(&self) {
        let refresh = self.refresh;
        self.refresher.call(move || refresh.update(|n| *n = n.wrapping_add(1)));
    }
}

type User = Resource<Result<Option<CurrentUser>, AppError>>;

/// Runs `fetch` only for an admin, so other visitors cause no refused
/// requests.
async fn for_admin<T, F>(user: User, fetch: impl FnOnce() -> F) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    match user.await? {
        Some(user) if user.holds(Role::Admin) => fetch().await,
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::Unauthorized),
    }
}

/// The page's data: created once, outside the suspense that may re-run,
/// so it matches between the server render and hydration.
#[derive(Clone, Copy)]
struct DeskData {
    params: Memo<DeskParams>,
    refresh: RwSignal<u32>,
    /// The table's first window, with the query it was read for.
    first: Resource<Result<(OrderQuery, OrderPage), AppError>>,
    counts: Resource<Result<Vec<StatusCount>, AppError>>,
    kpis: Resource<Result<Kpis, AppError>>,
    low_stock: LowStock,
}

impl DeskData {
    fn new(user: User) -> Self {
        let url = use_query_map();
        let params = Memo::new(move |_| url.with(|map| DeskParams::parse(|key| map.get(key))));
        let query = Memo::new(move |_| params.with(|p| p.query.clone()));
        let period = Memo::new(move |_| params.with(|p| p.period));
        let counts_query = Memo::new(move |_| OrderQuery { status: None, ..query.get() });
        let refresh = RwSignal::new(0u32);
        let first = Resource::new(
            move || query.get(),
            move |query| async move {
                let page = for_admin(user, || admin_orders(query.window(0, BLOCK))).await?;
                Ok((query, page))
            },
        );
        let counts = Resource::new(
            move || (counts_query.get(), refresh.get()),
            move |(query, _)| for_admin(user, move || admin_order_counts(query)),
        );
        // Re-read on the live `kpi` topic (see `kpis::KpiCards`).
        let kpis = Resource::new(move || period.get(), move |period| for_admin(user, move || admin_kpis(period)));
        DeskData { params, refresh, first, counts, kpis, low_stock: LowStock::new(user) }
    }
}

/// `/admin`: the order desk, for admins only.
#[component]
pub fn AdminPage() -> impl IntoView {
    let auth = use_auth();
    let data = DeskData::new(auth.user);
    view! {
        <Title text="Order desk" />
        <Suspense fallback=|| view! { <p>"Loading the order desk…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) if user.holds(Role::Admin) => view! { <DeskView data /> }.into_any(),
                    Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <h1>"Order desk"</h1>
                            <p>
                                "Please " <a href="/sign-in?next=/admin">"sign in"</a> " with a staff account to use the order desk."
                            </p>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeskView(data: DeskData) -> impl IntoView {
    let desk = Desk {
        cache: RwSignal::new(cache::Cache::default()),
        synced: RwSignal::new(None),
        refresh: data.refresh,
        refresher: Debouncer::new(REFRESH_DELAY),
        editing: RwSignal::new(None),
    };
    let navigate = use_navigate();
    let go = Callback::new(move |params: DeskParams| {
        navigate(&params.href(), NavigateOptions { replace: true, scroll: false, ..Default::default() });
    });
    let first = data.first;
    let period = Memo::new(move |_| data.params.with(|p| p.period));
    let choose_period = Callback::new(move |period: KpiPeriod| {
        let mut params = data.params.get_untracked();
        params.period = period;
        go.run(params);
    });
    view! {
        <div class="desk">
            <header class="desk-header">
                <h1>"Order desk"</h1>
                <nav aria-label="Admin">
                    <a href="/admin/products">"Products"</a>
                    " "
                    <a href="/admin/jobs">"Jobs"</a>
                    " "
                    <a href="/admin/support">"Support"</a>
                    " "
                    <a href="/admin/analytics">"Analytics"</a>
                </nav>
                <LiveIndicator />
            </header>
            <kpis::KpiCards kpis=data.kpis period choose=choose_period params=data.params />
            <LowStockPanel stock=data.low_stock />
            <section class="desk-orders" aria-labelledby="orders-heading">
                <h2 id="orders-heading">"Orders"</h2>
                <filters::Filters params=data.params counts=data.counts go />
                <Transition fallback=|| view! { <p>"Loading orders…"</p> }>
                    {move || Suspend::new(async move {
                        match first.await {
                            Ok((query, page)) => view! { <table::OrderTable desk query page /> }.into_any(),
                            Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            {move || desk.editing.get().map(|editing| view! { <dialog::EditDialog desk editing /> })}
        </div>
    }
}
