//! Reviews written by customers: each tied to its author (the seeded demo
//! reviews have none), one per customer per product, hideable by admins,
//! with a count of "Helpful" votes, each customer voting once per review.

use crate::columns::{foreign_key, id};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    ProductId,
    UserId,
    Hidden,
    HelpfulCount,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReviewVotes {
    Table,
    Id,
    ReviewId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

const UNIQUE_AUTHOR: &str = "uq_reviews_product_user";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // sea-query cannot put a foreign key on an added SQLite column; this
        // statement reads the same on SQLite and PostgreSQL. A deleted
        // account leaves its reviews (and the product's totals) in place.
        db.execute_unprepared("ALTER TABLE reviews ADD COLUMN user_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL")
            .await?;
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Reviews::Hidden).boolean().not_null().default(false).to_owned(),
            ColumnDef::new(Reviews::HelpfulCount).integer().not_null().default(0).to_owned(),
            // SQLite cannot add a NOT NULL column without a constant default;
            // the existing rows get their creation time just below, and new
            // rows always set it.
            ColumnDef::new(Reviews::UpdatedAt).timestamp_with_time_zone().not_null().default("1970-01-01T00:00:00Z").to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Reviews::Table).add_column(column).to_owned()).await?;
        }
        db.execute_unprepared("UPDATE reviews SET updated_at = created_at").await?;
        // One review per customer per product; the seeded reviews' NULL
        // authors never collide.
        manager
            .create_index(
                Index::create().name(UNIQUE_AUTHOR).table(Reviews::Table).col(Reviews::ProductId).col(Reviews::UserId).unique().to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewVotes::Table)
                    .col(id(ReviewVotes::Id))
                    .col(ColumnDef::new(ReviewVotes::ReviewId).integer().not_null())
                    .col(ColumnDef::new(ReviewVotes::UserId).integer().not_null())
                    .col(ColumnDef::new(ReviewVotes::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key(
                        (ReviewVotes::Table, ReviewVotes::ReviewId),
                        (Reviews::Table, Reviews::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (ReviewVotes::Table, ReviewVotes::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // "Helpful" once per customer per review, even when two clicks race.
        manager
            .create_index(
                Index::create()
                    .name("uq_review_votes_review_user")
                    .table(ReviewVotes::Table)
                    .col(ReviewVotes::ReviewId)
                    .col(ReviewVotes::UserId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ReviewVotes::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(UNIQUE_AUTHOR).table(Reviews::Table).to_owned()).await?;
        for column in [Reviews::UpdatedAt, Reviews::HelpfulCount, Reviews::Hidden, Reviews::UserId] {
            manager.alter_table(Table::alter().table(Reviews::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
