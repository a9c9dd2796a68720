//! Integration tests: the real server on a free port, against a fresh
//! database per test, called over HTTP. Every test runs on SQLite and on
//! PostgreSQL (`BAZAAR_TEST_POSTGRES_URL`, default 127.0.0.1:5432); a
//! missing PostgreSQL fails the PostgreSQL tests loudly.

mod accounts;
mod admin;
mod analytics;
mod assets;
mod bad_input;
mod cart;
mod catalog;
mod categories;
mod chat;
mod checkout;
mod edge;
mod export;
mod fuzz;
mod head;
mod helpers;
mod hydration;
mod idempotency;
mod inventory;
mod jobs;
mod live;
mod queue;
mod reviews;
mod page_cache;
mod payments;
mod process;
mod production;
mod seed_orders;
mod seed_products;
mod sessions;
mod settle;
mod shopify;
mod shopify_crash;
mod shopify_sync;
mod sign_in_load;
