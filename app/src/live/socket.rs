//! The browser's end of `/ws`: one WebSocket per tab, opened on the first
//! subscription and reopened with randomized exponential backoff whenever
//! it drops. Pages do not use this directly but through
//! [`use_live_topic`](super::ui::use_live_topic).
//!
//! Per topic it remembers the last sequence number delivered, so that a
//! reconnect resubscribes with `after` and the server sends what was missed
//! while the socket was down; events at or below that number are
//! duplicates and are dropped.

use super::protocol::{ClientMessage, LiveEvent, ServerMessage};
use super::topic::Topic;
use super::ui::LiveStatus;
use futures::channel::{mpsc, oneshot};
use futures::future;
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State};
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

/// First reconnect delay; doubles after each failed attempt.
const FIRST_RETRY_MS: f64 = 500.0;
/// Longest reconnect delay, so a tab finds a restarted server soon enough.
const LAST_RETRY_MS: f64 = 15_000.0;

/// Identifies one listener of one topic, to remove it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerId(u64);

/// The tab's live connection. Cloning shares it; nothing is opened until
/// the first [`LiveSocket::listen`].
#[derive(Clone)]
pub struct LiveSocket {
    shared: Rc<RefCell<Shared>>,
}

struct Shared {
    status: RwSignal<LiveStatus>,
    /// Keyed by the topic's wire name, as the server's messages carry it.
    topics: HashMap<String, TopicState>,
    /// Frames for the open socket; `None` while there is none, and then
    /// the next (re)connect subscribes every topic anyway.
    outbox: Option<mpsc::UnboundedSender<ClientMessage>>,
    started: bool,
    next_listener: u64,
}

struct TopicState {
    /// The last sequence number delivered (or asked to start after).
    last_seq: Option<i64>,
    /// The server refused the subscription; asking again on every
    /// reconnect would only be refused again.
    refused: bool,
    listeners: Vec<Listener>,
}

struct Listener {
    id: ListenerId,
    /// The last sequence number this listener has, from its page's data or
    /// delivered; a listener that joins a topic late skips what it has.
    seen: Option<i64>,
    on_event: Rc<dyn Fn(LiveEvent)>,
    on_resync: Rc<dyn Fn()>,
}

type EventCallback = Rc<dyn Fn(LiveEvent)>;
type ResyncCallback = Rc<dyn Fn()>;

impl LiveSocket {
    /// A socket that will report its state in `status`.
    pub fn new(status: RwSignal<LiveStatus>) -> Self {
        let shared = Shared { status, topics: HashMap::new(), outbox: None, started: false, next_listener: 0 };
        Self { shared: Rc::new(RefCell::new(shared)) }
    }

    /// Delivers `topic`'s events after `after` (its page's data was read at
    /// that sequence number; `None` = only new events) to `on_event`, and
    /// calls `on_resync` when events were lost and the page must reload.
    /// Opens the socket if this is the tab's first subscription.
    pub fn listen(&self, topic: Topic, after: Option<i64>, on_event: EventCallback, on_resync: ResyncCallback) -> ListenerId {
        let name = topic.to_string();
        let (id, missed_some, start) = {
            let mut shared = self.shared.borrow_mut();
            let id = ListenerId(shared.next_listener);
            shared.next_listener += 1;
            let is_new = !shared.topics.contains_key(&name);
            if is_new {
                if let Some(outbox) = &shared.outbox {
                    // A failed send means the socket just closed; the
                    // reconnect subscribes this topic with the rest.
                    let _ = outbox.unbounded_send(ClientMessage::Subscribe { topic: name.clone(), after });
                }
            }
            let state = shared
                .topics
                .entry(name)
                .or_insert_with(|| TopicState { last_seq: after, refused: false, listeners: Vec::new() });
            // The topic was already subscribed and has delivered events this
            // listener's data may predate; they are gone, so it reloads.
            let missed_some = !is_new && after.is_some_and(|after| state.last_seq.is_none_or(|last| after < last));
            let seen = after.max(state.last_seq);
            state.listeners.push(Listener { id, seen, on_event, on_resync: Rc::clone(&on_resync) });
            let start = !shared.started;
            shared.started = true;
            (id, missed_some, start)
        };
        if start {
            spawn_local(run(Rc::clone(&self.shared)));
        }
        if missed_some {
            on_resync();
        }
        id
    }

    /// Tells the other side of chat `topic` that this tab is typing, if the
    /// socket is open and holds the topic; otherwise nothing (typing is
    /// only worth showing now).
    pub fn typing(&self, topic: Topic) {
        let name = topic.to_string();
        let shared = self.shared.borrow();
        let held = shared.topics.get(&name).is_some_and(|state| !state.refused);
        if let (true, Some(outbox)) = (held, &shared.outbox) {
            let _ = outbox.unbounded_send(ClientMessage::Typing { topic: name });
        }
    }

    /// Drops the connection so that it reopens (after the usual short
    /// delay) with the tab's cookies as they are now, asking again for
    /// topics it was refused: a guest's first chat message gives them the
    /// session their conversation belongs to.
    pub fn reconnect(&self) {
        let mut shared = self.shared.borrow_mut();
        for state in shared.topics.values_mut() {
            state.refused = false;
        }
        // Dropping the sender ends the connection's sending half.
        shared.outbox = None;
    }

    /// Removes a listener; the last one of a topic unsubscribes it.
    pub fn forget(&self, topic: Topic, id: ListenerId) {
        let name = topic.to_string();
        let mut shared = self.shared.borrow_mut();
        let Some(state) = shared.topics.get_mut(&name) else { return };
        state.listeners.retain(|listener| listener.id != id);
        if !state.listeners.is_empty() {
            return;
        }
        let refused = state.refused;
        shared.topics.remove(&name);
        if let (false, Some(outbox)) = (refused, &shared.outbox) {
            // Nothing to do if the socket just closed: the reconnect will
            // not subscribe a topic that is gone.
            let _ = outbox.unbounded_send(ClientMessage::Unsubscribe { topic: name });
        }
    }
}

/// Connects, and reconnects for the life of the tab.
async fn run(shared: Rc<RefCell<Shared>>) {
    let status = shared.borrow().status;
    let mut failures: u32 = 0;
    let mut ever_open = false;
    loop {
        match connect(&shared).await {
            Connection::NeverOpened => {}
            Connection::Dropped { heard_from_server } => {
                ever_open = true;
                // Only a connection the server actually answered on counts
                // as healthy; one it closes at once (signed out, overloaded)
                // keeps backing off.
                if heard_from_server {
                    failures = 0;
                }
            }
        }
        shared.borrow_mut().outbox = None;
        status.set(if ever_open { LiveStatus::Reconnecting } else { LiveStatus::Connecting });
        sleep(retry_delay(failures)).await;
        failures = failures.saturating_add(1);
    }
}

enum Connection {
    NeverOpened,
    Dropped { heard_from_server: bool },
}

/// One connection, from opening to its end.
async fn connect(shared: &Rc<RefCell<Shared>>) -> Connection {
    let Some(url) = socket_url() else {
        warn!("live: cannot tell the page's address, so no live updates");
        return Connection::NeverOpened;
    };
    let mut socket = match WebSocket::open(&url) {
        Ok(socket) => socket,
        Err(err) => {
            warn!("live: cannot open {url}: {err}");
            return Connection::NeverOpened;
        }
    };
    // gloo's sink becomes ready when the socket leaves CONNECTING, whether
    // it opened or failed; the state tells which.
    let ready = future::poll_fn(|cx| socket.poll_ready_unpin(cx)).await;
    if ready.is_err() || !matches!(socket.state(), State::Open) {
        return Connection::NeverOpened;
    }

    let (outbox, mut frames_to_send) = mpsc::unbounded();
    let status = {
        let mut shared = shared.borrow_mut();
        for (name, state) in shared.topics.iter().filter(|(_, state)| !state.refused) {
            let _ = outbox.unbounded_send(ClientMessage::Subscribe { topic: name.clone(), after: state.last_seq });
        }
        shared.outbox = Some(outbox);
        shared.status
    };
    status.set(LiveStatus::Live);

    let (mut sink, mut stream) = socket.split();
    let heard_from_server = Cell::new(false);
    let sending = pin!(async {
        while let Some(message) = frames_to_send.next().await {
            let frame = match serde_json::to_string(&message) {
                Ok(frame) => frame,
                Err(err) => {
                    warn!("live: cannot encode {message:?}: {err}");
                    continue;
                }
            };
            if sink.send(Message::Text(frame)).await.is_err() {
                break;
            }
        }
    });
    let receiving = pin!(async {
        // An error is always followed by the close, so either ends it.
        while let Some(Ok(frame)) = stream.next().await {
            heard_from_server.set(true);
            match frame {
                Message::Text(text) => receive(shared, &text),
                Message::Bytes(_) => warn!("live: ignoring a binary frame"),
            }
        }
    });
    // Whichever side fails first ends the connection; dropping both halves
    // closes the socket.
    future::select(sending, receiving).await;
    Connection::Dropped { heard_from_server: heard_from_server.get() }
}

/// Handles one server message. Listeners are called after the state is
/// released, since they may subscribe or unsubscribe in turn.
fn receive(shared: &Rc<RefCell<Shared>>, text: &str) {
    let message = match serde_json::from_str::<ServerMessage>(text) {
        Ok(message) => message,
        Err(err) => {
            warn!("live: unreadable message ({err}): {text}");
            return;
        }
    };
    match message {
        ServerMessage::Event(event) => {
            let receivers = shared.borrow_mut().accept_event(&event);
            for on_event in receivers {
                on_event(event.clone());
            }
        }
        ServerMessage::Signal(signal) => {
            // Signals are not numbered: every listener of the topic gets
            // each one, and none is replayed.
            let receivers: Vec<EventCallback> = shared
                .borrow()
                .topics
                .get(&signal.topic)
                .map(|state| state.listeners.iter().map(|listener| Rc::clone(&listener.on_event)).collect())
                .unwrap_or_default();
            for on_event in receivers {
                on_event(signal.clone());
            }
        }
        ServerMessage::Snapshot { topic, seq, refetch } => {
            let resyncs = shared.borrow_mut().accept_snapshot(&topic, seq, refetch);
            for on_resync in resyncs {
                on_resync();
            }
        }
        ServerMessage::Error { topic: Some(topic), message } => {
            warn!("live: the server refused {topic}: {message}");
            if let Some(state) = shared.borrow_mut().topics.get_mut(&topic) {
                state.refused = true;
            }
        }
        ServerMessage::Error { topic: None, message } => warn!("live: the server says: {message}"),
    }
}

impl Shared {
    /// Records `event` and returns who should see it: nobody if it is a
    /// duplicate or the topic is no longer wanted.
    fn accept_event(&mut self, event: &LiveEvent) -> Vec<EventCallback> {
        let Some(state) = self.topics.get_mut(&event.topic) else { return Vec::new() };
        if state.last_seq.is_some_and(|last| event.seq <= last) {
            return Vec::new();
        }
        state.last_seq = Some(event.seq);
        state
            .listeners
            .iter_mut()
            .filter(|listener| listener.seen.is_none_or(|seen| event.seq > seen))
            .map(|listener| {
                listener.seen = Some(event.seq);
                Rc::clone(&listener.on_event)
            })
            .collect()
    }

    /// Records that `topic` is live from `seq`; with `refetch`, returns the
    /// listeners that must reload because events they needed were pruned.
    fn accept_snapshot(&mut self, topic: &str, seq: i64, refetch: bool) -> Vec<ResyncCallback> {
        let Some(state) = self.topics.get_mut(topic) else { return Vec::new() };
        state.last_seq = state.last_seq.max(Some(seq));
        if !refetch {
            return Vec::new();
        }
        state
            .listeners
            .iter_mut()
            .map(|listener| {
                // The reloaded data is at least as new as the snapshot.
                listener.seen = listener.seen.max(Some(seq));
                Rc::clone(&listener.on_resync)
            })
            .collect()
    }
}

/// `/ws` on the page's own host, encrypted if the page is.
fn socket_url() -> Option<String> {
    let page = document().url().ok()?;
    let (scheme, rest) = page.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().filter(|host| !host.is_empty())?;
    let scheme = if scheme.eq_ignore_ascii_case("https") { "wss" } else { "ws" };
    Some(format!("{scheme}://{host}/ws"))
}

/// The wait before the next attempt: doubling from [`FIRST_RETRY_MS`] up to
/// [`LAST_RETRY_MS`], of which a random half, so that the tabs a server
/// restart disconnected do not all come back at the same moment.
fn retry_delay(failures: u32) -> Duration {
    let exponent = i32::try_from(failures.min(8)).unwrap_or(8);
    let ceiling = (FIRST_RETRY_MS * 2f64.powi(exponent)).min(LAST_RETRY_MS);
    let millis = ceiling * (0.5 + 0.5 * js_sys::Math::random());
    Duration::from_secs_f64(millis / 1000.0)
}

/// Waits on the browser's timer, which leaves the page responsive.
async fn sleep(delay: Duration) {
    let (done, finished) = oneshot::channel::<()>();
    set_timeout(
        move || {
            // The waiting task may be gone; then nobody needs the signal.
            let _ = done.send(());
        },
        delay,
    );
    // The sender is only dropped by the timer firing.
    let _ = finished.await;
}
