//! Bazaar's database schema, as sea-orm migrations that run unchanged on
//! SQLite and PostgreSQL. Demo data is not here: the server's seeder adds it.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_catalog;
mod m20261123_000002_create_catalog_search;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_catalog::Migration),
            Box::new(m20261123_000002_create_catalog_search::Migration),
        ]
    }
}
