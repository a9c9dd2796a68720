//! Chat on the server: who is writing (`party`), the send rate limits
//! (`limits`), reading conversations (`read`), writing messages (`send`)
//! and support's actions on a conversation (`manage`).

pub mod limits;
pub mod manage;
pub mod party;
pub mod read;
pub mod send;

pub use limits::ChatLimits;
pub use party::Party;
