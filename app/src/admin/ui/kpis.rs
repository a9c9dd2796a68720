//! The KPI cards and their period picker.

use super::format::{average_delivery, revenue, thousands};
use super::params::DeskParams;
use crate::admin::model::{KpiPeriod, Kpis};
use super::{Debouncer, REFRESH_DELAY};
use crate::error::AppError;
use crate::live::topic::Topic;
use crate::live::ui::use_live_topic;
use leptos::prelude::*;

/// Hidden copies of the URL's other parameters, so that a form submitted
/// without JavaScript keeps them.
pub(super) fn keep_params(params: &DeskParams, except: &[&str]) -> impl IntoView {
    params
        .pairs()
        .into_iter()
        .filter(|(key, _)| !except.contains(key))
        .map(|(key, value)| view! { <input type="hidden" name=key value=value /> })
        .collect_view()
}

/// "Total orders", "Active shipments", "Revenue" and "Average delivery
/// time" for the period the URL names (`period=`), read again (debounced)
/// whenever the live `kpi` topic says an order was placed or moved.
#[component]
pub(super) fn KpiCards(
    kpis: Resource<Result<Kpis, AppError>>,
    period: Memo<KpiPeriod>,
    /// Called with the period picked.
    choose: Callback<KpiPeriod>,
    params: Memo<DeskParams>,
) -> impl IntoView {
    let reread = Debouncer::new(REFRESH_DELAY);
    use_live_topic(Topic::Kpi, None, move |_| reread.call(move || kpis.refetch()), move || kpis.refetch());
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(period) = KpiPeriod::from_key(&event_target_value(&ev)) {
            choose.run(period);
        }
    };
    view! {
        <section class="kpis" aria-labelledby="kpi-heading">
            <div class="kpi-bar">
                <h2 id="kpi-heading">"Overview"</h2>
                <form class="period-form" method="get" action="/admin">
                    <label for="kpi-period">"Period"</label>
                    <select id="kpi-period" name="period" on:change=on_change>
                        {KpiPeriod::ALL
                            .into_iter()
                            .map(|p| view! { <option value=p.key() selected=move || period.get() == p>{p.label()}</option> })
                            .collect_view()}
                    </select>
                    {keep_params(&params.get_untracked(), &["period"])}
                    // For a browser without JavaScript; hidden once hydrated.
                    <button type="submit" class="no-js-only">
                        "Show"
                    </button>
                </form>
            </div>
            <Transition fallback=|| view! { <p>"Loading figures…"</p> }>
                {move || Suspend::new(async move {
                    match kpis.await {
                        Ok(kpis) => view! { <Cards kpis /> }.into_any(),
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Cards(kpis: Kpis) -> impl IntoView {
    let cards = [
        ("kpi-total", "Total orders", thousands(kpis.total_orders)),
        ("kpi-active", "Active shipments", thousands(kpis.active_shipments)),
        ("kpi-revenue", "Revenue", revenue(&kpis.revenue)),
        ("kpi-delivery", "Average delivery time", average_delivery(&kpis)),
    ];
    view! {
        <div class="kpi-cards">
            {cards
                .into_iter()
                .map(|(id, title, value)| {
                    view! {
                        <article class="kpi" aria-labelledby=id>
                            <h3 id=id>{title}</h3>
                            <p class="kpi-value">{value}</p>
                        </article>
                    }
                })
                .collect_view()}
        </div>
    }
}
