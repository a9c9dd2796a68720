//! Shopify order webhooks: the endpoint that receives them (`ingest`),
//! their signature (`signature`), the endpoint's settings (`config`), the
//! payload (`payload`) and the job that applies one to its order (`sync`).

pub mod config;
pub mod ingest;
pub mod payload;
pub mod signature;
pub mod sync;
