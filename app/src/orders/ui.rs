//! Order history and order pages.

use super::api::{get_order, list_orders, CancelOrder};
use super::model::OrderDetail;
use crate::error::AppError;
use crate::live::protocol::EventBody;
use crate::live::topic::Topic;
use crate::orders::status::OrderStatus;
use crate::live::ui::{use_live_topic, LiveIndicator};
use crate::ui::form::action_error;
use crate::ui::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn sign_in_prompt(next: &str) -> AnyView {
    view! {
        <p>
            "Please " <a href=format!("/sign-in?next={next}")>"sign in"</a> " to see your orders."
        </p>
    }
    .into_any()
}

/// `/orders`
#[component]
pub fn OrdersPage() -> impl IntoView {
    let orders = Resource::new(|| (), |_| list_orders());
    view! {
        <Title text="Your orders" />
        <h1>"Your orders"</h1>
        <Suspense fallback=|| view! { <p>"Loading your orders…"</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Err(AppError::Unauthorized) => sign_in_prompt("/orders"),
                    Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p>"You have not placed any orders yet."</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <table class="orders">
                                <caption class="visually-hidden">"Your orders, newest first"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Order"</th>
                                        <th scope="col">"Placed"</th>
                                        <th scope="col">"Items"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Total"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|order| {
                                            view! {
                                                <tr>
                                                    <th scope="row">
                                                        <a href=format!("/orders/{}", order.id)>{format!("Order #{}", order.id)}</a>
                                                    </th>
                                                    <td>{order.placed_on}</td>
                                                    <td>{order.item_count}</td>
                                                    <td>{order.status.to_string()}</td>
                                                    <td>{order.total.to_string()}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// `/orders/{id}`: only its owner sees it; anyone else gets a 404.
#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let cancel = ServerAction::<CancelOrder>::new();
    let id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i32>().ok()));
    let order = Resource::new(
        move || (id.get(), cancel.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_order(id).await,
                None => Err(AppError::NotFound("Order".into())),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading the order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(detail) => view! { <OrderView order=detail cancel reload=order /> }.into_any(),
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(AppError::Unauthorized) => sign_in_prompt("/orders"),
                    Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One order. Its status and tracking number follow the `order:{id}` topic,
/// so an admin's change shows without a reload; `reload` refetches the
/// whole order when the live channel lost events.
#[component]
fn OrderView(
    order: OrderDetail,
    cancel: ServerAction<CancelOrder>,
    reload: Resource<Result<OrderDetail, AppError>>,
) -> impl IntoView {
    let error = action_error(cancel.value());
    let title = format!("Order #{}", order.id);
    let order_id = order.id;
    let status = RwSignal::new(order.status);
    let tracking_number = RwSignal::new(order.tracking_number.clone());
    let version = RwSignal::new(order.version);
    use_live_topic(
        Topic::Order(order_id),
        Some(order.live_seq),
        move |event| {
            // The version guards against an update older than what is
            // shown, e.g. one that raced with the page's own reload.
            if let EventBody::OrderUpdated(update) = event.body {
                if update.id == order_id && update.version > version.get_untracked() {
                    version.set(update.version);
                    status.set(update.status);
                    tracking_number.set(update.tracking_number);
                }
            }
        },
        move || reload.refetch(),
    );
    view! {
        <Title text=title.clone() />
        <h1>{title}</h1>
        <LiveIndicator />
        <p class="order-status">{move || format!("Status: {}", status.get())}</p>
        {move || {
            (status.get() == OrderStatus::Pending)
                .then(|| view! { <p>"We are confirming your payment. This page updates by itself."</p> })
        }}
        {move || tracking_number.get().map(|tracking| view! { <p>{format!("Tracking number: {tracking}")}</p> })}
        <p>{format!("Placed on {}", order.placed_on)}</p>
        <table class="order-lines">
            <caption class="visually-hidden">"Items in this order"</caption>
            <thead>
                <tr>
                    <th scope="col">"Item"</th>
                    <th scope="col">"Price"</th>
                    <th scope="col">"Quantity"</th>
                    <th scope="col">"Total"</th>
                </tr>
            </thead>
            <tbody>
                {order
                    .lines
                    .iter()
                    .map(|line| {
                        view! {
                            <tr>
                                <th scope="row">{format!("{} ({})", line.product_name, line.variant_label)}</th>
                                <td>{line.unit_price.to_string()}</td>
                                <td>{line.quantity}</td>
                                <td>{line.line_total().to_string()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <p>{format!("Subtotal: {}", order.subtotal)}</p>
        <p>{format!("Shipping: {}", order.shipping)}</p>
        <p class="price">{format!("Total: {}", order.total)}</p>
        <p>{format!("Ship to: {}", order.ship_to)}</p>
        <Show when=move || status.get().cancellable()>
            <ActionForm action=cancel>
                <input type="hidden" name="id" value=order_id.to_string() />
                <button type="submit">"Cancel order"</button>
            </ActionForm>
        </Show>
        {move || error().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
        <p>
            <crate::chat::widget::AskAboutOrder id=order_id />
        </p>
    }
}
