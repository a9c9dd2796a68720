//! The cart in the page: shared state, the header's cart link, the
//! product page's "Add to cart" form and the cart page.

use super::api::{get_cart, AddToCart, RemoveFromCart, UpdateCart};
use super::model::{forms, Cart, CartLine};
use crate::auth::use_auth;
use crate::checkout::api::PlaceOrder;
use crate::error::AppError;
use crate::ui::form::{feedback_for, form_error, form_notice, take_form_feedback, FormFeedback};
use leptos::prelude::*;
use leptos_meta::Title;

/// The cart and the actions that change it, provided once for the app.
#[derive(Clone, Copy)]
pub struct CartContext {
    pub add: ServerAction<AddToCart>,
    pub update: ServerAction<UpdateCart>,
    pub remove: ServerAction<RemoveFromCart>,
    /// Checkout lives here because placing an order empties the cart.
    pub place_order: ServerAction<PlaceOrder>,
    /// Re-fetched after every cart action, after an order, and whenever the
    /// user changes (signing in merges the guest cart).
    pub cart: Resource<Result<Cart, AppError>>,
}

/// Creates the [`CartContext`]; call after `provide_auth`.
pub fn provide_cart() {
    let auth = use_auth();
    let add = ServerAction::<AddToCart>::new();
    let update = ServerAction::<UpdateCart>::new();
    let remove = ServerAction::<RemoveFromCart>::new();
    let place_order = ServerAction::<PlaceOrder>::new();
    let cart = Resource::new(
        move || {
            (add.version().get(), update.version().get(), remove.version().get(), place_order.version().get(), auth.generation())
        },
        |_| get_cart(),
    );
    provide_context(CartContext { add, update, remove, place_order, cart });
}

/// The [`CartContext`] from context.
pub fn use_cart() -> CartContext {
    expect_context::<CartContext>()
}

/// The header's link to the cart with its item count.
#[component]
pub fn CartLink() -> impl IntoView {
    let cart = use_cart().cart;
    view! {
        <a href="/cart" class="cart-link">
            <Transition fallback=|| "Cart (0)">
                {move || Suspend::new(async move {
                    let count = cart.await.map_or(0, |c| c.item_count);
                    format!("Cart ({count})")
                })}
            </Transition>
        </a>
    }
}

/// "Add to cart" for the chosen variant of a product. `feedback` is what
/// the form left when it was last posted without JavaScript.
#[component]
pub fn AddToCartForm(
    #[prop(into)] sku: Signal<String>,
    #[prop(into)] in_stock: Signal<bool>,
    feedback: Option<FormFeedback>,
) -> impl IntoView {
    let add = use_cart().add;
    let feedback = feedback.filter(|f| f.form == forms::ADD_TO_CART);
    let error = form_error(add, feedback.as_ref());
    let added = form_notice(add, feedback.as_ref(), "Added to cart.");
    let quantity = feedback.as_ref().and_then(|f| f.value("quantity")).unwrap_or_else(|| "1".into());
    view! {
        <ActionForm action=add attr:class="add-to-cart">
            <input type="hidden" name="sku" value=sku />
            <label for="add-quantity">"Quantity"</label>
            <input id="add-quantity" type="number" name="quantity" value=quantity min="1" max="99" inputmode="numeric" />
            <button type="submit" disabled=move || !in_stock.get()>
                "Add to cart"
            </button>
        </ActionForm>
        {move || error.get().map(|err| view! { <p role="alert" class="form-error">{err.to_string()}</p> })}
        {move || added.get().map(|notice| view! { <p role="status">{notice}</p> })}
    }
}

/// `/cart`
#[component]
pub fn CartPage() -> impl IntoView {
    let cart = use_cart();
    let feedback = Resource::new(|| (), |_| take_form_feedback());
    view! {
        <Title text="Your cart" />
        <h1>"Your cart"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                let feedback = feedback.await.ok().flatten();
                view! { <CartFeedback feedback /> }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Loading your cart…"</p> }>
            {move || Suspend::new(async move {
                match cart.cart.await {
                    Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(cart) if cart.lines.is_empty() => {
                        view! {
                            <p>"Your cart is empty."</p>
                            <p>
                                <a href="/">"Continue shopping"</a>
                            </p>
                        }
                            .into_any()
                    }
                    Ok(cart) => view! { <CartContents cart /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The outcome of the last change to the cart: from the action once
/// hydrated, from the session after a post without JavaScript.
#[component]
fn CartFeedback(feedback: Option<FormFeedback>) -> impl IntoView {
    let cart = use_cart();
    let update = feedback_for(Ok(feedback.clone()), forms::UPDATE_CART);
    let remove = feedback_for(Ok(feedback), forms::REMOVE_FROM_CART);
    let update_error = form_error(cart.update, update.as_ref());
    let remove_error = form_error(cart.remove, remove.as_ref());
    let notice = form_notice(cart.update, update.as_ref(), "Your cart was updated.");
    let removed = form_notice(cart.remove, remove.as_ref(), "Removed from your cart.");
    view! {
        {move || {
            update_error
                .get()
                .or_else(|| remove_error.get())
                .map(|err| view! { <p role="alert" class="form-error">{err.to_string()}</p> })
        }}
        {move || notice.get().or_else(|| removed.get()).map(|text| view! { <p role="status">{text}</p> })}
    }
}

#[component]
fn CartContents(cart: Cart) -> impl IntoView {
    view! {
        <ul class="cart-lines" role="list" aria-label="Cart items">
            {cart.lines.into_iter().map(|line| view! { <CartLineView line /> }).collect_view()}
        </ul>
        <p class="cart-subtotal">{format!("Subtotal: {}", cart.subtotal)}</p>
        <p class="muted">"Shipping is calculated at checkout."</p>
        <a class="button" href="/checkout">"Checkout"</a>
    }
}

#[component]
fn CartLineView(line: CartLine) -> impl IntoView {
    let actions = use_cart();
    let item = format!("{} ({})", line.product_name, line.variant_label);
    let quantity_id = format!("quantity-{}", line.sku);
    let line_total = line.line_total().to_string();
    let short_stock = (line.quantity > line.available).then(|| format!("Only {} left in stock.", line.available));
    let (quantity_label, update_label, remove_label) =
        (format!("Quantity of {item}"), format!("Update {item}"), format!("Remove {item}"));
    let CartLine { sku, product_slug, product_name, variant_label, unit_price, quantity, image, .. } = line;
    let update_sku = sku.clone();
    view! {
        <li>
            <article class="cart-line">
                {image.map(|image| view! { <img src=image.url alt="" width="80" height="80" /> })}
                <div>
                    <h2 class="card-title">
                        <a href=format!("/p/{product_slug}")>{product_name}</a>
                    </h2>
                    <p>{variant_label} " · " {unit_price.to_string()} " each"</p>
                    {short_stock.map(|message| view! { <p role="alert">{message}</p> })}
                </div>
                <ActionForm action=actions.update attr:class="inline-form">
                    <input type="hidden" name="sku" value=update_sku />
                    <label for=quantity_id.clone()>{quantity_label}</label>
                    <input id=quantity_id type="number" name="quantity" min="0" max="99" value=quantity.to_string() />
                    <button type="submit" aria-label=update_label>"Update"</button>
                </ActionForm>
                <ActionForm action=actions.remove attr:class="inline-form">
                    <input type="hidden" name="sku" value=sku />
                    <button type="submit" aria-label=remove_label>"Remove"</button>
                </ActionForm>
                <p class="price">{line_total}</p>
            </article>
        </li>
    }
}
