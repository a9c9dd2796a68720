//! The checkout page.

use super::api::{checkout_quote, new_checkout_key, PlaceOrder};
use super::card::test_cards;
use super::model::{Quote, CHECKOUT_FORM};
use crate::account::api::list_addresses;
use crate::account::model::Address;
use crate::auth::use_auth;
use crate::cart::ui::use_cart;
use crate::error::AppError;
use crate::ui::form::{feedback_for, field_message, form_error, take_form_feedback, Field, FormAlert, FormFeedback};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/checkout`
#[component]
pub fn CheckoutPage() -> impl IntoView {
    let auth = use_auth();
    let place = use_cart().place_order;
    // Created once for the page, outside the Suspense below, whose children
    // may be built more than once: resources created in there ran twice,
    // and the second `take_form_feedback` found the feedback already taken
    // (the form came back empty after a failed post without JavaScript).
    let key = Resource::new(|| (), |_| new_checkout_key());
    let addresses = Resource::new(|| (), |_| list_addresses());
    // What the form left when it was last posted without JavaScript (or
    // before the page had hydrated): its error and what was typed.
    let feedback = Resource::new(|| (), |_| take_form_feedback());
    // The summary's quote is a resource of the page too, never made inside
    // the suspense: a resource made after an await gets its place in the
    // page's order of resources from whichever await the server finished
    // first, and the browser would then hydrate it with another resource's
    // data (seen under load as a hydration panic on this page).
    let ship = ShipChoice { chosen: RwSignal::new(None), new_country: RwSignal::new(None) };
    let quote = Resource::new(
        move || (ship.chosen.get(), ship.new_country.get()),
        move |(chosen, new_country)| async move {
            if auth.user.await?.is_none() {
                return Err(AppError::Unauthorized);
            }
            let saved = addresses.await.unwrap_or_default();
            let typed = feedback_for(feedback.await, CHECKOUT_FORM);
            checkout_quote(ship_country(&saved, typed.as_ref(), chosen, new_country)).await
        },
    );
    view! {
        <Title text="Checkout" />
        <h1>"Checkout"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                // Every resource is awaited, guests included: one left
                // pending would run on after the response, outside the
                // request it needs.
                let (user, key, saved, feedback) = (auth.user.await, key.await, addresses.await, feedback.await);
                match user {
                    Ok(Some(_)) => {
                        let feedback = feedback_for(feedback, CHECKOUT_FORM);
                        view! { <CheckoutFields place key=key.unwrap_or_default() saved=saved.unwrap_or_default() feedback ship quote /> }
                            .into_any()
                    }
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

/// The fields that show their own errors; any other error is announced at
/// the top of the form.
const FIELDS: &[&str] =
    &["full_name", "line1", "line2", "city", "region", "postal_code", "country", "phone", "card_number"];

/// What the customer picked to ship to, until they pick: `None` is what
/// the page started with (see [`ship_country`]).
#[derive(Clone, Copy)]
struct ShipChoice {
    /// The chosen saved address's id, or "" for a new one.
    chosen: RwSignal<Option<String>>,
    /// The new address's country as typed.
    new_country: RwSignal<Option<String>>,
}

/// The saved address chosen at first: the one of a refused post, else the
/// first saved one, else "" (a new address).
fn first_choice(saved: &[Address], typed: Option<&FormFeedback>) -> String {
    typed
        .and_then(|f| f.value("address_id"))
        .unwrap_or_else(|| saved.first().map(|a| a.id.to_string()).unwrap_or_default())
}

/// The new address's country at first: the one of a refused post, else US.
fn first_new_country(typed: Option<&FormFeedback>) -> String {
    typed.and_then(|f| f.value("country")).unwrap_or_else(|| "US".to_string())
}

/// The country the order ships to: the chosen saved address's, else the
/// new address's.
fn ship_country(saved: &[Address], typed: Option<&FormFeedback>, chosen: Option<String>, new_country: Option<String>) -> String {
    let choice = chosen.unwrap_or_else(|| first_choice(saved, typed));
    saved
        .iter()
        .find(|a| a.id.to_string() == choice)
        .map(|a| a.country.clone())
        .unwrap_or_else(|| new_country.unwrap_or_else(|| first_new_country(typed)))
}

/// The summary's quote, a resource of the page.
type QuoteResource = Resource<Result<Quote, AppError>>;

#[component]
fn CheckoutFields(
    place: ServerAction<PlaceOrder>,
    key: String,
    saved: Vec<Address>,
    feedback: Option<FormFeedback>,
    ship: ShipChoice,
    quote: QuoteResource,
) -> impl IntoView {
    let error = form_error(place, feedback.as_ref());
    let default_choice = first_choice(&saved, feedback.as_ref());
    let default_country = first_new_country(feedback.as_ref());
    let typed = move |field: &str| feedback.as_ref().and_then(|f| f.value(field));
    let chosen = ship.chosen;
    let new_address = NewAddress::from_typed(&typed);
    let saved = StoredValue::new(saved);
    let choice = Memo::new(move |_| chosen.get().unwrap_or_else(|| default_choice.clone()));
    let card_error = field_message(error, "card_number");
    view! {
        <ActionForm action=place attr:class="checkout" attr:aria-label="Checkout">
            <FormAlert error fields=FIELDS />
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
                <NewAddressFields
                    hidden=Signal::derive(move || !choice.get().is_empty())
                    new_country=ship.new_country
                    default_country
                    typed=new_address
                    error
                />
            </fieldset>
            <QuoteView quote />
            <fieldset>
                <legend>"Payment"</legend>
                <div class="field" class:invalid=move || card_error.read().is_some()>
                    <label for="card-number">"Card number"</label>
                    // Never refilled after a failure: the number is not kept.
                    <input
                        id="card-number"
                        name="card_number"
                        inputmode="numeric"
                        autocomplete="cc-number"
                        required
                        aria-invalid=move || card_error.read().is_some().then_some("true")
                        aria-describedby=move || card_error.read().is_some().then_some("card-number-error")
                    />
                    {move || {
                        card_error
                            .get()
                            .map(|message| view! { <p role="alert" class="field-error" id="card-number-error">{message}</p> })
                    }}
                </div>
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

/// What was typed into the new-address fields before a failed post.
#[derive(Clone, Default)]
struct NewAddress {
    full_name: Option<String>,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    region: Option<String>,
    postal_code: Option<String>,
    phone: Option<String>,
}

impl NewAddress {
    fn from_typed(typed: &impl Fn(&str) -> Option<String>) -> Self {
        NewAddress {
            full_name: typed("full_name"),
            line1: typed("line1"),
            line2: typed("line2"),
            city: typed("city"),
            region: typed("region"),
            postal_code: typed("postal_code"),
            phone: typed("phone"),
        }
    }
}

#[component]
fn NewAddressFields(
    hidden: Signal<bool>,
    new_country: RwSignal<Option<String>>,
    default_country: String,
    typed: NewAddress,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let country_error = field_message(error, "country");
    view! {
        <div class="new-address" class:hidden=hidden>
            <Field label="Full name" name="full_name" id="ship-full-name" autocomplete="name" value=typed.full_name.unwrap_or_default() error=field_message(error, "full_name") />
            <Field label="Address line 1" name="line1" id="ship-line1" autocomplete="address-line1" value=typed.line1.unwrap_or_default() error=field_message(error, "line1") />
            <Field label="Address line 2" name="line2" id="ship-line2" autocomplete="address-line2" value=typed.line2.unwrap_or_default() error=field_message(error, "line2") />
            <Field label="City" name="city" id="ship-city" autocomplete="address-level2" value=typed.city.unwrap_or_default() error=field_message(error, "city") />
            <Field label="Region" name="region" id="ship-region" autocomplete="address-level1" value=typed.region.unwrap_or_default() error=field_message(error, "region") />
            <Field label="Postal code" name="postal_code" id="ship-postal-code" autocomplete="postal-code" value=typed.postal_code.unwrap_or_default() error=field_message(error, "postal_code") />
            <div class="field" class:invalid=move || country_error.read().is_some()>
                <label for="ship-country">"Country"</label>
                <input
                    id="ship-country"
                    name="country"
                    maxlength="2"
                    autocomplete="country"
                    value=move || new_country.get().unwrap_or_else(|| default_country.clone())
                    on:input=move |ev| new_country.set(Some(event_target_value(&ev).to_uppercase()))
                    aria-invalid=move || country_error.read().is_some().then_some("true")
                    aria-describedby=move || country_error.read().is_some().then_some("ship-country-error")
                />
                {move || {
                    country_error
                        .get()
                        .map(|message| view! { <p role="alert" class="field-error" id="ship-country-error">{message}</p> })
                }}
            </div>
            <Field label="Phone" name="phone" id="ship-phone" kind="tel" autocomplete="tel" value=typed.phone.unwrap_or_default() error=field_message(error, "phone") />
        </div>
    }
}

/// Items, shipping and total for the cart shipped where the customer chose.
#[component]
fn QuoteView(quote: QuoteResource) -> impl IntoView {
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
