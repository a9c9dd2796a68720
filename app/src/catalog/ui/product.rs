//! The product page: gallery, variant picker, stock and reviews.

use crate::cart::ui::AddToCartForm;
use crate::catalog::api::get_product;
use crate::catalog::model::ProductDetail;
use crate::error::AppError;
use crate::reviews::model::rated_text;
use crate::reviews::ui::{ProductReviews, Reviews};
use crate::ui::form::{take_form_feedback, FormFeedback};
use crate::ui::not_found::NotFound;
use crate::wishlist::ui::WishlistToggle;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/p/{slug}?variant={sku}`
#[component]
pub fn ProductPage() -> impl IntoView {
    let path_params = use_params_map();
    let query_params = use_query_map();
    let slug = Memo::new(move |_| path_params.read().get("slug").unwrap_or_default());
    let product = Resource::new(move || slug.get(), get_product);
    // What "Add to cart" left when it was posted without JavaScript.
    let feedback = Resource::new(|| (), |_| take_form_feedback());
    // Here, before anything is awaited, like every resource of the page.
    let reviews = Reviews::new(slug);
    let selected_sku = Signal::derive(move || query_params.read().get("variant"));
    view! {
        <Suspense fallback=|| view! { <p>"Loading product…"</p> }>
            {move || Suspend::new(async move {
                let feedback = feedback.await.ok().flatten();
                match product.await {
                    Ok(product) => view! { <ProductView product selected_sku feedback reviews /> }.into_any(),
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProductView(
    product: ProductDetail,
    selected_sku: Signal<Option<String>>,
    feedback: Option<FormFeedback>,
    reviews: Reviews,
) -> impl IntoView {
    let rated = rated_text(&product.rating);
    let review_feedback = feedback.clone();
    let product = StoredValue::new(product);
    let chosen = Memo::new(move |_| {
        product.with_value(|p| p.pick_variant(selected_sku.read().as_deref()).cloned())
    });
    let price_text = move || chosen.read().as_ref().map(|v| format!("Price: {}", v.price)).unwrap_or_default();
    let stock_text = move || chosen.read().as_ref().map_or_else(|| "Out of stock".to_string(), |v| v.stock_text());
    let p = product.get_value();
    let category_href = format!("/c/{}", p.category.slug);
    let variant_links = p
        .variants
        .iter()
        .map(|variant| {
            let sku = variant.sku.clone();
            let href = format!(
                "/p/{}?{}",
                p.slug,
                form_urlencoded::Serializer::new(String::new()).append_pair("variant", &variant.sku).finish()
            );
            let is_chosen = Memo::new(move |_| chosen.read().as_ref().is_some_and(|v| v.sku == sku));
            view! {
                <a
                    href=href
                    class="variant"
                    class:chosen=is_chosen
                    class:sold-out=variant.stock == 0
                    aria-current=move || is_chosen.get().then_some("true")
                    title=variant.stock_text()
                >
                    {variant.label.clone()}
                </a>
            }
        })
        .collect_view();
    view! {
        <Title text=p.name.clone() />
        <Meta name="description" content=p.description.clone() />
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li>
                    <a href="/">"Home"</a>
                </li>
                <li>
                    <a href=category_href>{p.category.name.clone()}</a>
                </li>
                <li>
                    <a href=format!("/p/{}", p.slug) aria-current="page">{p.name.clone()}</a>
                </li>
            </ol>
        </nav>
        <article class="product">
            <div class="gallery">
                {p
                    .images
                    .iter()
                    .map(|image| {
                        view! { <img src=image.url.clone() alt=image.alt.clone() width="400" height="400" /> }
                    })
                    .collect_view()}
            </div>
            <div class="product-info">
                <h1>{p.name.clone()}</h1>
                <p class="seller">"Sold by " {p.seller.clone()}</p>
                <p class="rating">{rated}</p>
                <section aria-label="Purchase options" class="purchase">
                    <p class="price">{price_text}</p>
                    <p class="stock" class:out=move || chosen.read().as_ref().is_none_or(|v| v.stock == 0)>
                        {stock_text}
                    </p>
                    <fieldset class="variants">
                        <legend>"Choose a variant"</legend>
                        {variant_links}
                    </fieldset>
                    <AddToCartForm
                        sku=Signal::derive(move || chosen.read().as_ref().map(|v| v.sku.clone()).unwrap_or_default())
                        in_stock=Signal::derive(move || chosen.read().as_ref().is_some_and(|v| v.stock > 0))
                        feedback
                    />
                    <WishlistToggle slug=p.slug.clone() name=p.name.clone() guest_hint=true />
                </section>
                <p class="description">{p.description.clone()}</p>
                <ul class="tags" aria-label="Tags">
                    {p.tags.iter().map(|tag| view! { <li>{tag.clone()}</li> }).collect_view()}
                </ul>
            </div>
        </article>
        <ProductReviews reviews feedback=review_feedback />
    }
}
