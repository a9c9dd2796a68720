//! The live channel: domain events recorded in the change's transaction
//! (`ssr::record`), delivered after commit by the event bus (`ssr::bus`) to
//! one WebSocket per browser tab (`/ws`, the server's `live` module), and
//! the browser's end of that socket (`socket`). docs/live.md describes the
//! protocol.

pub mod protocol;
#[cfg(feature = "hydrate")]
pub mod socket;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod topic;
pub mod ui;
