//! Bazaar's database schema, as sea-orm migrations that run unchanged on
//! SQLite and PostgreSQL. Demo data is not here: the server's seeder adds it.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261123_000001_create_catalog;
mod m20261123_000002_create_catalog_search;
mod m20261123_000003_create_accounts;
mod m20261123_000004_create_commerce;
mod m20261124_000101_create_payment_charges;
mod m20261124_000701_add_users_session_generation;
mod m20261124_000702_create_live_orders;
mod m20261202_000801_create_jobs_and_shopify;
mod m20261202_000901_create_chat;
mod m20261203_001001_extend_reviews;
mod m20261203_001002_add_analytics_indexes;
mod m20261203_001003_create_inventory;
mod m20261204_001004_add_category_images;
mod m20261207_001005_add_products_listing_index;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_catalog::Migration),
            Box::new(m20261123_000002_create_catalog_search::Migration),
            Box::new(m20261123_000003_create_accounts::Migration),
            Box::new(m20261123_000004_create_commerce::Migration),
            Box::new(m20261124_000101_create_payment_charges::Migration),
            Box::new(m20261124_000701_add_users_session_generation::Migration),
            Box::new(m20261124_000702_create_live_orders::Migration),
            Box::new(m20261202_000801_create_jobs_and_shopify::Migration),
            Box::new(m20261202_000901_create_chat::Migration),
            Box::new(m20261203_001001_extend_reviews::Migration),
            Box::new(m20261203_001002_add_analytics_indexes::Migration),
            Box::new(m20261203_001003_create_inventory::Migration),
            Box::new(m20261204_001004_add_category_images::Migration),
            Box::new(m20261207_001005_add_products_listing_index::Migration),
        ]
    }
}
