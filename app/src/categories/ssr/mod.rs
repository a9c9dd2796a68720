//! The category tree as admins read and write it, on the server: plain
//! functions taking a connection, called by the server functions and by
//! anything else that needs the same rules.

pub mod read;
pub mod write;
