//! Delivering committed events to whoever listens in this process.

use crate::live::protocol::LiveEvent;
use std::fmt;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Carries committed events to subscribers. One instance: in process
/// ([`InProcessBus`]). Several instances sharing PostgreSQL: an
/// implementation that sends each event's topic and sequence through
/// `NOTIFY` and has every instance read the row, feeding its local
/// subscribers the same way.
pub trait EventBus: Send + Sync + fmt::Debug {
    /// Delivers a committed event.
    fn publish(&self, event: Arc<LiveEvent>);
    /// Every event published from now on. A receiver that falls more than
    /// the bus's capacity behind gets `Lagged` and must catch up from the
    /// database.
    fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>>;
}

/// Events waiting per slow subscriber before it lags.
const CAPACITY: usize = 4096;

/// The single-instance bus: a tokio broadcast channel.
#[derive(Debug, Clone)]
pub struct InProcessBus {
    sender: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for InProcessBus {
    fn default() -> Self {
        InProcessBus { sender: broadcast::channel(CAPACITY).0 }
    }
}

impl EventBus for InProcessBus {
    fn publish(&self, event: Arc<LiveEvent>) {
        // No receiver is fine: nobody is watching.
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }
}
