//! The low-stock panel of the admin and seller dashboards, and a
//! variant's stock form and movement history in the product editor.
//!
//! Both re-read when a `STOCK_CHANGED` event arrives on the manager's
//! topic (`catalog` for admins, `seller:{id}` for a seller), so an alert
//! raised by a sale or cleared by another person's restock shows at once.

use super::api::{stock_alerts, stock_movements, AdjustStock, DismissAlert};
use super::model::{live_topic, AlertList, StockMovement};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::live::ui::use_live_topic;
use crate::ui::form::action_error;
use leptos::prelude::*;

/// "2026-12-02 15:34" from an RFC 3339 UTC timestamp.
pub(crate) fn short_time(rfc3339: &str) -> String {
    rfc3339.replacen('T', " ", 1).chars().take(16).collect()
}

/// The low-stock panel's data and its *Dismiss* action. Made at the
/// page's top by [`LowStock::new`], never inside a suspense: resources made
/// after an await get their place in the page's order of resources from
/// whichever await the server finished first, and the browser would then
/// hydrate them with another resource's data.
#[derive(Clone, Copy)]
pub struct LowStock {
    dismiss: ServerAction<DismissAlert>,
    alerts: Resource<Result<AlertList, AppError>>,
}

impl LowStock {
    /// Read for a signed-in `user` only (the server decides whose alerts,
    /// and refuses customers), so a guest's page asks for nothing.
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> Self {
        let dismiss = ServerAction::<DismissAlert>::new();
        let alerts = Resource::new(
            move || dismiss.version().get(),
            move |_| async move {
                match user.await? {
                    Some(_) => stock_alerts().await,
                    None => Err(AppError::Unauthorized),
                }
            },
        );
        LowStock { dismiss, alerts }
    }
}

/// The open low-stock alerts with their count, each with *Dismiss*: every
/// seller's on the admin desk, their own on a seller's dashboard (the
/// server decides which).
#[component]
pub fn LowStockPanel(stock: LowStock) -> impl IntoView {
    let LowStock { dismiss, alerts } = stock;
    let reread = Callback::new(move |()| alerts.refetch());
    let refusal = action_error(dismiss.value());
    view! {
        <section class="low-stock" aria-labelledby="low-stock-heading">
            <Transition fallback=|| view! { <h2 id="low-stock-heading">"Low stock"</h2> }>
                {move || Suspend::new(async move {
                    match alerts.await {
                        Ok(list) => view! { <AlertsView list dismiss reread /> }.into_any(),
                        Err(err) => {
                            view! {
                                <h2 id="low-stock-heading">"Low stock"</h2>
                                <p role="alert" class="form-error">{err.to_string()}</p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
            {move || refusal().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
        </section>
    }
}

#[component]
fn AlertsView(list: AlertList, dismiss: ServerAction<DismissAlert>, reread: Callback<()>) -> impl IntoView {
    // The list names whose alerts these are, and so the topic that
    // announces changes to them.
    use_live_topic(list.topic(), None, move |_| reread.run(()), move || reread.run(()));
    let count = list.alerts.len();
    let badge = match count {
        1 => "1 low-stock alert".to_string(),
        n => format!("{n} low-stock alerts"),
    };
    let base = if list.seller.is_some() { "/seller/products" } else { "/admin/products" };
    let rows = list
        .alerts
        .into_iter()
        .map(|alert| {
            let id = alert.id;
            let what = format!("{} — {} ({})", alert.product_name, alert.variant_label, alert.sku);
            view! {
                <li>
                    <a href=format!("{base}/{}", alert.product)>{what}</a>
                    <span class="alert-stock">{format!(" {} left, threshold {}", alert.stock, alert.threshold)}</span>
                    <ActionForm action=dismiss>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" aria-label=format!("Dismiss alert for {}", alert.sku)>
                            "Dismiss"
                        </button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <h2 id="low-stock-heading">
            "Low stock " <span class="badge" role="status" aria-label=badge.clone() data-count=count.to_string()>
                {count}
            </span>
        </h2>
        {(count == 0).then(|| view! { <p>"No variant is low on stock."</p> })}
        <ul class="alert-list" aria-label="Low-stock alerts">
            {rows}
        </ul>
    }
}

/// Variant `variant`'s stock now, a form to restock or adjust it, and its
/// movement history.
#[component]
pub fn StockPanel(variant: i32, sku: String, stock: i32, #[prop(default = None)] seller: Option<i32>) -> impl IntoView {
    let adjust = ServerAction::<AdjustStock>::new();
    let history = Resource::new(move || adjust.version().get(), move |_| stock_movements(variant));
    let current = RwSignal::new(stock);
    Effect::new(move |_| {
        if let Some(Ok(now)) = adjust.value().get() {
            current.set(now);
        }
    });
    // Sales and other people's changes to this variant.
    use_live_topic(
        live_topic(seller),
        None,
        move |event| {
            if let crate::live::protocol::EventBody::StockChanged(change) = &event.body {
                if change.variant == variant {
                    current.set(change.stock);
                    history.refetch();
                }
            }
        },
        move || history.refetch(),
    );
    let error = Signal::derive(move || adjust.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())));
    let field = move |name: &'static str| {
        Signal::derive(move || match error.get() {
            Some(AppError::Validation { field, message }) if field == name => Some(message),
            _ => None,
        })
    };
    let other = move || match error.get() {
        Some(AppError::Validation { field, .. }) if ["quantity", "note", "reason"].contains(&field.as_str()) => None,
        Some(err) => Some(err.to_string()),
        None => None,
    };
    let quantity_id = format!("quantity-{variant}");
    let reason_id = format!("reason-{variant}");
    let note_id = format!("note-{variant}");
    view! {
        <section class="stock-panel" aria-label=format!("Stock of {sku}")>
            <p class="stock-now">
                "In stock: " <strong data-testid=format!("stock-{variant}")>{move || current.get()}</strong>
            </p>
            <ActionForm action=adjust attr:class="stock-form">
                <input type="hidden" name="variant" value=variant.to_string() />
                <div class="field">
                    <label for=quantity_id.clone()>"Quantity"</label>
                    <input id=quantity_id.clone() name="quantity" type="number" required step="1" />
                    {move || field("quantity").get().map(|m| view! { <p role="alert" class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for=reason_id.clone()>"Reason"</label>
                    <select id=reason_id name="reason">
                        <option value="restock">"Restock"</option>
                        <option value="adjustment">"Adjustment"</option>
                    </select>
                </div>
                <div class="field">
                    <label for=note_id.clone()>"Note"</label>
                    <input id=note_id name="note" type="text" maxlength="500" />
                    {move || field("note").get().map(|m| view! { <p role="alert" class="field-error">{m}</p> })}
                </div>
                <button type="submit">"Apply stock change"</button>
            </ActionForm>
            {move || other().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
            <Transition fallback=|| view! { <p>"Loading the history…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(movements) => view! { <MovementTable movements /> }.into_any(),
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn MovementTable(movements: Vec<StockMovement>) -> impl IntoView {
    let rows = movements
        .into_iter()
        .map(|m| {
            let change = if m.delta > 0 { format!("+{}", m.delta) } else { m.delta.to_string() };
            view! {
                <tr>
                    <td>{short_time(&m.at)}</td>
                    <td class="num">{change}</td>
                    <td class="num">{m.stock_after}</td>
                    <td>{m.reason.label()}</td>
                    <td>{m.actor}</td>
                    <td>{m.order.map(|id| format!("Order #{id}")).unwrap_or_default()} {m.note}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="movements">
            <caption>"Stock movements"</caption>
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Change"</th>
                    <th scope="col">"Stock after"</th>
                    <th scope="col">"Reason"</th>
                    <th scope="col">"By"</th>
                    <th scope="col">"Note"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
