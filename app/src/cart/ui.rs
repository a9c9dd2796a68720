//! The cart in the page: shared state, the header's cart link, the
//! product page's "Add to cart" form and the cart page.

use super::api::{get_cart, AddToCart, RemoveFromCart, UpdateCart};
use super::model::{Cart, CartLine};
use crate::account::ui::use_auth;
use crate::checkout::api::PlaceOrder;
use crate::error::AppError;
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

/// An action's last error, for a `role="alert"` next to its form.
pub fn action_error<T, V>(value: V) -> impl Fn() -> Option<String> + Copy
where
    V: With<Value = Option<Result<T, AppError>>> + Copy + 'static,
{
    move || value.with(|last| last.as_ref().and_then(|result| result.as_ref().err()).map(ToString::to_string))
}

/// "Add to cart" for the chosen variant of a product.
#[component]
pub fn AddToCartForm(#[prop(into)] sku: Signal<String>, #[prop(into)] in_stock: Signal<bool>) -> impl IntoView {
    let add = use_cart().add;
    let error = action_error(add.value());
    let added = move || matches!(add.value().get(), Some(Ok(_)));
    view! {
        <ActionForm action=add attr:class="add-to-cart">
            <input type="hidden" name="sku" value=sku />
            <label for="add-quantity">"Quantity"</label>
            <input id="add-quantity" type="number" name="quantity" value="1" min="1" max="99" inputmode="numeric" />
            <button type="submit" disabled=move || !in_stock.get()>
                "Add to cart"
            </button>
        </ActionForm>
        {move || error().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
        {move || added().then(|| view! { <p role="status">"Added to cart."</p> })}
    }
}

/// `/cart`
#[component]
pub fn CartPage() -> impl IntoView {
    let cart = use_cart();
    let update_error = action_error(cart.update.value());
    view! {
        <Title text="Your cart" />
        <h1>"Your cart"</h1>
        {move || update_error().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
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
