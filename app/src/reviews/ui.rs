//! The product page's reviews: the average, "Write a review" (or a way to
//! sign in first), the sort control and the list, each review with its
//! "Helpful (N)" button and, for admins, "Hide review". Every form is an
//! `ActionForm` and the sort control a GET form, so all of it works before
//! the WASM loads (and without it).

use super::api::{list_reviews, my_review, HideReview, MarkReviewHelpful, WriteReview};
use super::model::{
    forms, rated_text, stars_label, Review, ReviewList, ReviewSort, MAX_TEXT_CHARS, MAX_TITLE_CHARS, SAVED_NOTICE,
};
use crate::auth::{use_auth, CurrentUser, Role};
use crate::error::AppError;
use crate::ui::form::{field_message, form_error, form_notice, Field, FormFeedback};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

/// The query parameter of the product page that names the review order.
const SORT_PARAM: &str = "sort";

const TITLE_HINT: &str = "One line, up to 120 characters.";
const TEXT_HINT: &str = "Up to 4000 characters.";
const _: () = assert!(MAX_TITLE_CHARS == 120 && MAX_TEXT_CHARS == 4000, "the hints state the limits");

/// The write form's fields, which show their own errors.
const FIELDS: [&str; 3] = ["rating", "title", "text"];

/// The actions of the reviews on one product page.
#[derive(Clone, Copy)]
struct ReviewActions {
    write: ServerAction<WriteReview>,
    helpful: ServerAction<MarkReviewHelpful>,
    hide: ServerAction<HideReview>,
}

/// The reviews of one product page: their actions and resources. Made at
/// the page's top by [`Reviews::new`], never inside a suspense: resources
/// made after an await get their place in the page's order of resources
/// from whichever await the server finished first, and the browser would
/// then hydrate them with another resource's data.
#[derive(Clone, Copy)]
pub struct Reviews {
    actions: ReviewActions,
    list: Resource<Result<ReviewList, AppError>>,
    mine: Resource<Result<Option<Review>, AppError>>,
    sort: Memo<ReviewSort>,
    slug: Memo<String>,
}

impl Reviews {
    /// The reviews of product `slug` (the page's route parameter).
    pub fn new(slug: Memo<String>) -> Self {
        let auth = use_auth();
        let actions =
            ReviewActions { write: ServerAction::new(), helpful: ServerAction::new(), hide: ServerAction::new() };
        let query = use_query_map();
        let sort =
            Memo::new(move |_| query.read().get(SORT_PARAM).and_then(|key| ReviewSort::from_key(&key)).unwrap_or_default());
        let list = Resource::new(
            move || {
                (
                    slug.get(),
                    sort.get(),
                    actions.write.version().get(),
                    actions.helpful.version().get(),
                    actions.hide.version().get(),
                    auth.generation(),
                )
            },
            move |(slug, sort, ..)| list_reviews(slug, sort),
        );
        // Keyed on the product and who is signed in only, so the form is
        // drawn once and keeps what was typed whatever a submission answers.
        let mine = Resource::new(move || (slug.get(), auth.generation()), move |(slug, _)| my_review(slug));
        Reviews { actions, list, mine, sort, slug }
    }
}

/// The "Reviews" section of a product's page. `feedback` is what a form
/// left when it was last posted without JavaScript.
#[component]
pub fn ProductReviews(reviews: Reviews, feedback: Option<FormFeedback>) -> impl IntoView {
    let auth = use_auth();
    let Reviews { actions, list, mine, sort, slug } = reviews;
    let feedback = StoredValue::new(feedback);
    view! {
        <section aria-labelledby="reviews-heading" class="reviews">
            <h2 id="reviews-heading">"Reviews"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    list.await.ok().map(|list| view! { <p class="rating">{rated_text(&list.rating)}</p> })
                })}
            </Transition>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let signed_in = matches!(auth.user.await, Ok(Some(_)));
                    let mine = mine.await.ok().flatten();
                    if signed_in {
                        view! {
                            <WriteReviewForm slug=slug.get_untracked() action=actions.write mine feedback=feedback.get_value() />
                        }
                            .into_any()
                    } else {
                        let next = form_urlencoded::Serializer::new(String::new())
                            .append_pair("next", &format!("/p/{}", slug.get_untracked()))
                            .finish();
                        view! {
                            <p>
                                <a href=format!("/sign-in?{next}")>"Sign in to write a review"</a>
                            </p>
                        }
                            .into_any()
                    }
                })}
            </Suspense>
            <SortControl slug=slug.get_untracked() sort />
            <VoteOutcome actions feedback=feedback.get_value() />
            <Transition fallback=|| view! { <p>"Loading reviews…"</p> }>
                {move || Suspend::new(async move {
                    let viewer = auth.user.await.ok().flatten();
                    match list.await {
                        Ok(list) if list.reviews.is_empty() => view! { <p>"Be the first to review this product."</p> }.into_any(),
                        Ok(list) => {
                            list.reviews
                                .into_iter()
                                .map(|review| view! { <ReviewItem review viewer=viewer.clone() actions /> })
                                .collect_view()
                                .into_any()
                        }
                        Err(err) => view! { <p role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Write a review": rating, title and text, filled with the customer's
/// own review when they have written one (sending again replaces it), or
/// with what they typed when a post without JavaScript was refused.
#[component]
fn WriteReviewForm(
    slug: String,
    action: ServerAction<WriteReview>,
    mine: Option<Review>,
    feedback: Option<FormFeedback>,
) -> impl IntoView {
    let feedback = feedback.filter(|f| f.form == forms::WRITE);
    let error = form_error(action, feedback.as_ref());
    let saved = form_notice(action, feedback.as_ref(), SAVED_NOTICE);
    let typed = |field: &str| feedback.as_ref().filter(|f| f.error.is_some()).and_then(|f| f.value(field));
    let rating = match typed("rating") {
        Some(stars) => stars.parse::<u8>().ok(),
        None => mine.as_ref().map(|m| m.rating),
    };
    let title = typed("title").or_else(|| mine.as_ref().map(|m| m.title.clone())).unwrap_or_default();
    let text = typed("text").or_else(|| mine.as_ref().map(|m| m.text.clone())).unwrap_or_default();
    // Any error no field shows, at the top of the form. Being over the
    // write limit gets the form's own words: the shared `TooFast` message
    // speaks of chat messages.
    let alert = move || match error.get()? {
        AppError::Validation { field, .. } if FIELDS.contains(&field.as_str()) => None,
        AppError::TooFast { retry_after_secs } => {
            Some(format!("You're writing reviews too fast. Please wait {retry_after_secs} seconds and try again."))
        }
        other => Some(other.to_string()),
    };
    let rating_error = field_message(error, "rating");
    let text_error = field_message(error, "text");
    let described = |hint: Option<&'static str>, message: Signal<Option<String>>, error_id: &'static str| {
        move || {
            let ids: Vec<&str> = [hint, message.read().as_ref().map(|_| error_id)].into_iter().flatten().collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let field_error = |message: Signal<Option<String>>, id: &'static str| {
        move || message.get().map(|message| view! { <p role="alert" class="field-error" id=id>{message}</p> })
    };
    view! {
        <section class="write-review" aria-labelledby="write-review-heading">
            <h3 id="write-review-heading">"Write a review"</h3>
            {mine
                .as_ref()
                .map(|m| {
                    view! {
                        <p class="hint">
                            {format!("You reviewed this product on {}. Submitting again replaces your review.", m.date)}
                        </p>
                    }
                })}
            {mine
                .as_ref()
                .filter(|m| m.hidden)
                .map(|_| view! { <p class="hint">"The shop has hidden your review: other customers do not see it."</p> })}
            <ActionForm action attr:class="stacked-form" attr:aria-labelledby="write-review-heading">
                {move || alert().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
                <input type="hidden" name="product" value=slug />
                <fieldset
                    class="field"
                    class:invalid=move || rating_error.read().is_some()
                    aria-describedby=described(None, rating_error, "review-rating-error")
                >
                    <legend>"Rating"</legend>
                    {(1u8..=5)
                        .map(|stars| {
                            view! {
                                <label class="checkbox">
                                    <input type="radio" name="rating" value=stars.to_string() checked={rating == Some(stars)} />
                                    {stars_label(stars)}
                                </label>
                            }
                        })
                        .collect_view()}
                    {field_error(rating_error, "review-rating-error")}
                </fieldset>
                <Field
                    label="Title"
                    name="title"
                    id="review-title"
                    value=title
                    hint=Some(TITLE_HINT)
                    error=field_message(error, "title")
                />
                <div class="field" class:invalid=move || text_error.read().is_some()>
                    <label for="review-text">"Review"</label>
                    <p class="hint" id="review-text-hint">
                        {TEXT_HINT}
                    </p>
                    <textarea
                        id="review-text"
                        name="text"
                        rows="6"
                        aria-invalid=move || text_error.read().is_some().then_some("true")
                        aria-describedby=described(Some("review-text-hint"), text_error, "review-text-error")
                    >
                        {text}
                    </textarea>
                    {field_error(text_error, "review-text-error")}
                </div>
                <button type="submit" disabled=move || action.pending().get()>
                    "Submit review"
                </button>
            </ActionForm>
            {move || saved.get().map(|notice| view! { <p role="status">{notice}</p> })}
        </section>
    }
}

/// "Sort reviews": changing it rewrites the page's address (keeping the
/// chosen variant), which re-reads the list; without JavaScript it is a
/// GET form with its own button.
#[component]
fn SortControl(slug: String, sort: Memo<ReviewSort>) -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let page = format!("/p/{slug}");
    let on_change = {
        let page = page.clone();
        move |ev: leptos::ev::Event| {
            if let Some(chosen) = ReviewSort::from_key(&event_target_value(&ev)) {
                let mut params = query.get_untracked();
                params.replace(SORT_PARAM, chosen.key().to_string());
                let to = format!("{page}{}", params.to_query_string());
                navigate(&to, NavigateOptions { replace: true, scroll: false, ..Default::default() });
            }
        }
    };
    let variant = move || query.read().get("variant").map(|sku| view! { <input type="hidden" name="variant" value=sku /> });
    view! {
        <form class="review-sort" method="get" action=page>
            {variant}
            <label for="review-sort">"Sort reviews"</label>
            " "
            <select id="review-sort" name=SORT_PARAM on:change=on_change>
                {ReviewSort::ALL
                    .into_iter()
                    .map(|option| {
                        view! {
                            <option value=option.key() selected=move || sort.get() == option>
                                {option.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            // For a browser without JavaScript; hidden once hydrated.
            <button type="submit" class="no-js-only">
                "Sort"
            </button>
        </form>
    }
}

/// What the last "Helpful" or "Hide review" click answered, when it was
/// refused: from the actions once hydrated, from the session after a post
/// without JavaScript.
#[component]
fn VoteOutcome(actions: ReviewActions, feedback: Option<FormFeedback>) -> impl IntoView {
    let helpful = form_error(actions.helpful, feedback.as_ref().filter(|f| f.form == forms::HELPFUL));
    let hide = form_error(actions.hide, feedback.as_ref().filter(|f| f.form == forms::HIDE));
    move || {
        helpful.get().or_else(|| hide.get()).map(|err| view! { <p role="alert" class="form-error">{err.to_string()}</p> })
    }
}

/// One review's text, a paragraph per line.
fn paragraphs(text: &str) -> impl IntoView {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| view! { <p>{line.to_string()}</p> })
        .collect_view()
}

/// One review as `viewer` sees it.
#[component]
fn ReviewItem(review: Review, viewer: Option<CurrentUser>, actions: ReviewActions) -> impl IntoView {
    let id = review.id;
    let heading_id = format!("review-{id}-title");
    let is_admin = viewer.as_ref().is_some_and(|viewer| viewer.holds(Role::Admin));
    let why_not = match (&viewer, review.mine, review.voted) {
        (None, ..) => Some("Sign in to mark reviews helpful"),
        (_, true, _) => Some("This is your review"),
        (_, _, true) => Some("You found this helpful"),
        _ => None,
    };
    let helpful_label = format!("Helpful ({})", review.helpful_count);
    let (hide_label, hide_to) = if review.hidden { ("Unhide review", "false") } else { ("Hide review", "true") };
    view! {
        <article class="review" id=format!("review-{id}") aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>{review.title}</h3>
            <p class="stars">{format!("{} out of 5 stars", review.rating)}</p>
            {paragraphs(&review.text)}
            <p class="byline">
                {review.author} " · " <time datetime=review.date.clone()>{review.date.clone()}</time>
                {review.edited.then_some(" · edited")}
                {review.verified_purchase.then(|| view! { " · " <span class="badge">"Verified purchase"</span> })}
                {review.hidden.then(|| view! { " · " <span class="badge">"Hidden from customers"</span> })}
            </p>
            // A <div>: a form cannot sit inside a <p>.
            <div class="review-actions">
                <ActionForm action=actions.helpful attr:class="inline-form">
                    <input type="hidden" name="review" value=id.to_string() />
                    <button type="submit" class="secondary" disabled=why_not.is_some() title=why_not>
                        {helpful_label}
                    </button>
                </ActionForm>
                {is_admin
                    .then(|| {
                        view! {
                            " "
                            <ActionForm action=actions.hide attr:class="inline-form">
                                <input type="hidden" name="review" value=id.to_string() />
                                <input type="hidden" name="hidden" value=hide_to />
                                <button type="submit" class="secondary">
                                    {hide_label}
                                </button>
                            </ActionForm>
                        }
                    })}
            </div>
        </article>
    }
}
