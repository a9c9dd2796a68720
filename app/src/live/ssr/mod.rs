//! The server's side of the live channel.

pub mod access;
pub mod bus;
pub mod catch_up;
pub mod prune;
pub mod record;

pub use bus::{EventBus, InProcessBus};
pub use record::{record, Recorded, Staged};
