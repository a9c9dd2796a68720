//! Stock movements and low-stock alerts on the server.

pub mod alerts;
pub mod events;
pub mod adjust;
pub mod movement;
