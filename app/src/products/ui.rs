//! `/admin/products` and `/seller/products`: the product list with search
//! and pages, and the editor for a product, its variants and their stock.
//!
//! The server functions decide what each person may see and change (a
//! seller only their own products); these pages only choose what to show.

use super::api::{list_products, product_editor_choices, DeleteImage, MoveImage, SetImageAlt, load_product, SaveProduct, SaveVariant};
use super::model::{
    Choice, EditorChoices, FieldError, ImageDetail, ProductDetail, ProductDraft, ProductPage, ProductQuery, VariantDetail, VariantDraft,
};
use crate::auth::{use_auth, CurrentUser, Role};
use crate::error::AppError;
use crate::inventory::model::live_topic;
use crate::inventory::ui::{short_time, LowStock, LowStockPanel, StockPanel};
use crate::live::ui::use_live_topic;
use crate::money::{format_amount, parse_amount, Money};
use crate::orders::seller::{seller_orders, SellerSales};
use crate::ui::forbidden::Forbidden;
use crate::ui::form::{action_error, hydrated, take_form_feedback, PageFeedback, PostedOutcome};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};

/// Where the pages live: under `/admin` for admins, `/seller` for sellers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Admin,
    Seller,
}

impl Area {
    /// The area of the current URL.
    fn current() -> Area {
        if use_location().pathname.get_untracked().starts_with("/seller") {
            Area::Seller
        } else {
            Area::Admin
        }
    }

    fn products(self) -> &'static str {
        match self {
            Area::Admin => "/admin/products",
            Area::Seller => "/seller/products",
        }
    }

    fn may_enter(self, user: &CurrentUser) -> bool {
        match self {
            Area::Admin => user.holds(Role::Admin),
            Area::Seller => user.holds(Role::Seller),
        }
    }
}

/// The navigation of an area's pages.
#[component]
pub fn AreaNav(area: Area) -> impl IntoView {
    match area {
        Area::Admin => view! {
            <nav aria-label="Admin">
                <a href="/admin">"Orders"</a> " " <a href="/admin/products">"Products"</a> " " <a href="/admin/categories">"Categories"</a> " "
                <a href="/admin/jobs">"Jobs"</a> " " <a href="/admin/support">"Support"</a>
            </nav>
        }
        .into_any(),
        Area::Seller => view! {
            <nav aria-label="Seller">
                <a href="/seller">"Dashboard"</a> " " <a href="/seller/products">"Products"</a> " "
                <a href="/seller/analytics">"Analytics"</a>
            </nav>
        }
        .into_any(),
    }
}

/// Shows `page` to a signed-in person who may enter `area`; a sign-in
/// prompt or "Not allowed" to anyone else.
#[component]
fn Gate(area: Area, next: String, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) if area.may_enter(&user) => children.with_value(|c| c()).into_any(),
                        Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                        Ok(None) => {
                            view! {
                                <h1>"Sign in"</h1>
                                <p>
                                    "Please " <a href=format!("/sign-in?next={next}")>"sign in"</a>
                                    " with a staff or seller account to manage products."
                                </p>
                            }
                                .into_any()
                        }
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// `/admin/products`, `/seller/products`.
#[component]
pub fn ProductsPage() -> impl IntoView {
    let area = Area::current();
    let url = use_query_map();
    let query = Memo::new(move |_| {
        url.with(|map| ProductQuery {
            q: map.get("q").unwrap_or_default(),
            page: map.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    });
    // At the page's top, not inside the gate's suspense (see
    // `ProductEditorPage`).
    let page = Resource::new(move || query.get(), list_products);
    view! {
        <Title text="Products" />
        <Gate area next=area.products().to_string()>
            <ProductList area query page />
        </Gate>
    }
}

#[component]
fn ProductList(area: Area, query: Memo<ProductQuery>, page: Resource<Result<ProductPage, AppError>>) -> impl IntoView {
    view! {
        <div class="desk products">
            <header class="desk-header">
                <h1>"Products"</h1>
                <AreaNav area />
                <a class="button" href=format!("{}/new", area.products())>"New product"</a>
                <a class="button" rel="external" href=move || format!("{}.csv?q={}", area.products(), form_urlencoded::byte_serialize(query.get().q.as_bytes()).collect::<String>())>"Export CSV"</a>
            </header>
            <form method="get" action=area.products() class="product-search" role="search">
                <label for="product-q">"Search products"</label>
                <input id="product-q" name="q" type="search" value=move || query.get().q />
                <button type="submit">"Search"</button>
            </form>
            <Transition fallback=|| view! { <p>"Loading products…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(list) => view! { <ProductTable area list query=query.get_untracked() on_change=move || page.refetch() /> }.into_any(),
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ProductTable(area: Area, list: ProductPage, query: ProductQuery, on_change: impl Fn() + Clone + 'static) -> impl IntoView {
    // Other people's edits and sales show without a reload.
    let reread = on_change.clone();
    use_live_topic(live_topic(list.seller), None, move |_| reread(), on_change);
    let empty = list.products.is_empty();
    let rows = list
        .products
        .into_iter()
        .map(|p| {
            view! {
                <tr>
                    <th scope="row">
                        <a href=format!("{}/{}", area.products(), p.id)>{p.name}</a>
                    </th>
                    <td>{p.category}</td>
                    <td>{p.seller}</td>
                    <td>{if p.active { "Active" } else { "Archived" }}</td>
                    <td class="num">{p.variants}</td>
                    <td class="num">{p.stock}</td>
                    <td class="num">{(p.low > 0).then(|| format!("{} low", p.low))}</td>
                </tr>
            }
        })
        .collect_view();
    let link = move |page: u64| {
        let params = form_urlencoded::Serializer::new(String::new()).append_pair("q", &query.q).append_pair("page", &page.to_string()).finish();
        format!("{}?{params}", area.products())
    };
    view! {
        <table class="product-table">
            <caption>{format!("{} products", list.total)}</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Category"</th>
                    <th scope="col">"Seller"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Variants"</th>
                    <th scope="col">"Stock"</th>
                    <th scope="col">"Low stock"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {empty.then(|| view! { <p>"No products match."</p> })}
        <nav aria-label="Pages" class="pager">
            {(list.page > 1).then(|| view! { <a href=link(list.page - 1)>"Previous"</a> })}
            <span>{format!(" Page {} of {} ", list.page, list.pages.max(1))}</span>
            {(list.page < list.pages).then(|| view! { <a href=link(list.page + 1)>"Next"</a> })}
        </nav>
    }
}

/// `/seller`: a seller's low-stock alerts, with links to their products.
#[component]
pub fn SellerPage() -> impl IntoView {
    // At the page's top, not inside the gate's suspense (see
    // `ProductEditorPage`).
    let low_stock = LowStock::new(use_auth().user);
    let orders = Resource::new(|| (), |_| seller_orders());
    view! {
        <Title text="Seller dashboard" />
        <Gate area=Area::Seller next="/seller".to_string()>
            <SellerDashboard low_stock orders />
        </Gate>
    }
}

#[component]
fn SellerDashboard(low_stock: LowStock, orders: Resource<Result<SellerSales, AppError>>) -> impl IntoView {
    view! {
        <div class="desk seller">
            <header class="desk-header">
                <h1>"Seller dashboard"</h1>
                <AreaNav area=Area::Seller />
            </header>
            <LowStockPanel stock=low_stock />
            <SellerOrderLines orders />
        </div>
    }
}

/// `/admin/products/new`, `/admin/products/:id` and the seller's twins.
#[component]
pub fn ProductEditorPage() -> impl IntoView {
    let area = Area::current();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok())));
    let next = use_location().pathname.get_untracked();
    // Both resources are made here, at the page's top, before anything is
    // awaited. Made after an await (inside the gate's Suspense), their
    // place in the page's order of resources would depend on which await
    // the server finished first: under load the browser then matched the
    // server's data to the wrong resource, failed to hydrate, and fetched
    // the feedback again after the server had taken it away.
    let feedback = Resource::new(|| (), |_| take_form_feedback());
    let reload = RwSignal::new(0u32);
    let loaded: Loaded = Resource::new(
        move || (id.get(), reload.get()),
        |(id, _)| async move {
            let choices = product_editor_choices().await?;
            let product = match id {
                Some(id) => Some(load_product(id).await?),
                None => None,
            };
            Ok((choices, product))
        },
    );
    view! {
        <Title text="Edit product" />
        <Gate area next>
            // Saving a new product moves to its own address: a new editor.
            {move || view! { <Editor area id=id.get() loaded reload feedback /> }}
        </Gate>
    }
}

/// What the editor shows: the choices, and the product unless it is new.
type Loaded = Resource<Result<(EditorChoices, Option<ProductDetail>), AppError>>;

#[component]
fn Editor(area: Area, id: Option<i32>, loaded: Loaded, reload: RwSignal<u32>, feedback: PageFeedback) -> impl IntoView {
    let title = if id.is_some() { "Edit product" } else { "New product" };
    view! {
        <div class="desk product-editor">
            <header class="desk-header">
                <h1>{title}</h1>
                <AreaNav area />
                <a href=area.products()>"All products"</a>
            </header>
            <Transition fallback=|| view! { <p>"Loading the product…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok((choices, product)) => {
                            view! { <EditorView area choices product reload feedback /> }.into_any()
                        }
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn EditorView(
    area: Area,
    choices: EditorChoices,
    product: Option<ProductDetail>,
    reload: RwSignal<u32>,
    feedback: PageFeedback,
) -> impl IntoView {
    let id = product.as_ref().map(|p| p.id);
    let draft = product.as_ref().map(|p| p.draft.clone()).unwrap_or_default();
    let product_images = product.as_ref().map(|p| p.images.clone()).unwrap_or_default();
    let variants = product.map(|p| p.variants).unwrap_or_default();
    let seller = if area == Area::Seller { choices.sellers.first().map(|s| s.id) } else { None };
    let default_threshold = choices.default_threshold;
    let images = product_images;
    view! {
        <ProductForm area id draft choices />
        {id.map(|product| view! { <ImagesEditor product images=images.clone() reload feedback /> })}
        {id.map(|product| {
            view! {
                <section class="variants" aria-labelledby="variants-heading">
                    <h2 id="variants-heading">"Variants"</h2>
                    {variants
                        .into_iter()
                        .map(|variant| view! { <VariantEditor product variant=Some(variant) seller default_threshold reload /> })
                        .collect_view()}
                    <h3>"Add a variant"</h3>
                    <VariantEditor product variant=None seller default_threshold reload />
                </section>
            }
        })}
    }
}

/// A field's error from the last save, and the ones the form found itself.
fn message_for(problems: RwSignal<Vec<FieldError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || problems.with(|all| all.iter().find(|p| p.field == field).map(|p| p.message.clone())))
}

fn problems_of(err: &AppError) -> Vec<FieldError> {
    match err {
        AppError::Validation { field, message } => vec![FieldError { field: field.clone(), message: message.clone() }],
        _ => Vec::new(),
    }
}

fn other_error(err: &AppError) -> Option<String> {
    (!matches!(err, AppError::Validation { .. })).then(|| err.to_string())
}

/// A labelled text input bound to `value`, with its error beneath.
#[component]
fn TextField(
    label: &'static str,
    id: String,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:invalid=move || error.read().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
            <input
                id=id
                type=kind
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.read().is_some().then_some("true")
                aria-describedby=move || error.read().is_some().then(|| described.clone())
            />
            {move || error.get().map(|m| view! { <p role="alert" class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

fn options(choices: &[Choice], chosen: i32) -> impl IntoView {
    choices
        .iter()
        .map(|c| view! { <option value=c.id.to_string() selected=c.id == chosen>{c.name.clone()}</option> })
        .collect_view()
}

#[component]
fn ProductForm(area: Area, id: Option<i32>, draft: ProductDraft, choices: EditorChoices) -> impl IntoView {
    let save = ServerAction::<SaveProduct>::new();
    let name = RwSignal::new(draft.name.clone());
    let slug = RwSignal::new(draft.slug.clone());
    let description = RwSignal::new(draft.description.clone());
    let tags = RwSignal::new(draft.tags.clone());
    let category = RwSignal::new(if draft.category > 0 { draft.category } else { choices.categories.first().map_or(0, |c| c.id) });
    let active = RwSignal::new(draft.active || id.is_none());
    let seller = RwSignal::new(draft.seller.or_else(|| choices.sellers.first().map(|s| s.id)));
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let ready = hydrated();
    let navigate = use_navigate();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(detail)) => {
            problems.set(Vec::new());
            failure.set(None);
            saved.set(true);
            slug.set(detail.draft.slug.clone());
            if id.is_none() {
                navigate(&format!("{}/{}", area.products(), detail.id), Default::default());
            }
        }
        Some(Err(err)) => {
            saved.set(false);
            problems.set(problems_of(&err));
            failure.set(other_error(&err));
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = ProductDraft {
            name: name.get(),
            slug: slug.get(),
            description: description.get(),
            category: category.get(),
            tags: tags.get(),
            active: active.get(),
            seller: seller.get(),
        };
        // Everything the form can tell by itself, at once; the server
        // checks again and adds what only it knows (a slug taken).
        let found = draft.normalized().problems();
        saved.set(false);
        if found.is_empty() {
            save.dispatch(SaveProduct { id, draft });
        }
        problems.set(found);
    };
    let categories = choices.categories.clone();
    let sellers = choices.sellers.clone();
    let category_error = message_for(problems, "category");
    let description_error = message_for(problems, "description");
    view! {
        <form class="product-form" aria-label="Product" on:submit=on_submit novalidate>
            <fieldset disabled=move || !ready.get()>
            <TextField label="Name" id="product-name".into() value=name error=message_for(problems, "name") />
            <TextField
                label="Slug"
                id="product-slug".into()
                value=slug
                error=message_for(problems, "slug")
                hint="The product's address: /p/slug. Leave it empty to make it from the name."
            />
            <div class="field" class:invalid=move || description_error.read().is_some()>
                <label for="product-description">"Description"</label>
                <textarea
                    id="product-description"
                    rows="5"
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                ></textarea>
                {move || description_error.get().map(|m| view! { <p role="alert" class="field-error">{m}</p> })}
            </div>
            <div class="field" class:invalid=move || category_error.read().is_some()>
                <label for="product-category">"Category"</label>
                <select
                    id="product-category"
                    on:change=move |ev| category.set(event_target_value(&ev).parse().unwrap_or(0))
                >
                    {options(&categories, category.get_untracked())}
                </select>
                {move || category_error.get().map(|m| view! { <p role="alert" class="field-error">{m}</p> })}
            </div>
            <TextField label="Tags" id="product-tags".into() value=tags error=message_for(problems, "tags") hint="Separated by commas." />
            <div class="field">
                <label for="product-status">"Status"</label>
                <select id="product-status" on:change=move |ev| active.set(event_target_value(&ev) == "active")>
                    <option value="active" selected=active.get_untracked()>"Active"</option>
                    <option value="archived" selected=!active.get_untracked()>"Archived"</option>
                </select>
            </div>
            {(area == Area::Admin).then(|| {
                let seller_error = message_for(problems, "seller");
                view! {
                    <div class="field">
                        <label for="product-seller">"Seller"</label>
                        <select id="product-seller" on:change=move |ev| seller.set(event_target_value(&ev).parse().ok())>
                            {options(&sellers, seller.get_untracked().unwrap_or(0))}
                        </select>
                        {move || seller_error.get().map(|m| view! { <p role="alert" class="field-error">{m}</p> })}
                    </div>
                }
            })}
            {move || failure.get().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
            <p role="status">{move || saved.get().then_some("Product saved.")}</p>
            <button type="submit" disabled=move || save.pending().get()>
                "Save product"
            </button>
            </fieldset>
        </form>
    }
}

#[component]
fn VariantEditor(
    product: i32,
    variant: Option<VariantDetail>,
    seller: Option<i32>,
    default_threshold: i32,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let save = ServerAction::<SaveVariant>::new();
    let id = variant.as_ref().map(|v| v.id);
    let draft = variant
        .as_ref()
        .map(|v| v.draft.clone())
        .unwrap_or(VariantDraft { low_stock_threshold: Some(default_threshold), ..VariantDraft::default() });
    let key = id.map_or_else(|| "new".to_string(), |id| id.to_string());
    let sku = RwSignal::new(draft.sku.clone());
    let label = RwSignal::new(draft.label.clone());
    let options_text = RwSignal::new(draft.options.clone());
    let price = RwSignal::new(if id.is_some() { format_amount(draft.price_cents) } else { String::new() });
    let threshold = RwSignal::new(draft.low_stock_threshold.map(|t| t.to_string()).unwrap_or_default());
    let stock = RwSignal::new("0".to_string());
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let ready = hydrated();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            problems.set(Vec::new());
            failure.set(None);
            saved.set(true);
            if id.is_none() {
                reload.update(|n| *n += 1);
            }
        }
        Some(Err(err)) => {
            saved.set(false);
            problems.set(problems_of(&err));
            failure.set(other_error(&err));
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let mut found = Vec::new();
        let price_cents = parse_amount(&price.get()).unwrap_or_else(|err| {
            found.push(FieldError { field: "price".into(), message: format!("The price {err}.") });
            0
        });
        let low_stock_threshold = threshold.get().trim().parse::<i32>().unwrap_or_else(|_| {
            found.push(FieldError { field: "low_stock_threshold".into(), message: "Enter a whole number.".into() });
            0
        });
        let starting = stock.get().trim().parse::<i32>().unwrap_or_else(|_| {
            found.push(FieldError { field: "stock".into(), message: "Enter a whole number.".into() });
            0
        });
        let low_stock_threshold = Some(low_stock_threshold);
        let draft = VariantDraft { sku: sku.get(), label: label.get(), options: options_text.get(), price_cents, low_stock_threshold };
        let more: Vec<FieldError> =
            draft.normalized().problems().into_iter().filter(|p| !found.iter().any(|f| f.field == p.field)).collect();
        found.extend(more);
        if found.is_empty() {
            save.dispatch(SaveVariant { product, id, draft, stock: if id.is_none() { starting } else { 0 } });
        }
        problems.set(found);
    };
    let name = if id.is_some() { format!("Variant {}", draft.sku) } else { "New variant".to_string() };
    view! {
        <article class="variant" aria-label=name>
            <form class="variant-form" on:submit=on_submit novalidate>
                <fieldset disabled=move || !ready.get()>
                <TextField label="SKU" id=format!("sku-{key}") value=sku error=message_for(problems, "sku") />
                <TextField label="Variant name" id=format!("label-{key}") value=label error=message_for(problems, "label") />
                <TextField label="Options" id=format!("options-{key}") value=options_text error=message_for(problems, "options") />
                <TextField label="Price" id=format!("price-{key}") value=price error=message_for(problems, "price") />
                <TextField
                    label="Low-stock threshold"
                    id=format!("threshold-{key}")
                    value=threshold
                    kind="number"
                    error=message_for(problems, "low_stock_threshold")
                />
                {id.is_none().then(|| {
                    view! {
                        <TextField label="Starting stock" id="stock-new".into() value=stock kind="number" error=message_for(problems, "stock") />
                    }
                })}
                {move || failure.get().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
                <p role="status">{move || saved.get().then_some("Variant saved.")}</p>
                <button type="submit" disabled=move || save.pending().get()>
                    {if id.is_some() { "Save variant" } else { "Add variant" }}
                </button>
                </fieldset>
            </form>
            // Drawn in the browser only, once the editor is live: the stock
            // form and its history need the live socket to mean anything,
            // and hydrating them in place failed on a server-drawn copy.
            {variant.map(|v| {
                let sku = v.draft.sku.clone();
                move || ready.get().then(|| view! { <StockPanel variant=v.id sku=sku.clone() stock=v.stock seller=seller /> })
            })}
        </article>
    }
}

/// The latest order lines of the seller's products, and their figures.
#[component]
fn SellerOrderLines(orders: Resource<Result<SellerSales, AppError>>) -> impl IntoView {
    view! {
        <section class="seller-orders" aria-labelledby="seller-orders-heading">
            <h2 id="seller-orders-heading">"Your orders"</h2>
            <Transition fallback=|| view! { <p>"Loading orders…"</p> }>
                {move || Suspend::new(async move {
                    match orders.await {
                        Ok(orders) => view! { <SellerOrdersView orders /> }.into_any(),
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SellerOrdersView(orders: SellerSales) -> impl IntoView {
    let currency = orders.lines.first().map(|l| l.line_total.currency).unwrap_or_default();
    let figures = [
        ("Paid orders", orders.orders.to_string()),
        ("Units sold", orders.units.to_string()),
        ("Revenue", Money::new(orders.revenue_cents, currency).to_string()),
    ];
    let empty = orders.lines.is_empty();
    let rows = orders
        .lines
        .into_iter()
        .map(|line| {
            view! {
                <tr>
                    <th scope="row">{format!("#{}", line.order)}</th>
                    <td>{short_time(&line.placed_at)}</td>
                    <td>{line.status.to_string()}</td>
                    <td>{format!("{} — {}", line.product_name, line.variant_label)}</td>
                    <td>{line.sku}</td>
                    <td class="num">{line.quantity}</td>
                    <td class="num">{line.line_total.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <dl class="seller-figures">
            {figures
                .into_iter()
                .map(|(term, value)| view! { <dt>{term}</dt> <dd>{value}</dd> })
                .collect_view()}
        </dl>
        <table class="seller-lines">
            <caption>"Order lines of your products"</caption>
            <thead>
                <tr>
                    <th scope="col">"Order"</th>
                    <th scope="col">"Placed"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Item"</th>
                    <th scope="col">"SKU"</th>
                    <th scope="col">"Quantity"</th>
                    <th scope="col">"Total"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {empty.then(|| view! { <p>"No orders of your products yet."</p> })}
    }
}

/// A product's images: each with its alt text, order and *Delete image*,
/// and the upload form. The upload is a plain multipart form post
/// (`POST /api/products/{id}/images`), which works with or without
/// JavaScript: the server sends the browser back here with the outcome.
#[component]
fn ImagesEditor(product: i32, images: Vec<ImageDetail>, reload: RwSignal<u32>, feedback: PageFeedback) -> impl IntoView {
    let set_alt = ServerAction::<SetImageAlt>::new();
    let shift = ServerAction::<MoveImage>::new();
    let delete = ServerAction::<DeleteImage>::new();
    Effect::new(move |_| {
        let changed = set_alt.version().get() + shift.version().get() + delete.version().get();
        if changed > 0 {
            reload.update(|n| *n += 1);
        }
    });
    let refusal = move || {
        [action_error(set_alt.value())(), action_error(shift.value())(), action_error(delete.value())()].into_iter().flatten().next()
    };
    let count = images.len();
    let rows = images
        .into_iter()
        .enumerate()
        .map(|(at, image)| {
            let id = image.id.to_string();
            let (id_alt, id_earlier, id_later) = (id.clone(), id.clone(), id.clone());
            let alt_id = format!("alt-{}", image.id);
            let label = format!("Image {} of {count}", at + 1);
            let (earlier, later, remove) = (format!("Move {label} earlier"), format!("Move {label} later"), format!("Delete {label}"));
            let alt = image.alt.clone();
            view! {
                <li class="image-item" aria-label=label>
                    <img src=image.url alt=image.alt width="96" height="96" />
                    <ActionForm action=set_alt attr:class="image-alt">
                        <input type="hidden" name="id" value=id_alt.clone() />
                        <label for=alt_id.clone()>"Alt text"</label>
                        <input id=alt_id.clone() name="alt" type="text" maxlength="200" value=alt.clone() />
                        <button type="submit">"Save alt text"</button>
                    </ActionForm>
                    <ActionForm action=shift>
                        <input type="hidden" name="id" value=id_earlier.clone() />
                        <input type="hidden" name="earlier" value="true" />
                        <button type="submit" disabled=at == 0 aria-label=earlier.clone()>"Move earlier"</button>
                    </ActionForm>
                    <ActionForm action=shift>
                        <input type="hidden" name="id" value=id_later.clone() />
                        <input type="hidden" name="earlier" value="false" />
                        <button type="submit" disabled=at + 1 == count aria-label=later.clone()>"Move later"</button>
                    </ActionForm>
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class="danger" aria-label=remove.clone()>"Delete image"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="images" aria-labelledby="images-heading">
            <h2 id="images-heading">"Images"</h2>
            {(count == 0).then(|| view! { <p>"No images yet: the shop shows a placeholder."</p> })}
            <ul class="image-list">{rows}</ul>
            {move || refusal().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
            <form
                class="image-upload"
                aria-label="Upload an image"
                method="post"
                enctype="multipart/form-data"
                action=format!("/api/products/{product}/images")
            >
                <div class="field">
                    <label for="image-file">"Image"</label>
                    <p class="hint">"PNG, JPEG or WebP, at most 5 MB."</p>
                    <input id="image-file" name="image" type="file" accept="image/png,image/jpeg,image/webp" required />
                </div>
                <div class="field">
                    <label for="image-alt">"Alt text"</label>
                    <input id="image-alt" name="alt" type="text" maxlength="200" />
                </div>
                <button type="submit">"Upload image"</button>
                <PostedOutcome feedback form=UPLOAD_FORM />
            </form>
        </section>
    }
}

/// The name an image upload's outcome is kept under (`server::images`).
pub const UPLOAD_FORM: &str = "image-upload";
