//! What the widget and the console share: a conversation's messages as the
//! browser holds them (confirmed ones by sequence number, the sender's own
//! still on their way), the live feed that fills them, and the message box.
//! Reachable only from the lazy widget and the lazy console, so none of it
//! is in the storefront's first load.

use super::api::send_chat_message;
use super::model::{check_text, Author, ChatMessage, MAX_MESSAGE_CHARS};
use crate::live::protocol::EventBody;
use crate::live::topic::Topic;
use crate::live::ui::{use_live_topic, use_typing};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long "typing…" shows after the last signal.
const TYPING_SHOWN: Duration = Duration::from_secs(3);
/// The message box announces typing at most this often.
const TYPING_EVERY_MS: f64 = 1500.0;

/// A message the sender wrote that the server has not confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub text: String,
    /// Why the last attempt failed; `None` while it is on its way.
    pub failed: Option<String>,
}

/// A conversation as this tab knows it. Confirmed messages are keyed by
/// sequence number, so one that arrives twice (the send's answer and its
/// live event, or a replay after a reconnect) is kept once, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    pub confirmed: BTreeMap<i64, ChatMessage>,
    pub pending: Vec<Pending>,
}

impl Transcript {
    /// Adds a confirmed message; the pending one with its client id is done.
    pub fn confirm(&mut self, message: ChatMessage) {
        self.pending.retain(|p| p.client_id != message.client_id);
        self.confirmed.insert(message.seq, message);
    }

    /// The last sequence number held.
    pub fn last_seq(&self) -> i64 {
        self.confirmed.keys().next_back().copied().unwrap_or(0)
    }

    fn set_pending(&mut self, client_id: &str, text: &str, failed: Option<String>) {
        if self.confirmed.values().any(|m| m.client_id == client_id) {
            return;
        }
        match self.pending.iter_mut().find(|p| p.client_id == client_id) {
            Some(pending) => pending.failed = failed,
            None => self.pending.push(Pending { client_id: client_id.to_string(), text: text.to_string(), failed }),
        }
    }
}

/// A fresh client id for a message: 128 random bits in hex.
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window().and_then(|w| w.crypto().ok()).and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok());
    if filled.is_none() {
        // Without Web Crypto the clock still tells one sender's messages
        // apart, which is all a client id must do.
        bytes[..8].copy_from_slice(&now_ms().to_bits().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a send goes and what it carries besides the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendTo {
    pub conversation: Option<i32>,
    pub order: Option<i32>,
}

/// Sends `text` as `client_id` (a retry reuses it, so the server makes one
/// message however many attempts reach it) and records the outcome in
/// `transcript`; `on_sent` gets the confirmed message.
pub fn deliver(
    transcript: RwSignal<Transcript>,
    to: SendTo,
    client_id: String,
    text: String,
    on_sent: impl Fn(ChatMessage) + 'static,
) {
    transcript.update(|t| t.set_pending(&client_id, &text, None));
    spawn_local(async move {
        match send_chat_message(to.conversation, client_id.clone(), text.clone(), to.order).await {
            Ok(message) => {
                transcript.update(|t| t.confirm(message.clone()));
                on_sent(message);
            }
            Err(err) => transcript.update(|t| t.set_pending(&client_id, &text, Some(err.to_string()))),
        }
    });
}

/// Follows `chat:{conversation}` from `after` into `transcript`; shows the
/// other side's typing in `typing`; calls `reload` if events were lost.
#[component]
pub fn ChatFeed(
    conversation: i32,
    after: i64,
    transcript: RwSignal<Transcript>,
    /// Whose typing to show: the other side's.
    other: Author,
    typing: RwSignal<bool>,
    reload: Callback<()>,
) -> impl IntoView {
    let typing_generation = StoredValue::new(0u64);
    use_live_topic(
        Topic::Chat(conversation),
        Some(after),
        move |event| match event.body {
            EventBody::ChatMessage(message) => {
                if message.author == other {
                    typing.set(false);
                }
                transcript.update(|t| t.confirm(message));
            }
            EventBody::Typing(signal) if signal.author == other => {
                typing.set(true);
                typing_generation.update_value(|g| *g += 1);
                let mine = typing_generation.get_value();
                set_timeout(
                    move || {
                        if typing_generation.try_get_value() == Some(mine) {
                            typing.set(false);
                        }
                    },
                    TYPING_SHOWN,
                );
            }
            _ => {}
        },
        move || reload.run(()),
    );
}

/// The messages, oldest first, then the sender's own unconfirmed ones with
/// "Sending…" or "Not sent — Retry". Text is shown as text, line breaks
/// kept; nothing in it becomes a link or markup.
#[component]
pub fn MessageList(transcript: RwSignal<Transcript>, retry: Callback<Pending>) -> impl IntoView {
    let confirmed = move || transcript.with(|t| t.confirmed.values().cloned().collect::<Vec<_>>());
    let pending = move || transcript.with(|t| t.pending.clone());
    view! {
        <ol class="chat-messages" role="log" aria-label="Messages" aria-live="polite">
            <For each=confirmed key=|m| (m.conversation, m.seq) let:message>
                <li class="chat-message" data-author=match message.author {
                    Author::Customer => "customer",
                    Author::Support => "support",
                }>
                    <p class="chat-meta">
                        <span class="chat-author">{message.author_name.clone()}</span>
                        " "
                        <time datetime=message.sent_at.clone() title=message.sent_at.clone()>
                            {message.time_of_day().to_string()}
                        </time>
                    </p>
                    <p class="chat-text">{message.text.clone()}</p>
                </li>
            </For>
            <For each=pending key=|p| (p.client_id.clone(), p.failed.clone()) let:pending>
                <li class="chat-message chat-pending" data-author="me">
                    <p class="chat-text">{pending.text.clone()}</p>
                    {match pending.failed.clone() {
                        None => view! { <p class="chat-state">"Sending…"</p> }.into_any(),
                        Some(why) => {
                            let again = pending.clone();
                            view! {
                                <p class="chat-state chat-failed">
                                    <button type="button" class="link-button" on:click=move |_| retry.run(again.clone())>
                                        "Not sent — Retry"
                                    </button>
                                    " "
                                    <span class="chat-why">{why}</span>
                                </p>
                            }
                                .into_any()
                        }
                    }}
                </li>
            </For>
        </ol>
    }
}

/// The message box: "Message" and *Send*. Enter sends, Shift+Enter breaks
/// the line. An empty message or one over the limit is refused here with
/// the reason, as the server would.
#[component]
pub fn Composer(
    /// Gets the text to send.
    on_send: Callback<String>,
    /// Called at most every 1.5 s while typing; `None` announces nothing.
    typing_topic: Signal<Option<Topic>>,
    /// Distinguishes this box's ids when two are on one page.
    id: &'static str,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let announce = use_typing();
    let last_announced = StoredValue::new(f64::MIN);
    let submit = move || {
        let body = text.get_untracked();
        match check_text(&body) {
            Ok(()) => {
                error.set(None);
                text.set(String::new());
                on_send.run(body);
            }
            Err(reason) => error.set(Some(reason)),
        }
    };
    let field_id = format!("{id}-message");
    let error_id = format!("{id}-message-error");
    let described = error_id.clone();
    view! {
        <form
            class="chat-composer"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <label for=field_id.clone()>"Message"</label>
            <textarea
                id=field_id
                name="text"
                rows="2"
                maxlength=MAX_MESSAGE_CHARS.to_string()
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=move || error.with(Option::is_some).then(|| described.clone())
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    if let Some(topic) = typing_topic.get_untracked() {
                        let now = now_ms();
                        if now - last_announced.get_value() >= TYPING_EVERY_MS {
                            last_announced.set_value(now);
                            announce(topic);
                        }
                    }
                }
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }
            ></textarea>
            <button type="submit">"Send"</button>
            <Show when=move || error.with(Option::is_some)>
                <p class="field-error" role="alert" id=error_id.clone()>
                    {move || error.get()}
                </p>
            </Show>
        </form>
    }
}

/// Milliseconds on the browser's clock (0 on the server, which never types).
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}
