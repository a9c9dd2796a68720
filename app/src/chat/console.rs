//! `/admin/support`: the support console. The conversations, newest
//! activity first, with unread counts, the last message and the customer's
//! name, filtered open / closed / mine / all and kept current by the live
//! `support` topic; one conversation open beside them to read and reply,
//! with *Assign to me*, *Close* / *Reopen* and the order it is about.
//!
//! Every server function behind it refuses anyone but an admin; the page
//! only chooses what to show. Having it open is what tells customers that
//! "Support is online" (its `support` subscription counts).

use super::api::{assign_conversation, close_conversation, reopen_conversation, support_conversations, support_read, support_thread};
use super::model::{Author, Conversation, ConversationStatus, QueueFilter, SupportQueue};
use super::thread::{deliver, new_client_id, ChatFeed, Composer, MessageList, Pending, SendTo, Transcript};
use crate::auth::{use_auth, CurrentUser, Role};
use crate::error::AppError;
use crate::live::protocol::EventBody;
use crate::live::topic::Topic;
use crate::live::ui::{use_live_topic, LiveIndicator};
use crate::ui::forbidden::Forbidden;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

type User = Resource<Result<Option<CurrentUser>, AppError>>;

/// The list, read only for an admin so other visitors cause no refused
/// requests.
async fn load(user: User, filter: QueueFilter) -> Result<SupportQueue, AppError> {
    match user.await? {
        Some(user) if user.holds(Role::Admin) => support_conversations(Some(filter)).await,
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::Unauthorized),
    }
}

/// The console's address for `filter` with `conversation` open.
fn href(filter: QueueFilter, conversation: Option<i32>) -> String {
    match conversation {
        Some(id) => format!("/admin/support?filter={}&conversation={id}", filter.key()),
        None => format!("/admin/support?filter={}", filter.key()),
    }
}

/// "2026-12-02 15:34" from an RFC 3339 UTC timestamp.
fn short_time(rfc3339: &str) -> String {
    rfc3339.get(..16).unwrap_or(rfc3339).replacen('T', " ", 1)
}

/// `/admin/support`, for admins only.
#[component]
pub fn SupportPage() -> impl IntoView {
    let auth = use_auth();
    let url = use_query_map();
    let filter = Memo::new(move |_| url.with(|q| q.get("filter").and_then(|f| QueueFilter::parse(&f)).unwrap_or_default()));
    let selected = Memo::new(move |_| url.with(|q| q.get("conversation").and_then(|id| id.parse::<i32>().ok())));
    // Created outside the suspense so the server render and hydration agree.
    let queue = Resource::new(move || filter.get(), move |filter| load(auth.user, filter));
    view! {
        <Title text="Support" />
        <Suspense fallback=|| view! { <p>"Loading the support console…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) if user.holds(Role::Admin) => view! { <Console queue filter selected /> }.into_any(),
                    Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <h1>"Support"</h1>
                            <p>
                                "Please " <a href="/sign-in?next=/admin/support">"sign in"</a>
                                " with a staff account to answer customers."
                            </p>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Console(queue: Resource<Result<SupportQueue, AppError>>, filter: Memo<QueueFilter>, selected: Memo<Option<i32>>) -> impl IntoView {
    // The latest state of any conversation, from the live list, for the
    // open conversation's header.
    let latest = RwSignal::new(None::<Conversation>);
    view! {
        <div class="support">
            <header class="desk-header">
                <h1>"Support"</h1>
                <nav aria-label="Admin">
                    <a href="/admin">"Orders"</a>
                    " "
                    <a href="/admin/jobs">"Jobs"</a>
                </nav>
                <LiveIndicator />
            </header>
            <nav class="support-filters" aria-label="Conversation filters">
                {QueueFilter::ALL
                    .into_iter()
                    .map(|f| {
                        view! {
                            <a href=href(f, None) aria-current=move || (filter.get() == f).then_some("page")>
                                {f.label()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <div class="support-panes">
                <Transition fallback=|| view! { <p>"Loading conversations…"</p> }>
                    {move || Suspend::new(async move {
                        match queue.await {
                            Ok(loaded) => view! { <ConversationList loaded queue filter selected latest /> }.into_any(),
                            Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
                {move || match selected.get() {
                    Some(id) => view! { <ConversationPane id latest /> }.into_any(),
                    None => view! { <p class="support-empty">"Choose a conversation to read and reply."</p> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// Newest activity first (then newest conversation).
fn sort(conversations: &mut [Conversation]) {
    conversations.sort_by(|a, b| b.last_message_at.cmp(&a.last_message_at).then(b.id.cmp(&a.id)));
}

#[component]
fn ConversationList(
    loaded: SupportQueue,
    queue: Resource<Result<SupportQueue, AppError>>,
    filter: Memo<QueueFilter>,
    selected: Memo<Option<i32>>,
    latest: RwSignal<Option<Conversation>>,
) -> impl IntoView {
    let me = loaded.me;
    let rows = RwSignal::new(loaded.conversations);
    use_live_topic(
        Topic::Support,
        Some(loaded.live_seq),
        move |event| {
            if let EventBody::ConversationChanged(changed) = event.body {
                let admitted = filter.get_untracked().admits(&changed, me);
                rows.update(|rows| {
                    rows.retain(|c| c.id != changed.id);
                    if admitted {
                        rows.push(changed.clone());
                        sort(rows);
                    }
                });
                latest.set(Some(changed));
            }
        },
        move || queue.refetch(),
    );
    view! {
        <ul class="support-list" aria-label="Conversations">
            <Show when=move || rows.with(Vec::is_empty)>
                <li class="support-empty">"No conversations here."</li>
            </Show>
            <For each=move || rows.get() key=|c| (c.id, c.last_seq, c.support_read_seq, c.status, c.assignee.clone()) let:c>
                {
                    let id = c.id;
                    let unread = c.unread_by_support();
                    view! {
                        <li class="support-item" data-unread=(unread > 0).to_string()>
                            <a
                                href=move || href(filter.get(), Some(id))
                                aria-current=move || (selected.get() == Some(id)).then_some("true")
                            >
                                <span class="support-customer">{c.customer_name.clone()}</span>
                                {(unread > 0)
                                    .then(|| {
                                        view! {
                                            <span class="unread-badge">
                                                {unread} <span class="visually-hidden">" unread"</span>
                                            </span>
                                        }
                                    })}
                                <span class="support-preview">{c.last_message.clone()}</span>
                                <span class="support-meta">
                                    {match c.status {
                                        ConversationStatus::Open => "Open",
                                        ConversationStatus::Closed => "Closed",
                                    }}
                                    " · "
                                    <time datetime=c.last_message_at.clone()>{short_time(&c.last_message_at)}</time>
                                </span>
                            </a>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}

/// What the conversation's buttons do.
#[derive(Debug, Clone, Copy)]
enum Act {
    Assign,
    Close,
    Reopen,
}

/// One conversation: its header and actions, the order it is about, the
/// messages live, and the reply box.
#[component]
fn ConversationPane(id: i32, latest: RwSignal<Option<Conversation>>) -> impl IntoView {
    let auth = use_auth();
    let thread = LocalResource::new(move || support_thread(id));
    let transcript = RwSignal::new(Transcript::default());
    let conversation = RwSignal::new(None::<Conversation>);
    let error = RwSignal::new(None::<String>);
    let typing = RwSignal::new(false);
    let loaded_at = RwSignal::new(None::<i64>);
    Effect::new(move |_| match thread.get() {
        Some(Ok(loaded)) => {
            transcript.update(|t| {
                for message in loaded.messages.iter().cloned() {
                    t.confirm(message);
                }
            });
            if loaded_at.get_untracked().is_none() {
                loaded_at.set(Some(loaded.live_seq()));
            }
            conversation.set(loaded.conversation.clone());
        }
        Some(Err(err)) => error.set(Some(err.to_string())),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(changed) = latest.get().filter(|c| c.id == id) {
            conversation.set(Some(changed));
        }
    });
    // What is on screen has been read by support.
    Effect::new(move |_| {
        let last = transcript.with(Transcript::last_seq);
        let read = conversation.with(|c| c.as_ref().map(|c| c.support_read_seq));
        if read.is_some_and(|read| last > read) {
            spawn_local(async move {
                // A lost read mark only leaves the badge up until the next.
                let _ = support_read(id, last).await;
            });
        }
    });
    let act = move |action: Act| {
        spawn_local(async move {
            let done = match action {
                Act::Assign => assign_conversation(id).await,
                Act::Close => close_conversation(id).await,
                Act::Reopen => reopen_conversation(id).await,
            };
            match done {
                Ok(now) => {
                    error.set(None);
                    conversation.set(Some(now));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    let send = move |client_id: String, text: String| {
        deliver(transcript, SendTo { conversation: Some(id), order: None }, client_id, text, |_| {});
    };
    let on_send = Callback::new(move |text: String| send(new_client_id(), text));
    let retry = Callback::new(move |pending: Pending| send(pending.client_id, pending.text));
    let reload = Callback::new(move |()| thread.refetch());
    let typing_topic = Signal::derive(move || Some(Topic::Chat(id)));
    view! {
        <section class="support-conversation" aria-label="Conversation">
            {move || {
                conversation
                    .get()
                    .map(|c| {
                        let me = auth.user.get().and_then(Result::ok).flatten().map(|me| me.id);
                        let assigned_to_me = c.assignee.as_ref().is_some_and(|a| Some(a.id) == me);
                        view! {
                            <header class="support-conversation-header">
                                <h2>{c.customer_name.clone()} {(!c.signed_in).then_some(" (guest)")}</h2>
                                <p class="support-state">
                                    {match c.status {
                                        ConversationStatus::Open => "Open",
                                        ConversationStatus::Closed => "Closed",
                                    }}
                                    " · "
                                    {match &c.assignee {
                                        Some(a) => format!("Assigned to {}", a.name),
                                        None => "Unassigned".to_string(),
                                    }}
                                </p>
                                <div class="support-actions">
                                    <Show when=move || !assigned_to_me>
                                        <button type="button" on:click=move |_| act(Act::Assign)>
                                            "Assign to me"
                                        </button>
                                    </Show>
                                    {match c.status {
                                        ConversationStatus::Open => {
                                            view! {
                                                <button type="button" on:click=move |_| act(Act::Close)>
                                                    "Close"
                                                </button>
                                            }
                                                .into_any()
                                        }
                                        ConversationStatus::Closed => {
                                            view! {
                                                <button type="button" on:click=move |_| act(Act::Reopen)>
                                                    "Reopen"
                                                </button>
                                            }
                                                .into_any()
                                        }
                                    }}
                                </div>
                            </header>
                            {c.order.clone().map(|order| {
                                view! {
                                    <aside class="support-order" aria-label="Order">
                                        <h3>{format!("Order #{}", order.id)}</h3>
                                        <p>{order.status.to_string()} " · " {order.total.to_string()}</p>
                                        <a href=format!("/admin?q=%23{}", order.id)>"View order"</a>
                                    </aside>
                                }
                            })}
                        }
                    })
            }}
            {move || error.get().map(|err| view! { <p role="alert" class="form-error">{err}</p> })}
            <MessageList transcript retry />
            {move || {
                loaded_at.get().map(|after| view! { <ChatFeed conversation=id after transcript other=Author::Customer typing reload /> })
            }}
            <p class="chat-typing" aria-live="polite">
                {move || typing.get().then_some("Customer is typing…")}
            </p>
            <Composer on_send typing_topic id="reply" />
        </section>
    }
}
