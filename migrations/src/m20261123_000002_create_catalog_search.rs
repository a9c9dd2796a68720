//! Full-text search over product name, tags and description, with each
//! backend's own engine: an external-content FTS5 table kept in step by
//! triggers on SQLite, a weighted generated `tsvector` with a GIN index on
//! PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = r#"
CREATE VIRTUAL TABLE products_fts USING fts5(
    name, tags, description,
    content = 'products', content_rowid = 'id',
    tokenize = 'porter unicode61'
);
INSERT INTO products_fts(rowid, name, tags, description)
    SELECT id, name, tags, description FROM products;
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts(rowid, name, tags, description)
        VALUES (new.id, new.name, new.tags, new.description);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, name, tags, description)
        VALUES ('delete', old.id, old.name, old.tags, old.description);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF name, tags, description ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, name, tags, description)
        VALUES ('delete', old.id, old.name, old.tags, old.description);
    INSERT INTO products_fts(rowid, name, tags, description)
        VALUES (new.id, new.name, new.tags, new.description);
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS products_fts_update;
DROP TRIGGER IF EXISTS products_fts_delete;
DROP TRIGGER IF EXISTS products_fts_insert;
DROP TABLE IF EXISTS products_fts;
"#;

const POSTGRES_UP: &str = r#"
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(tags, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(description, '')), 'C')
) STORED;
CREATE INDEX idx_products_search ON products USING GIN (search_vector);
"#;

const POSTGRES_DOWN: &str = r#"
DROP INDEX IF EXISTS idx_products_search;
ALTER TABLE products DROP COLUMN IF EXISTS search_vector;
"#;

fn unsupported(backend: DatabaseBackend) -> DbErr {
    DbErr::Migration(format!("full-text search is not implemented for {backend:?}"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_UP,
            DatabaseBackend::Postgres => POSTGRES_UP,
            other => return Err(unsupported(other)),
        };
        manager.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_DOWN,
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            other => return Err(unsupported(other)),
        };
        manager.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }
}
