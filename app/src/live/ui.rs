//! What pages use of the live channel: [`provide_live`] once for the app,
//! [`use_live_topic`] in a component that shows a topic's data, and
//! [`LiveIndicator`] to show whether updates are arriving. On the server
//! these render the "Connecting…" state and subscribe to nothing; the
//! socket opens in the browser after hydration.

use super::protocol::LiveEvent;
use super::topic::Topic;
use leptos::prelude::*;

/// The state of the tab's live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Not open yet: the first attempt is under way (or nothing has
    /// subscribed yet). Also what the server renders.
    Connecting,
    /// Open; events arrive as they happen.
    Live,
    /// It was open and dropped; retrying with backoff.
    Reconnecting,
}

impl LiveStatus {
    /// What the indicator says.
    pub fn label(self) -> &'static str {
        match self {
            LiveStatus::Connecting => "Connecting…",
            LiveStatus::Live => "Live",
            LiveStatus::Reconnecting => "Reconnecting…",
        }
    }

    /// A stable name for styling (`data-state`).
    pub fn key(self) -> &'static str {
        match self {
            LiveStatus::Connecting => "connecting",
            LiveStatus::Live => "live",
            LiveStatus::Reconnecting => "reconnecting",
        }
    }
}

/// The app-wide live state, from [`provide_live`].
#[derive(Clone, Copy)]
struct LiveContext {
    status: RwSignal<LiveStatus>,
    /// Local storage because the socket lives on the browser's one thread.
    #[cfg(feature = "hydrate")]
    socket: StoredValue<super::socket::LiveSocket, LocalStorage>,
}

/// Makes the tab's live connection available to every page; call once in
/// `App`. Opens nothing: the socket opens on the first subscription.
pub fn provide_live() {
    let status = RwSignal::new(LiveStatus::Connecting);
    provide_context(LiveContext {
        status,
        #[cfg(feature = "hydrate")]
        socket: StoredValue::new_local(super::socket::LiveSocket::new(status)),
    });
}

/// Subscribes the calling component to `topic` for as long as it lives.
///
/// `after` is the topic's sequence number the page's data was read at, so
/// that nothing between loading and subscribing is missed (`None`: only new
/// events). `on_event` gets each later event once, in order, and every
/// signal (typing, presence) as it comes; `on_resync`
/// is called when events were lost and the component must reload its data.
/// Does nothing on the server; in the browser it subscribes after
/// hydration.
pub fn use_live_topic(topic: Topic, after: Option<i64>, on_event: impl Fn(LiveEvent) + 'static, on_resync: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use std::rc::Rc;

        let Some(live) = use_context::<LiveContext>() else {
            leptos::logging::warn!("live: use_live_topic({topic}) without provide_live; no live updates");
            return;
        };
        let on_event: Rc<dyn Fn(LiveEvent)> = Rc::new(on_event);
        let on_resync: Rc<dyn Fn()> = Rc::new(on_resync);
        // Effects run only in the browser and only after hydration, so the
        // server-rendered page is never affected. It reads no signal, so it
        // runs once; its cleanup runs when the component goes away.
        Effect::new(move |_| {
            let Some(socket) = live.socket.try_get_value() else { return };
            let id = socket.listen(topic, after, Rc::clone(&on_event), Rc::clone(&on_resync));
            on_cleanup(move || {
                live.socket.try_with_value(|socket| socket.forget(topic, id));
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // The server renders a snapshot; there is nothing to subscribe.
        let _ = (topic, after, on_event, on_resync);
    }
}

/// A function that tells the other side of a chat topic that this tab is
/// typing (a signal the server throttles and never stores). It does
/// nothing on the server or while the socket is down.
pub fn use_typing() -> impl Fn(Topic) + Clone + 'static {
    let live = use_context::<LiveContext>();
    move |topic| {
        #[cfg(feature = "hydrate")]
        if let Some(live) = live {
            live.socket.try_with_value(|socket| socket.typing(topic));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (topic, live);
    }
}

/// A function that reopens the tab's socket with its current cookies (see
/// `LiveSocket::reconnect`). Does nothing on the server.
pub fn use_reconnect() -> impl Fn() + Copy + 'static {
    let live = use_context::<LiveContext>();
    move || {
        #[cfg(feature = "hydrate")]
        if let Some(live) = live {
            live.socket.try_with_value(|socket| socket.reconnect());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = live;
    }
}

/// Says whether live updates are arriving: "Live", "Reconnecting…" after
/// the connection dropped, "Connecting…" before it first opened.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let status = use_context::<LiveContext>().map(|live| live.status);
    let status = move || status.map_or(LiveStatus::Connecting, |status| status.get());
    view! {
        <p class="live-indicator" role="status" data-state=move || status().key()>
            {move || status().label()}
        </p>
    }
}
