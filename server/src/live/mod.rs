//! `/ws`: the one WebSocket per browser tab that carries every live topic
//! (docs/live.md). Each socket subscribes to topics it may see, catches up
//! from the database after a reconnect, and then receives committed events
//! from the event bus in order.

mod connection;
mod subscriptions;

pub use connection::upgrade;

use crate::sessions::DbSessionStore;
use app::state::AppState;

/// What a socket needs: the shop and the session store, to notice a
/// sign-out.
#[derive(Clone, Debug)]
pub struct LiveState {
    pub app: AppState,
    pub sessions: DbSessionStore,
}
