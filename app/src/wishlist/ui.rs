//! The wishlist page and the product page's "Add to wishlist" button.

use super::api::{get_wishlist, wishlist_slugs, AddToWishlist, MoveToCart, RemoveFromWishlist};
use crate::auth::use_auth;
use crate::cart::ui::use_cart;
use crate::catalog::model::ProductCard;
use crate::error::AppError;
use crate::ui::form::action_error;
use leptos::prelude::*;
use leptos_meta::Title;

/// The wishlist's actions and which products are on it, provided once for
/// the app so every product card and page shows the right button.
#[derive(Clone, Copy)]
pub struct WishlistContext {
    pub add: ServerAction<AddToWishlist>,
    pub remove: ServerAction<RemoveFromWishlist>,
    pub move_to_cart: ServerAction<MoveToCart>,
    /// Slugs on the wishlist; re-fetched after each action and sign-in.
    pub saved: Resource<Result<Vec<String>, AppError>>,
}

/// Creates the [`WishlistContext`]; call after `provide_auth`.
pub fn provide_wishlist() {
    let auth = use_auth();
    let add = ServerAction::<AddToWishlist>::new();
    let remove = ServerAction::<RemoveFromWishlist>::new();
    let move_to_cart = ServerAction::<MoveToCart>::new();
    let saved = Resource::new(
        move || (add.version().get(), remove.version().get(), move_to_cart.version().get(), auth.generation()),
        |_| wishlist_slugs(),
    );
    provide_context(WishlistContext { add, remove, move_to_cart, saved });
}

/// The [`WishlistContext`] from context.
pub fn use_wishlist() -> WishlistContext {
    expect_context::<WishlistContext>()
}

/// Saves or forgets a product, for signed-in customers; guests see nothing
/// (or, with `guest_hint`, a sign-in link).
#[component]
pub fn WishlistToggle(slug: String, name: String, #[prop(optional)] guest_hint: bool) -> impl IntoView {
    let auth = use_auth();
    let wishlist = use_wishlist();
    let (slug, name) = (StoredValue::new(slug), StoredValue::new(name));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let signed_in = matches!(auth.user.await, Ok(Some(_)));
                let saved = wishlist.saved.await.unwrap_or_default().contains(&slug.get_value());
                match (signed_in, saved) {
                    (false, _) => guest_hint
                        .then(|| view! { <p><a href="/sign-in">"Sign in"</a> " to save this to a wishlist."</p> })
                        .into_any(),
                    (true, false) => view! {
                        <ActionForm action=wishlist.add attr:class="inline-form">
                            <input type="hidden" name="slug" value=slug.get_value() />
                            <button type="submit" class="secondary" aria-label=format!("Save {} to wishlist", name.get_value())>
                                "Add to wishlist"
                            </button>
                        </ActionForm>
                    }
                        .into_any(),
                    (true, true) => view! {
                        <ActionForm action=wishlist.remove attr:class="inline-form">
                            <input type="hidden" name="slug" value=slug.get_value() />
                            <button type="submit" class="secondary" aria-label=format!("Remove {} from wishlist", name.get_value())>
                                "Remove from wishlist"
                            </button>
                        </ActionForm>
                    }
                        .into_any(),
                }
            })}
        </Transition>
    }
}

/// `/wishlist`
#[component]
pub fn WishlistPage() -> impl IntoView {
    let WishlistContext { remove, move_to_cart, .. } = use_wishlist();
    let cart = use_cart();
    let list = Resource::new(move || (remove.version().get(), move_to_cart.version().get()), |_| get_wishlist());
    // Moving an item changes the cart too: refresh the header's count.
    Effect::new(move |_| {
        if move_to_cart.version().get() > 0 {
            cart.cart.refetch();
        }
    });
    let error = action_error(move_to_cart.value());
    view! {
        <Title text="Your wishlist" />
        <h1>"Your wishlist"</h1>
        {move || error().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(AppError::Unauthorized) => {
                        view! { <p><a href="/sign-in?next=/wishlist">"Sign in"</a> " to see your wishlist."</p> }.into_any()
                    }
                    Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(items) if items.is_empty() => view! { <p>"Your wishlist is empty."</p> }.into_any(),
                    Ok(items) => {
                        view! {
                            <ul class="product-grid" role="list" aria-label="Wishlist">
                                {items.into_iter().map(|card| view! { <WishlistItem card remove move_to_cart /> }).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn WishlistItem(card: ProductCard, remove: ServerAction<RemoveFromWishlist>, move_to_cart: ServerAction<MoveToCart>) -> impl IntoView {
    let (move_label, remove_label) = (format!("Move {} to cart", card.name), format!("Remove {} from wishlist", card.name));
    let (move_slug, remove_slug) = (card.slug.clone(), card.slug.clone());
    view! {
        <li>
            <article class="card">
                <h2 class="card-title">
                    <a href=format!("/p/{}", card.slug)>{card.name.clone()}</a>
                </h2>
                <p class="price">{card.price_text()}</p>
                {(!card.in_stock).then(|| view! { <p class="badge">"Out of stock"</p> })}
                <ActionForm action=move_to_cart attr:class="inline-form">
                    <input type="hidden" name="slug" value=move_slug />
                    <button type="submit" aria-label=move_label disabled=!card.in_stock>"Move to cart"</button>
                </ActionForm>
                <ActionForm action=remove attr:class="inline-form">
                    <input type="hidden" name="slug" value=remove_slug />
                    <button type="submit" aria-label=remove_label>"Remove"</button>
                </ActionForm>
            </article>
        </li>
    }
}
