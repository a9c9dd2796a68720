//! The catalog as its managers read and write it, on the server.

pub mod images;
pub mod read;
pub mod save;
