//! `/admin/categories`: the category tree with product counts, a form for a
//! new category, and per category an edit form, its image and a delete
//! button.
//!
//! The server functions decide who may change what; this page only chooses
//! what to show. After each change the storefront's category menu is
//! reloaded too, so the shop shows it at once.

use super::api::{list_admin_categories, DeleteCategory, RemoveCategoryImage, SaveCategory};
use super::model::{CategoryDraft, CategoryList, CategoryRow};
use crate::auth::{use_auth, Role};
use crate::error::AppError;
use crate::live::protocol::EventBody;
use crate::live::topic::Topic;
use crate::live::ui::use_live_topic;
use crate::products::model::FieldError;
use crate::products::ui::{AreaNav, Area};
use crate::ui::forbidden::Forbidden;
use crate::ui::form::{action_error, hydrated, take_form_feedback, PageFeedback, PostedOutcome};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/admin/categories`.
#[component]
pub fn CategoriesPage() -> impl IntoView {
    let auth = use_auth();
    // Made at the page's top, before anything is awaited, so that server
    // and browser agree on the order of the page's resources (see the
    // product editor's page). The upload's outcome is in the session once.
    let feedback = Resource::new(|| (), |_| take_form_feedback());
    let reload = RwSignal::new(0u32);
    let list = Resource::new(move || reload.get(), |_| list_admin_categories());
    view! {
        <Title text="Categories" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) if user.holds(Role::Admin) => view! { <CategoryDesk list reload feedback /> }.into_any(),
                    Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                    Ok(None) => view! {
                        <h1>"Sign in"</h1>
                        <p>
                            "Please " <a href="/sign-in?next=/admin/categories">"sign in"</a>
                            " with a staff account to manage categories."
                        </p>
                    }
                    .into_any(),
                    Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The name an image upload's outcome is kept under (`server::images`).
pub const CATEGORY_IMAGE_FORM: &str = "category-image";

/// The tree and the forms, reloaded after every change made here or (live)
/// by another admin.
#[component]
fn CategoryDesk(list: Resource<Result<CategoryList, AppError>>, reload: RwSignal<u32>, feedback: PageFeedback) -> impl IntoView {
    let storefront = crate::ui::layout::use_categories().0;
    let changed = Callback::new(move |()| {
        reload.update(|n| *n += 1);
        storefront.refetch();
    });
    use_live_topic(
        Topic::Catalog,
        None,
        move |event| {
            if matches!(event.body, EventBody::CategoryChanged { .. }) {
                changed.run(());
            }
        },
        move || changed.run(()),
    );
    // Held here, not in the form: the tree (and the form with it) is
    // redrawn on every reload, and a half-typed new category, its errors
    // and its "Saved" notice must survive that.
    let new_category = FormState::new(None, CategoryDraft::default(), changed);
    view! {
        <div class="desk categories">
            <header class="desk-header">
                <h1>"Categories"</h1>
                <AreaNav area=Area::Admin />
            </header>
            <PostedOutcome feedback form=CATEGORY_IMAGE_FORM />
            <Transition fallback=|| view! { <p>"Loading categories…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(tree) => {
                            let choices = tree.clone();
                            view! {
                                <CategoryTable tree changed />
                                <section aria-labelledby="new-category-heading">
                                    <h2 id="new-category-heading">"New category"</h2>
                                    <CategoryForm state=new_category label="New category".into() choices />
                                </section>
                            }
                            .into_any()
                        }
                        Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn CategoryTable(tree: CategoryList, changed: Callback<()>) -> impl IntoView {
    let name_of = |id: Option<i32>| id.and_then(|id| tree.categories.iter().find(|c| c.id == id)).map(|c| c.name.clone());
    let empty = tree.categories.is_empty();
    let rows = tree
        .categories
        .iter()
        .map(|row| view! { <CategoryRowView row=row.clone() parent_name=name_of(row.parent) choices=tree.clone() changed /> })
        .collect_view();
    view! {
        <table class="category-table">
            <caption>{format!("{} categories", tree.categories.len())}</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Slug"</th>
                    <th scope="col">"Products"</th>
                    <th scope="col">"Parent"</th>
                    <th scope="col">"Image"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {empty.then(|| view! { <p>"No categories yet."</p> })}
    }
}

#[component]
fn CategoryRowView(row: CategoryRow, parent_name: Option<String>, choices: CategoryList, changed: Callback<()>) -> impl IntoView {
    let editing = RwSignal::new(false);
    let delete = ServerAction::<DeleteCategory>::new();
    // The page is a lazy route: its buttons work once its chunk has
    // hydrated them, which can be after the rest of the page.
    let ready = hydrated();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            changed.run(());
        }
    });
    let delete_error = move || delete.value().with(|last| last.as_ref().and_then(|r| r.as_ref().err()).map(ToString::to_string));
    let id = row.id;
    let name = row.name.clone();
    let draft = CategoryDraft { name: row.name.clone(), slug: row.slug.clone(), description: row.description.clone(), parent: row.parent };
    let state = FormState::new(Some(id), draft, changed);
    // Inline styles are refused by the shop's CSP: the depth shows as a
    // prefix that screen readers skip (the Parent column says it in words).
    let indent = "— ".repeat(row.depth as usize);
    let form_label = format!("Edit {name}");
    view! {
        <tr>
            <th scope="row">
                <span aria-hidden="true">{indent}</span>
                <a href=format!("/c/{}", row.slug)>{row.name.clone()}</a>
            </th>
            <td>{row.slug.clone()}</td>
            <td class="num">{row.products}</td>
            <td>{parent_name.unwrap_or_else(|| "—".into())}</td>
            <td>
                {match row.image.clone() {
                    Some(src) => view! { <img class="category-thumb" src=src alt=format!("Image of {name}") width="48" height="48" /> }.into_any(),
                    None => view! { "None" }.into_any(),
                }}
            </td>
            <td>
                <button
                    type="button"
                    aria-expanded=move || editing.get().to_string()
                    disabled=move || !ready.get()
                    on:click=move |_| editing.update(|open| *open = !*open)
                >
                    {format!("Edit {name}")}
                </button>
                " "
                <button
                    type="button"
                    aria-label=format!("Delete {name}")
                    disabled=move || !ready.get() || delete.pending().get()
                    on:click=move |_| {
                        delete.dispatch(DeleteCategory { id });
                    }
                >
                    "Delete"
                </button>
                {move || delete_error().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
            </td>
        </tr>
        {move || {
            editing.get().then(|| {
                let label = form_label.clone();
                let choices = choices.clone();
                let (image, name) = (row.image.clone(), row.name.clone());
                view! {
                    <tr class="category-editor">
                        <td colspan="6">
                            <CategoryForm state label choices />
                            <CategoryImage id name image changed />
                        </td>
                    </tr>
                }
            })
        }}
    }
}

/// A category's image: the upload form (a plain multipart post to
/// `POST /api/categories/{id}/image`, which sends the browser back here
/// with the outcome) and *Remove image* while it has one.
#[component]
fn CategoryImage(id: i32, name: String, image: Option<String>, changed: Callback<()>) -> impl IntoView {
    let remove = ServerAction::<RemoveCategoryImage>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = remove.value().get() {
            changed.run(());
        }
    });
    let file_id = format!("category-{id}-image");
    view! {
        <section class="category-image-editor" aria-label=format!("Image of {name}")>
            {image.map(|src| {
                view! {
                    <img src=src alt=format!("Image of {name}") width="160" height="90" />
                    <ActionForm action=remove>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class="danger">"Remove image"</button>
                    </ActionForm>
                }
            })}
            {move || action_error(remove.value())().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
            <form method="post" enctype="multipart/form-data" action=format!("/api/categories/{id}/image") aria-label="Upload a category image">
                <div class="field">
                    <label for=file_id.clone()>"Category image"</label>
                    <p class="hint">"PNG, JPEG or WebP, at most 5 MB. Shown at the top of the category's page."</p>
                    <input id=file_id name="image" type="file" accept="image/png,image/jpeg,image/webp" required />
                </div>
                <button type="submit">"Upload image"</button>
            </form>
        </section>
    }
}

/// A category form's typed values, errors and outcome, with the action
/// that saves it; owned by whatever outlives the form's redraws.
#[derive(Clone, Copy)]
struct FormState {
    id: Option<i32>,
    name: RwSignal<String>,
    slug: RwSignal<String>,
    description: RwSignal<String>,
    parent: RwSignal<Option<i32>>,
    problems: RwSignal<Vec<FieldError>>,
    failure: RwSignal<Option<String>>,
    saved: RwSignal<Option<String>>,
    save: ServerAction<SaveCategory>,
}

impl FormState {
    /// The state of a form for category `id` (`None`: a new one) starting
    /// from `draft`; `changed` runs after each successful save. A new
    /// category's form is emptied once saved.
    fn new(id: Option<i32>, draft: CategoryDraft, changed: Callback<()>) -> FormState {
        let state = FormState {
            id,
            name: RwSignal::new(draft.name),
            slug: RwSignal::new(draft.slug),
            description: RwSignal::new(draft.description),
            parent: RwSignal::new(draft.parent),
            problems: RwSignal::new(Vec::new()),
            failure: RwSignal::new(None),
            saved: RwSignal::new(None),
            save: ServerAction::<SaveCategory>::new(),
        };
        Effect::new(move |_| match state.save.value().get() {
            Some(Ok(row)) => {
                state.problems.set(Vec::new());
                state.failure.set(None);
                state.saved.set(Some(format!("Saved {}.", row.name)));
                if id.is_none() {
                    state.name.set(String::new());
                    state.slug.set(String::new());
                    state.description.set(String::new());
                    state.parent.set(None);
                }
                changed.run(());
            }
            Some(Err(err)) => {
                state.saved.set(None);
                match err {
                    AppError::Validation { field, message } => {
                        state.problems.set(vec![FieldError { field, message }]);
                        state.failure.set(None);
                    }
                    other => {
                        state.problems.set(Vec::new());
                        state.failure.set(Some(other.to_string()));
                    }
                }
            }
            None => {}
        });
        state
    }

    fn draft(self) -> CategoryDraft {
        CategoryDraft { name: self.name.get(), slug: self.slug.get(), description: self.description.get(), parent: self.parent.get() }
    }
}

fn message_for(problems: RwSignal<Vec<FieldError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || problems.with(|all| all.iter().find(|p| p.field == field).map(|p| p.message.clone())))
}

/// A labelled control with its error beneath, tied to it for screen readers.
#[component]
fn FieldBox(label: &'static str, id: String, error: Signal<Option<String>>, #[prop(optional)] hint: Option<&'static str>, children: Children) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.read().is_some()>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
            {children()}
            {move || error.get().map(|m| view! { <p role="alert" class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// Creates or edits a category. The form checks what it can itself, the
/// server the rest (a taken slug, a loop); each error shows next to its
/// field and everything typed stays.
#[component]
fn CategoryForm(state: FormState, label: String, choices: CategoryList) -> impl IntoView {
    let FormState { id, name, slug, description, parent, problems, failure, saved, save } = state;
    let ready = hydrated();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = state.draft();
        let found = draft.normalized().problems();
        saved.set(None);
        if found.is_empty() {
            save.dispatch(SaveCategory { id, draft });
        }
        problems.set(found);
    };
    let prefix = id.map_or_else(|| "new-category".to_string(), |id| format!("category-{id}"));
    let field_id = move |field: &str| format!("{prefix}-{field}");
    let (name_id, slug_id, description_id, parent_id) = (field_id("name"), field_id("slug"), field_id("description"), field_id("parent"));
    let (name_error, slug_error, description_error, parent_error) =
        (message_for(problems, "name"), message_for(problems, "slug"), message_for(problems, "description"), message_for(problems, "parent"));
    let described = |error: Signal<Option<String>>, id: &str| {
        let error_id = format!("{id}-error");
        move || error.read().is_some().then(|| error_id.clone())
    };
    // A category cannot move under itself or below: those are left out of
    // its choices (the server refuses them anyway).
    let excluded = id.map(|id| choices.subtree(id)).unwrap_or_default();
    let options = choices
        .categories
        .into_iter()
        .filter(|c| !excluded.contains(&c.id))
        .map(|c| {
            let text = format!("{}{}", "— ".repeat(c.depth as usize), c.name);
            view! { <option value=c.id.to_string() selected=move || parent.get() == Some(c.id)>{text}</option> }
        })
        .collect_view();
    view! {
        <form class="category-form" aria-label=label on:submit=on_submit novalidate>
            <fieldset disabled=move || !ready.get()>
                <FieldBox label="Name" id=name_id.clone() error=name_error>
                    <input
                        id=name_id.clone()
                        type="text"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                        aria-invalid=move || name_error.read().is_some().then_some("true")
                        aria-describedby=described(name_error, &name_id)
                    />
                </FieldBox>
                <FieldBox
                    label="Slug"
                    id=slug_id.clone()
                    error=slug_error
                    hint="The category's address: /c/slug. Leave it empty to make it from the name."
                >
                    <input
                        id=slug_id.clone()
                        type="text"
                        prop:value=move || slug.get()
                        on:input=move |ev| slug.set(event_target_value(&ev))
                        aria-invalid=move || slug_error.read().is_some().then_some("true")
                        aria-describedby=described(slug_error, &slug_id)
                    />
                </FieldBox>
                <FieldBox label="Description" id=description_id.clone() error=description_error>
                    <textarea
                        id=description_id.clone()
                        rows="3"
                        prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))
                        aria-invalid=move || description_error.read().is_some().then_some("true")
                        aria-describedby=described(description_error, &description_id)
                    ></textarea>
                </FieldBox>
                <FieldBox label="Parent" id=parent_id.clone() error=parent_error>
                    <select
                        id=parent_id.clone()
                        on:change=move |ev| parent.set(event_target_value(&ev).parse().ok())
                        aria-invalid=move || parent_error.read().is_some().then_some("true")
                        aria-describedby=described(parent_error, &parent_id)
                    >
                        <option value="" selected=move || parent.get().is_none()>"None (top level)"</option>
                        {options}
                    </select>
                </FieldBox>
                {move || failure.get().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
                <p role="status">{move || saved.get()}</p>
                <button type="submit" disabled=move || save.pending().get()>
                    {if id.is_some() { "Save category" } else { "Create category" }}
                </button>
            </fieldset>
        </form>
    }
}
