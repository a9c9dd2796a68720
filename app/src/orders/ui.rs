//! Order history and order pages.

use super::api::{get_order, list_orders, CancelOrder};
use super::model::OrderDetail;
use crate::cart::ui::action_error;
use crate::error::AppError;
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
                    Ok(order) => view! { <OrderView order cancel /> }.into_any(),
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(AppError::Unauthorized) => sign_in_prompt("/orders"),
                    Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderView(order: OrderDetail, cancel: ServerAction<CancelOrder>) -> impl IntoView {
    let error = action_error(cancel.value());
    let title = format!("Order #{}", order.id);
    view! {
        <Title text=title.clone() />
        <h1>{title}</h1>
        <p class="order-status">{format!("Status: {}", order.status)}</p>
        {order.tracking_number.clone().map(|tracking| view! { <p>{format!("Tracking number: {tracking}")}</p> })}
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
        {order
            .status
            .cancellable()
            .then(|| {
                view! {
                    <ActionForm action=cancel>
                        <input type="hidden" name="id" value=order.id.to_string() />
                        <button type="submit">"Cancel order"</button>
                    </ActionForm>
                }
            })}
        {move || error().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
    }
}
