//! One socket's life: upgrade, subscriptions, events, heartbeats, and the
//! end (client gone, too slow, signed out, server stopping).

use super::subscriptions::Subscriptions;
use super::LiveState;
use super::presence::Seat;
use super::router::Link;
use app::auth::ssr::user_of_session;
use app::auth::{CurrentUser, Role};
use app::chat::model::{Author, Typing};
use app::chat::ssr::party;
use app::live::protocol::{ClientMessage, EventBody, LiveEvent, ServerMessage};
use app::live::ssr::access::{may_subscribe, Viewer};
use app::live::ssr::{catch_up, Recorded};
use app::live::topic::Topic;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use futures::stream::{SplitSink, StreamExt};
use futures::SinkExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};
use tower_sessions::session::Id;
use tower_sessions::Session;

/// How often the server pings; a socket silent for two of these is dead.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How often a signed-in socket checks that its session still is.
const SESSION_CHECK: Duration = Duration::from_secs(5);
/// A client that cannot take a message within this is dropped; it catches
/// up when it reconnects.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// A socket announces typing in a conversation at most this often.
const TYPING_EVERY: Duration = Duration::from_millis(1500);
/// Largest client message: a subscribe is a few dozen bytes.
const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Read buffer per socket. axum's default (128 KiB, zero-filled on use)
/// was nearly all of a socket's memory, for messages of a few dozen bytes.
const READ_BUFFER_BYTES: usize = 4 * 1024;
/// Unsent bytes a socket may hold before writes fail and it is closed.
const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;

/// Close codes (4000–4999 are the application's).
const CLOSE_TOO_SLOW: u16 = 4008;
const CLOSE_SIGNED_OUT: u16 = 4001;

/// `GET /ws`: upgrades to a WebSocket for the session's user (or a guest).
/// The cross-site check has already refused a foreign `Origin`.
pub async fn upgrade(State(live): State<LiveState>, session: Session, ws: WebSocketUpgrade) -> Response {
    let user = match user_of_session(&live.app.db, &session, Utc::now()).await {
        Ok(user) => user,
        Err(err) => {
            tracing::warn!(error = %err, "could not read the session of a socket; treating it as a guest");
            None
        }
    };
    let session_id = session.id();
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| run(socket, live, user, session_id))
}

type Sink = SplitSink<WebSocket, Message>;

/// Why a socket ended from the server's side.
enum End {
    Gone,
    TooSlow,
    SignedOut,
}

async fn send(sink: &mut Sink, message: &ServerMessage) -> Result<(), End> {
    let text = serde_json::to_string(message).map_err(|err| {
        tracing::error!(error = %err, "a live message did not serialize");
        End::Gone
    })?;
    match timeout(SEND_TIMEOUT, sink.send(Message::Text(text.into()))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::Gone),
        Err(_) => Err(End::TooSlow),
    }
}

async fn send_all(sink: &mut Sink, messages: &[ServerMessage]) -> Result<(), End> {
    for message in messages {
        send(sink, message).await?;
    }
    Ok(())
}

/// Whether the session the socket opened under still has `user` signed in.
async fn still_signed_in(live: &LiveState, session_id: Option<Id>, user: &CurrentUser) -> bool {
    let Some(id) = session_id else {
        return false;
    };
    let session = Session::new(Some(id), Arc::new(live.sessions.clone()), None);
    matches!(user_of_session(&live.app.db, &session, Utc::now()).await, Ok(Some(now)) if now.id == user.id)
}

/// What a socket holds besides its subscriptions.
#[derive(Default)]
struct Extras {
    /// Held while the socket holds `support` as an admin: support is online.
    seat: Option<Seat>,
    /// When the socket last announced typing, per chat topic.
    typed: HashMap<String, Instant>,
}

/// The guest chat key in the socket's session now: a guest who wrote their
/// first message after the socket opened has one since.
async fn guest_chat_key(live: &LiveState, session_id: Option<Id>) -> Option<String> {
    let session = Session::new(Some(session_id?), Arc::new(live.sessions.clone()), None);
    match party::guest_key(&session).await {
        Ok(key) => key,
        Err(err) => {
            tracing::warn!(error = %err, "could not read a socket's session for its chat key");
            None
        }
    }
}

/// Answers one client message.
async fn handle(
    live: &LiveState,
    user: Option<&CurrentUser>,
    session_id: Option<Id>,
    subs: &mut Subscriptions,
    link: &Link,
    extras: &mut Extras,
    text: &str,
) -> Vec<ServerMessage> {
    let error = |topic: Option<String>, message: String| vec![ServerMessage::Error { topic, message }];
    let message = match serde_json::from_str::<ClientMessage>(text) {
        Ok(message) => message,
        Err(err) => return error(None, format!("Not a message this socket understands: {err}")),
    };
    match message {
        ClientMessage::Unsubscribe { topic } => {
            if topic == Topic::Support.to_string() {
                extras.seat = None;
            }
            link.remove(&topic);
            subs.remove(&topic);
            Vec::new()
        }
        ClientMessage::Typing { topic: name } => {
            let Ok(Topic::Chat(conversation)) = name.parse::<Topic>() else {
                return error(Some(name), "Typing is only shown in a chat conversation.".into());
            };
            if !subs.holds(&name) {
                return error(Some(name), "Subscribe to the conversation first.".into());
            }
            let now = Instant::now();
            if extras.typed.get(&name).is_some_and(|last| now.duration_since(*last) < TYPING_EVERY) {
                return Vec::new();
            }
            extras.typed.insert(name, now);
            let author = if user.is_some_and(|u| u.holds(Role::Admin)) { Author::Support } else { Author::Customer };
            Recorded::signal(Topic::Chat(conversation), EventBody::Typing(Typing { conversation, author })).publish(live.app.events.as_ref());
            Vec::new()
        }
        ClientMessage::Subscribe { topic: name, after } => {
            let topic = match name.parse::<Topic>() {
                Ok(topic) => topic,
                Err(err) => return error(Some(name), format!("{err}.")),
            };
            if subs.is_full() {
                return error(Some(name), "Too many subscriptions on one socket.".into());
            }
            let guest_key = match (topic, user) {
                (Topic::Chat(_), None) => guest_chat_key(live, session_id).await,
                _ => None,
            };
            let viewer = Viewer { user, guest_chat_key: guest_key.as_deref() };
            if let Err(refused) = may_subscribe(&live.app.db, viewer, topic).await {
                return error(Some(name), refused.to_string());
            }
            // Routed before the catch-up is read, so an event committed in
            // between is either in the catch-up or queued for the socket.
            link.add(&name);
            match catch_up::since(&live.app.db, &name, after).await {
                Ok(caught) => {
                    subs.insert(name.clone(), caught.head);
                    let mut out: Vec<ServerMessage> = caught.events.into_iter().map(ServerMessage::Event).collect();
                    out.push(ServerMessage::Snapshot { topic: name.clone(), seq: caught.head, refetch: caught.refetch });
                    if topic == Topic::Support && extras.seat.is_none() {
                        extras.seat = Some(live.presence.join(Arc::clone(&live.app.events)));
                    }
                    if topic == Topic::Presence {
                        let online = EventBody::SupportPresence { online: live.presence.online() };
                        out.push(ServerMessage::Signal(LiveEvent { topic: name, seq: 0, body: online }));
                    }
                    out
                }
                Err(err) => {
                    if !subs.holds(&name) {
                        link.remove(&name);
                    }
                    error(Some(name), err.to_string())
                }
            }
        }
    }
}

async fn run(socket: WebSocket, live: LiveState, user: Option<CurrentUser>, session_id: Option<Id>) {
    let (mut sink, mut stream) = socket.split();
    let mut link = live.router.link();
    let lagged = link.lagged();
    let mut subs = Subscriptions::default();
    let mut extras = Extras::default();
    let mut heartbeat = interval(HEARTBEAT);
    let mut session_check = interval(SESSION_CHECK);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    session_check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let end = loop {
        let step = tokio::select! {
            incoming = stream.next() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => Err(End::Gone),
                Some(Ok(Message::Text(text))) => {
                    last_heard = Instant::now();
                    let replies = handle(&live, user.as_ref(), session_id, &mut subs, &link, &mut extras, text.as_str()).await;
                    send_all(&mut sink, &replies).await
                }
                Some(Ok(_)) => {
                    last_heard = Instant::now();
                    Ok(())
                }
            },
            event = link.recv() => match event {
                Some(event) => match subs.deliver(&live.app.db, &event).await {
                    Ok(messages) => send_all(&mut sink, &messages).await,
                    Err(err) => {
                        tracing::warn!(error = %err, "could not fill a gap in a live topic; dropping the socket");
                        Err(End::TooSlow)
                    }
                },
                None => Err(End::Gone),
            },
            () = lagged.notified() => {
                tracing::info!("a live socket fell behind; dropping it so it catches up on reconnect");
                Err(End::TooSlow)
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > HEARTBEAT * 2 {
                    Err(End::Gone)
                } else {
                    sink.send(Message::Ping(Default::default())).await.map_err(|_| End::Gone)
                }
            },
            _ = session_check.tick(), if user.is_some() => {
                match &user {
                    Some(user) if !still_signed_in(&live, session_id, user).await => Err(End::SignedOut),
                    _ => Ok(()),
                }
            },
        };
        if let Err(end) = step {
            break end;
        }
    };
    let close = match end {
        End::Gone => None,
        End::TooSlow => Some((CLOSE_TOO_SLOW, "too slow: reconnect and catch up")),
        End::SignedOut => Some((CLOSE_SIGNED_OUT, "signed out")),
    };
    if let Some((code, reason)) = close {
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
        // The client may already be gone; nothing more to do then.
        let _ = timeout(SEND_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
    }
}
