//! Running the durable job queue (`app::jobs::ssr::queue`): one runner per
//! process with a pool of workers per queue, and the handlers of every
//! kind of job. docs/jobs.md describes the design.

pub mod config;
pub mod housekeeping;
pub mod refund;
pub mod runner;
pub mod settle;

pub use config::JobsConfig;
pub use runner::{Handlers, JobError, JobHandler, Runner};
