//! The storefront's chat widget. What every page carries is small: the
//! "Chat with us" button and the context that "Ask about this order" uses.
//! The panel itself (history, live feed, presence, message box) is a
//! `#[lazy]` function, split into its own WASM chunk by
//! `cargo leptos build --split` and loaded on the first click.

use super::api::{chat_history, mark_chat_read};
use super::model::{Author, ConversationStatus};
use super::thread::{deliver, new_client_id, ChatFeed, Composer, MessageList, Pending, SendTo, Transcript};
use crate::auth::use_auth;
use crate::live::protocol::EventBody;
use crate::live::topic::Topic;
use crate::live::ui::{use_live_topic, use_reconnect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;

/// The widget's state, shared by every page.
#[derive(Debug, Clone, Copy)]
pub struct ChatContext {
    /// Whether the panel shows.
    pub open: RwSignal<bool>,
    /// Set on the first opening; the panel's code loads then and stays.
    loaded: RwSignal<bool>,
    /// The order the next message is about ("Ask about this order").
    pub order: RwSignal<Option<i32>>,
}

impl ChatContext {
    /// Opens the panel, loading its code the first time.
    pub fn show(&self) {
        self.loaded.set(true);
        self.open.set(true);
    }
}

/// Provides the widget's state; call once in `App`.
pub fn provide_chat() {
    provide_context(ChatContext { open: RwSignal::new(false), loaded: RwSignal::new(false), order: RwSignal::new(None) });
}

fn use_chat() -> ChatContext {
    expect_context::<ChatContext>()
}

/// "Chat with us" and, once opened, the panel. Not on the admin pages,
/// which have the support console instead.
#[component]
pub fn ChatLauncher() -> impl IntoView {
    let chat = use_chat();
    let location = use_location();
    let storefront = move || !location.pathname.with(|path| path == "/admin" || path.starts_with("/admin/"));
    view! {
        <Show when=storefront>
            <div class="chat-widget">
                <button
                    type="button"
                    class="chat-launcher"
                    aria-expanded=move || chat.open.get().to_string()
                    aria-controls="support-chat"
                    on:click=move |_| if chat.open.get_untracked() { chat.open.set(false) } else { chat.show() }
                >
                    "Chat with us"
                </button>
                {move || {
                    chat.loaded
                        .get()
                        .then(|| {
                            view! {
                                <Suspense fallback=|| view! { <p class="chat-loading" role="status">"Opening the chat…"</p> }>
                                    {Suspend::new(async { chat_panel().await })}
                                </Suspense>
                            }
                        })
                }}
            </div>
        </Show>
    }
}

/// "Ask about this order": opens the chat with order `id` attached.
#[component]
pub fn AskAboutOrder(id: i32) -> impl IntoView {
    let chat = use_chat();
    view! {
        <button
            type="button"
            on:click=move |_| {
                chat.order.set(Some(id));
                chat.show();
            }
        >
            "Ask about this order"
        </button>
    }
}

/// The panel, in its own WASM chunk.
#[leptos::lazy]
fn chat_panel() -> AnyView {
    view! { <ChatPanel /> }.into_any()
}

/// The customer's conversation: history, then new messages live.
#[component]
fn ChatPanel() -> impl IntoView {
    let chat = use_chat();
    let auth = use_auth();
    let thread = LocalResource::new(move || {
        // A sign-in moves a guest's conversation to the account: reload.
        auth.generation();
        chat_history()
    });
    let transcript = RwSignal::new(Transcript::default());
    let conversation = RwSignal::new(None::<super::model::Conversation>);
    let load_error = RwSignal::new(None::<String>);
    let typing = RwSignal::new(false);
    let online = RwSignal::new(false);
    Effect::new(move |_| match thread.get() {
        Some(Ok(loaded)) => {
            load_error.set(None);
            let same = conversation.with_untracked(|c| c.as_ref().map(|c| c.id)) == loaded.conversation.as_ref().map(|c| c.id);
            transcript.update(|t| {
                if !same {
                    // Another conversation (the first, a new one after a
                    // closing, or the account's after signing in).
                    t.confirmed.clear();
                }
                // Merged, not replaced: a live message that arrived while
                // this was loading stays.
                for message in loaded.messages.iter().cloned() {
                    t.confirm(message);
                }
            });
            conversation.set(loaded.conversation.clone());
        }
        Some(Err(err)) => load_error.set(Some(err.to_string())),
        None => {}
    });
    use_live_topic(
        Topic::Presence,
        None,
        move |event| {
            if let EventBody::SupportPresence { online: now } = event.body {
                online.set(now);
            }
        },
        || {},
    );
    let conversation_id = Memo::new(move |_| conversation.with(|c| c.as_ref().map(|c| c.id)));
    let closed = Memo::new(move |_| conversation.with(|c| c.as_ref().is_some_and(|c| c.status == ConversationStatus::Closed)));
    // Everything shown while the panel is open has been read.
    let marked = StoredValue::new(0i64);
    Effect::new(move |_| {
        let last = transcript.with(Transcript::last_seq);
        if let (true, Some(id)) = (chat.open.get(), conversation_id.get()) {
            if last > marked.get_value() {
                marked.set_value(last);
                spawn_local(async move {
                    // A lost read mark only leaves a message counted unread.
                    let _ = mark_chat_read(id, last).await;
                });
            }
        }
    });
    let reconnect = use_reconnect();
    let send = move |client_id: String, text: String| {
        let to = SendTo { conversation: None, order: chat.order.get_untracked() };
        deliver(transcript, to, client_id, text, move |sent| {
            chat.order.set(None);
            if conversation_id.get_untracked() != Some(sent.conversation) {
                // The first message (or the first after a closing) started
                // a conversation: show only its messages, load it, and
                // follow it live. A guest's socket opened before they had
                // a session; reopened, it carries the one their
                // conversation belongs to.
                transcript.update(|t| t.confirmed.retain(|_, m| m.conversation == sent.conversation));
                if auth.user.get_untracked().and_then(Result::ok).flatten().is_none() {
                    reconnect();
                }
                thread.refetch();
            }
        });
    };
    let on_send = Callback::new(move |text: String| send(new_client_id(), text));
    let retry = Callback::new(move |pending: Pending| send(pending.client_id, pending.text));
    let reload = Callback::new(move |()| thread.refetch());
    let typing_topic = Signal::derive(move || conversation_id.get().map(Topic::Chat));
    view! {
        <section
            id="support-chat"
            class="chat-panel"
            role="dialog"
            aria-label="Support chat"
            hidden=move || !chat.open.get()
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    chat.open.set(false);
                }
            }
        >
            <header class="chat-header">
                <h2>"Support chat"</h2>
                <p class="chat-presence" role="status">
                    {move || if online.get() { "Support is online" } else { "Support is offline — leave a message and we'll reply here" }}
                </p>
                <button type="button" class="chat-close" aria-label="Close chat" on:click=move |_| chat.open.set(false)>
                    "×"
                </button>
            </header>
            {move || {
                chat.order
                    .get()
                    .map(|id| {
                        view! {
                            <p class="chat-order">
                                {format!("About order #{id}")}
                                " "
                                <button type="button" class="link-button" on:click=move |_| chat.order.set(None)>
                                    "Remove order"
                                </button>
                            </p>
                        }
                    })
            }}
            <Show when=move || closed.get()>
                <p class="chat-note">"This conversation is closed. Your next message starts a new one."</p>
            </Show>
            {move || load_error.get().map(|err| view! { <p role="alert">{err}</p> })}
            <Show when=move || transcript.with(|t| t.confirmed.is_empty() && t.pending.is_empty())>
                <p class="chat-note">"Ask us anything about products, orders or delivery."</p>
            </Show>
            <MessageList transcript retry />
            {move || {
                conversation_id
                    .get()
                    .map(|id| {
                        let after = conversation.with_untracked(|c| c.as_ref().map_or(0, |c| c.last_seq));
                        view! { <ChatFeed conversation=id after transcript other=Author::Support typing reload /> }
                    })
            }}
            <p class="chat-typing" aria-live="polite">
                {move || typing.get().then_some("Support is typing…")}
            </p>
            <Composer on_send typing_topic id="chat" />
        </section>
    }
}
