//! Routes each published event to the sockets that hold its topic, and to
//! no other. With one bus receiver per socket every event woke every socket
//! (10,000 wake-ups for a chat message meant for two); here one task reads
//! the bus and hands each event to its topic's sockets only, in bus order.

use app::live::protocol::LiveEvent;
use app::live::ssr::EventBus;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, Notify};

/// Events waiting for one socket before it counts as too slow.
const SOCKET_QUEUE: usize = 256;

/// One socket's end: where its events go and how it learns it lost some.
struct Route {
    events: mpsc::Sender<Arc<LiveEvent>>,
    /// Woken when an event could not be queued: the socket must end and
    /// catch up on reconnect.
    lagged: Arc<Notify>,
}

#[derive(Default)]
struct Table {
    /// Topic → the sockets holding it, by socket number.
    topics: HashMap<String, HashMap<u64, Arc<Route>>>,
}

/// The routing table, shared by the routing task and every socket.
#[derive(Clone, Default)]
pub struct Router {
    table: Arc<Mutex<Table>>,
    next_socket: Arc<AtomicU64>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router").finish_non_exhaustive()
    }
}

impl Router {
    fn table(&self) -> MutexGuard<'_, Table> {
        // No code holding the lock can panic; a poisoned table is intact.
        self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A router fed by `bus` for as long as the bus lives.
    pub fn start(bus: &dyn EventBus) -> Router {
        let router = Router::default();
        let mut events = bus.subscribe();
        let routing = router.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => routing.route(&event),
                    Err(RecvError::Lagged(missed)) => {
                        // Every socket may have missed something: all of
                        // them reconnect and catch up from the database.
                        tracing::warn!(missed, "the live router fell behind the bus; dropping every socket");
                        routing.all_lagged();
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        });
        router
    }

    fn route(&self, event: &Arc<LiveEvent>) {
        let table = self.table();
        let Some(sockets) = table.topics.get(&event.topic) else { return };
        for route in sockets.values() {
            if route.events.try_send(Arc::clone(event)).is_err() {
                route.lagged.notify_one();
            }
        }
    }

    fn all_lagged(&self) {
        for sockets in self.table().topics.values() {
            for route in sockets.values() {
                route.lagged.notify_one();
            }
        }
    }

    /// A new socket's link: it receives the events of the topics it adds.
    pub fn link(&self) -> Link {
        let (events, receiver) = mpsc::channel(SOCKET_QUEUE);
        let route = Arc::new(Route { events, lagged: Arc::new(Notify::new()) });
        let id = self.next_socket.fetch_add(1, Ordering::Relaxed);
        Link { router: self.clone(), id, lagged: Arc::clone(&route.lagged), route, receiver }
    }
}

/// One socket's subscriptions in the router; dropping it removes them.
pub struct Link {
    router: Router,
    id: u64,
    route: Arc<Route>,
    lagged: Arc<Notify>,
    receiver: mpsc::Receiver<Arc<LiveEvent>>,
}

impl Link {
    /// Routes `topic`'s events to this socket from now on.
    pub fn add(&self, topic: &str) {
        self.router.table().topics.entry(topic.to_string()).or_default().insert(self.id, Arc::clone(&self.route));
    }

    /// Stops routing `topic` here.
    pub fn remove(&self, topic: &str) {
        let mut table = self.router.table();
        if let Some(sockets) = table.topics.get_mut(topic) {
            sockets.remove(&self.id);
            if sockets.is_empty() {
                table.topics.remove(topic);
            }
        }
    }

    /// The next event of this socket's topics. The link holds a sender
    /// itself, so this waits rather than ending.
    pub async fn recv(&mut self) -> Option<Arc<LiveEvent>> {
        self.receiver.recv().await
    }

    /// Notified when an event could not be queued for this socket (kept
    /// as a permit until waited for).
    pub fn lagged(&self) -> Arc<Notify> {
        Arc::clone(&self.lagged)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let mut table = self.router.table();
        table.topics.retain(|_, sockets| {
            sockets.remove(&self.id);
            !sockets.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::live::protocol::EventBody;
    use app::live::ssr::InProcessBus;

    fn event(topic: &str, seq: i64) -> Arc<LiveEvent> {
        Arc::new(LiveEvent { topic: topic.into(), seq, body: EventBody::JobQueued { queue: "default".into() } })
    }

    #[tokio::test]
    async fn events_reach_only_the_sockets_holding_their_topic() {
        let bus = InProcessBus::default();
        let router = Router::start(&bus);
        let mut a = router.link();
        let mut b = router.link();
        a.add("chat:1");
        b.add("chat:2");
        b.add("support");
        bus.publish(event("chat:1", 1));
        bus.publish(event("chat:2", 1));
        bus.publish(event("support", 1));
        assert_eq!(a.recv().await.map(|e| e.topic.clone()).as_deref(), Some("chat:1"));
        assert_eq!(b.recv().await.map(|e| e.topic.clone()).as_deref(), Some("chat:2"));
        assert_eq!(b.recv().await.map(|e| e.topic.clone()).as_deref(), Some("support"));
        b.remove("support");
        drop(a);
        bus.publish(event("support", 2));
        bus.publish(event("chat:2", 2));
        assert_eq!(b.recv().await.map(|e| (e.topic.clone(), e.seq)), Some(("chat:2".to_string(), 2)));
        assert!(!router.table().topics.contains_key("chat:1"), "a dropped link leaves the table");
    }

    #[tokio::test]
    async fn a_socket_that_cannot_keep_up_is_told() {
        let bus = InProcessBus::default();
        let router = Router::start(&bus);
        let slow = router.link();
        slow.add("support");
        for seq in 1..=(SOCKET_QUEUE as i64 + 1) {
            bus.publish(event("support", seq));
        }
        tokio::time::timeout(std::time::Duration::from_secs(5), slow.lagged().notified()).await.expect("told it lagged");
    }
}
