//! A grid of product cards, used by the home page and listings.

use crate::catalog::model::ProductCard;
use crate::wishlist::ui::WishlistToggle;
use leptos::prelude::*;

/// Cards whose image loads at once: the first two rows of four, what a
/// desktop screen (Lighthouse's 1350 × 940) shows of a grid, where the
/// largest image a visitor first sees is (with four, Lighthouse still found
/// it lazy-loaded: the sixth card). The rest wait until scrolled near.
const EAGER_IMAGES: usize = 8;

/// Products as a labelled list of cards.
#[component]
pub fn ProductGrid(products: Vec<ProductCard>, label: &'static str) -> impl IntoView {
    view! {
        <ul class="product-grid" role="list" aria-label=label>
            {products
                .into_iter()
                .enumerate()
                .map(|(i, card)| view! { <li><Card card eager=i < EAGER_IMAGES /></li> })
                .collect_view()}
        </ul>
    }
}

#[component]
fn Card(card: ProductCard, eager: bool) -> impl IntoView {
    let loading = if eager { "eager" } else { "lazy" };
    let href = format!("/p/{}", card.slug);
    view! {
        <article class="card">
            {card
                .image
                .as_ref()
                .map(|image| {
                    view! {
                        <img src=image.url.clone() alt=image.alt.clone() width="240" height="240" loading=loading />
                    }
                })}
            <h2 class="card-title">
                <a href=href>{card.name.clone()}</a>
            </h2>
            <p class="price">{card.price_text()}</p>
            <p class="rating">{card.rating.describe()}</p>
            {(!card.in_stock).then(|| view! { <p class="badge">"Out of stock"</p> })}
            <WishlistToggle slug=card.slug.clone() name=card.name.clone() />
        </article>
    }
}
