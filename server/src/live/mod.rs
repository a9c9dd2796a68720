//! `/ws`: the one WebSocket per browser tab that carries every live topic
//! (docs/live.md). Each socket subscribes to topics it may see, catches up
//! from the database after a reconnect, and then receives committed events
//! from the event bus in order.

mod connection;
mod presence;
mod router;
mod subscriptions;

pub use connection::upgrade;

use crate::sessions::DbSessionStore;
pub use presence::Presence;
pub use router::Router;
use app::state::AppState;

/// What a socket needs: the shop, the session store (to notice a sign-out
/// and find a guest's chat key) and support's presence.
#[derive(Clone, Debug)]
pub struct LiveState {
    pub app: AppState,
    pub sessions: DbSessionStore,
    /// How many support consoles are open here.
    pub presence: Presence,
    /// Hands each event to the sockets holding its topic.
    pub router: Router,
}
