//! Whether support is online: how many admin sockets on this instance hold
//! the `support` topic (the console is open). Crossing between none and
//! some publishes a `SUPPORT_PRESENCE` signal on `presence`.
//!
//! The count is this instance's. Several instances would each announce
//! their own, so a customer could be told "offline" by an instance while
//! support is online on another; the scale-out work shares it through the
//! same bus (docs/live.md).

use app::live::protocol::EventBody;
use app::live::ssr::{EventBus, Recorded};
use app::live::topic::Topic;
use std::sync::{Arc, Mutex};

/// The shared count of open consoles.
#[derive(Debug, Clone, Default)]
pub struct Presence(Arc<Mutex<usize>>);

impl Presence {
    /// Whether at least one console is open.
    pub fn online(&self) -> bool {
        self.count() > 0
    }

    fn count(&self) -> usize {
        // A poisoned count is still a count: nothing in between can panic.
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn change(&self, bus: &dyn EventBus, by: isize) {
        let (before, after) = {
            let mut count = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let before = *count;
            *count = count.saturating_add_signed(by);
            (before, *count)
        };
        if (before == 0) != (after == 0) {
            Recorded::signal(Topic::Presence, EventBody::SupportPresence { online: after > 0 }).publish(bus);
        }
    }

    /// An admin socket opened the console; it leaves when the returned
    /// seat drops (unsubscribed, or the socket ended).
    pub fn join(&self, bus: Arc<dyn EventBus>) -> Seat {
        self.change(bus.as_ref(), 1);
        Seat { presence: self.clone(), bus }
    }
}

/// One open console; dropping it leaves.
pub struct Seat {
    presence: Presence,
    bus: Arc<dyn EventBus>,
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.presence.change(self.bus.as_ref(), -1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::live::ssr::InProcessBus;

    #[test]
    fn crossing_none_and_some_is_announced_once_each_way() {
        let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
        let mut heard = bus.subscribe();
        let presence = Presence::default();
        assert!(!presence.online());
        let first = presence.join(Arc::clone(&bus));
        let second = presence.join(Arc::clone(&bus));
        assert!(presence.online());
        drop(first);
        assert!(presence.online(), "one console is still open");
        drop(second);
        assert!(!presence.online());
        let online: Vec<bool> = std::iter::from_fn(|| heard.try_recv().ok())
            .map(|event| match event.body {
                EventBody::SupportPresence { online } => online,
                ref other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(online, [true, false]);
    }
}
