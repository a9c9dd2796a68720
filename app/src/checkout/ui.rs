//! The checkout page.

use super::api::{checkout_quote, new_checkout_key};
use super::card::test_cards;
use crate::account::api::list_addresses;
use crate::account::model::Address;
use crate::account::ui::use_auth;
use crate::cart::ui::{action_error, use_cart};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/checkout`
#[component]
pub fn CheckoutPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="Checkout" />
        <h1>"Checkout"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(_)) => view! { <CheckoutForm /> }.into_any(),
                    _ => {
                        view! {
                            <p>"Please sign in to check out; your cart comes with you."</p>
                            <p>
                                <a href="/sign-in?next=/checkout">"Sign in"</a>
                                " or "
                                <a href="/sign-up?next=/checkout">"create an account"</a>
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn CheckoutForm() -> impl IntoView {
    let place = use_cart().place_order;
    let error = action_error(place.value());
    let key = Resource::new(|| (), |_| new_checkout_key());
    let addresses = Resource::new(|| (), |_| list_addresses());
    // The chosen saved address's id, or "" for a new one.
    let chosen = RwSignal::new(None::<String>);
    let new_country = RwSignal::new("US".to_string());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let key = key.await.unwrap_or_default();
                let saved = addresses.await.unwrap_or_default();
                let default_choice = saved.first().map(|a| a.id.to_string()).unwrap_or_default();
                let saved = StoredValue::new(saved);
                let choice = Memo::new(move |_| chosen.get().unwrap_or_else(|| default_choice.clone()));
                let country = Memo::new(move |_| {
                    let choice = choice.get();
                    saved.with_value(|list| list.iter().find(|a| a.id.to_string() == choice).map(|a| a.country.clone()))
                        .unwrap_or_else(|| new_country.get())
                });
                view! {
                    <ActionForm action=place attr:class="checkout" attr:aria-label="Checkout">
                        <input type="hidden" name="idempotency_key" value=key />
                        <fieldset>
                            <legend>"Ship to"</legend>
                            {saved.get_value().into_iter().map(|address| view! { <SavedAddressChoice address choice chosen /> }).collect_view()}
                            <label class="checkbox">
                                <input
                                    type="radio"
                                    name="address_id"
                                    value=""
                                    checked=move || choice.get().is_empty()
                                    on:change=move |_| chosen.set(Some(String::new()))
                                />
                                "A new address"
                            </label>
                            <NewAddressFields hidden=Signal::derive(move || !choice.get().is_empty()) new_country />
                        </fieldset>
                        <QuoteView country />
                        <fieldset>
                            <legend>"Payment"</legend>
                            <label for="card-number">"Card number"</label>
                            <input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" required />
                            <p class="muted">
                                {format!(
                                    "Test cards: {} pays, {} is declined, {} has insufficient funds.",
                                    test_cards::SUCCESS,
                                    test_cards::DECLINED,
                                    test_cards::INSUFFICIENT_FUNDS,
                                )}
                            </p>
                        </fieldset>
                        <button type="submit" disabled=move || place.pending().get()>"Place order"</button>
                    </ActionForm>
                    {move || error().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
                }
            })}
        </Suspense>
    }
}

#[component]
fn SavedAddressChoice(address: Address, choice: Memo<String>, chosen: RwSignal<Option<String>>) -> impl IntoView {
    let id = address.id.to_string();
    let value = id.clone();
    view! {
        <label class="checkbox">
            <input
                type="radio"
                name="address_id"
                value=id.clone()
                checked=move || choice.get() == id
                on:change=move |_| chosen.set(Some(value.clone()))
            />
            {address.one_line()}
        </label>
    }
}

#[component]
fn NewAddressFields(hidden: Signal<bool>, new_country: RwSignal<String>) -> impl IntoView {
    let field = |id: &'static str, name: &'static str, label: &'static str| {
        view! {
            <label for=id>{label}</label>
            <input id=id name=name />
        }
    };
    view! {
        <div class="new-address" class:hidden=hidden>
            {field("ship-full-name", "full_name", "Full name")}
            {field("ship-line1", "line1", "Address line 1")}
            {field("ship-line2", "line2", "Address line 2")}
            {field("ship-city", "city", "City")}
            {field("ship-region", "region", "Region")}
            {field("ship-postal-code", "postal_code", "Postal code")}
            <label for="ship-country">"Country"</label>
            <input
                id="ship-country"
                name="country"
                maxlength="2"
                value=move || new_country.get()
                on:input=move |ev| new_country.set(event_target_value(&ev).to_uppercase())
            />
            {field("ship-phone", "phone", "Phone")}
        </div>
    }
}

/// Items, shipping and total for the cart shipped to `country`.
#[component]
fn QuoteView(country: Memo<String>) -> impl IntoView {
    let quote = Resource::new(move || country.get(), checkout_quote);
    view! {
        <section aria-label="Order summary" class="summary-box">
            <Transition fallback=|| view! { <p>"Calculating…"</p> }>
                {move || Suspend::new(async move {
                    match quote.await {
                        Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(quote) if quote.cart.lines.is_empty() => {
                            view! { <p role="alert">"Your cart is empty."</p> }.into_any()
                        }
                        Ok(quote) => {
                            view! {
                                <ul>
                                    {quote
                                        .cart
                                        .lines
                                        .iter()
                                        .map(|line| {
                                            view! {
                                                <li>
                                                    {format!(
                                                        "{} × {} ({}) — {}",
                                                        line.quantity,
                                                        line.product_name,
                                                        line.variant_label,
                                                        line.line_total(),
                                                    )}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                <p>{format!("Subtotal: {}", quote.cart.subtotal)}</p>
                                <p>{format!("Shipping: {}", quote.shipping)}</p>
                                <p class="price">{format!("Total: {}", quote.total)}</p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
