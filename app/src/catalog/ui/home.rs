//! The home page: featured products and the category tree.

use super::product_card::ProductGrid;
use crate::catalog::api::get_home;
use crate::ui::layout::use_categories;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/`
#[component]
pub fn HomePage() -> impl IntoView {
    let home = Resource::new(|| (), |_| get_home());
    let categories = use_categories().0;
    view! {
        <Title text="Home" />
        <section class="hero">
            <h1>"Bazaar"</h1>
            <p>"Goods for home, wardrobe, desk and trail, from independent sellers."</p>
        </section>
        <section aria-labelledby="featured-heading">
            <h2 id="featured-heading">"Featured products"</h2>
            <Suspense fallback=|| view! { <p>"Loading products…"</p> }>
                {move || Suspend::new(async move {
                    match home.await {
                        Ok(home) => view! { <ProductGrid products=home.featured label="Featured products" /> }.into_any(),
                        Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section aria-labelledby="categories-heading">
            <h2 id="categories-heading">"Shop by category"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    categories
                        .await
                        .map(|tree| {
                            view! {
                                <ul class="category-list">
                                    {tree
                                        .roots()
                                        .map(|root| {
                                            view! {
                                                <li>
                                                    <a href=format!("/c/{}", root.slug)>{root.name.clone()}</a>
                                                    <ul>
                                                        {tree
                                                            .children(root.id)
                                                            .map(|child| {
                                                                view! {
                                                                    <li>
                                                                        <a href=format!(
                                                                            "/c/{}",
                                                                            child.slug,
                                                                        )>{child.name.clone()}</a>
                                                                    </li>
                                                                }
                                                            })
                                                            .collect_view()}
                                                    </ul>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                        })
                        .ok()
                })}
            </Suspense>
        </section>
    }
}
