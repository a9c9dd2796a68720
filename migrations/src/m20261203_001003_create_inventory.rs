//! Stock that changes only through movements, and low-stock alerts.
//!
//! Every change to a variant's stock (restock, adjustment, sale,
//! cancellation, Shopify) is a `stock_movements` row written in the
//! change's transaction, so the history explains the figure. A variant's
//! `low_stock_threshold` is where an alert is raised; a partial unique
//! index keeps at most one open alert per variant.

use crate::columns::{foreign_key, id};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The threshold variants created before this migration get.
const DEFAULT_THRESHOLD: i32 = 5;

#[derive(DeriveIden)]
enum Variants {
    Table,
    Id,
    LowStockThreshold,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StockMovements {
    Table,
    Id,
    VariantId,
    Delta,
    StockAfter,
    Reason,
    Note,
    ActorId,
    ActorName,
    OrderId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StockAlerts {
    Table,
    Id,
    VariantId,
    Threshold,
    Stock,
    Status,
    RaisedAt,
    ClosedAt,
    ClosedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Variants::Table)
                    .add_column(ColumnDef::new(Variants::LowStockThreshold).integer().not_null().default(DEFAULT_THRESHOLD))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StockMovements::Table)
                    .col(id(StockMovements::Id))
                    .col(ColumnDef::new(StockMovements::VariantId).integer().not_null())
                    .col(ColumnDef::new(StockMovements::Delta).integer().not_null())
                    .col(ColumnDef::new(StockMovements::StockAfter).integer().not_null())
                    .col(ColumnDef::new(StockMovements::Reason).string_len(16).not_null())
                    .col(ColumnDef::new(StockMovements::Note).string_len(500).not_null().default(""))
                    .col(ColumnDef::new(StockMovements::ActorId).integer().null())
                    .col(ColumnDef::new(StockMovements::ActorName).string_len(200).not_null())
                    .col(ColumnDef::new(StockMovements::OrderId).integer().null())
                    .col(ColumnDef::new(StockMovements::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key(
                        (StockMovements::Table, StockMovements::VariantId),
                        (Variants::Table, Variants::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (StockMovements::Table, StockMovements::ActorId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        (StockMovements::Table, StockMovements::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // A variant's history, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_stock_movements_variant")
                    .table(StockMovements::Table)
                    .col(StockMovements::VariantId)
                    .col(StockMovements::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StockAlerts::Table)
                    .col(id(StockAlerts::Id))
                    .col(ColumnDef::new(StockAlerts::VariantId).integer().not_null())
                    .col(ColumnDef::new(StockAlerts::Threshold).integer().not_null())
                    .col(ColumnDef::new(StockAlerts::Stock).integer().not_null())
                    .col(ColumnDef::new(StockAlerts::Status).string_len(16).not_null())
                    .col(ColumnDef::new(StockAlerts::RaisedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(StockAlerts::ClosedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(StockAlerts::ClosedBy).integer().null())
                    .foreign_key(&mut foreign_key(
                        (StockAlerts::Table, StockAlerts::VariantId),
                        (Variants::Table, Variants::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (StockAlerts::Table, StockAlerts::ClosedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // One open alert per variant: a second raise for the same crossing
        // cannot commit.
        manager
            .get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX uq_stock_alerts_open ON stock_alerts (variant_id) WHERE status = 'open'")
            .await?;
        manager
            .create_index(
                Index::create().name("idx_stock_alerts_status").table(StockAlerts::Table).col(StockAlerts::Status).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StockAlerts::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StockMovements::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Variants::Table).drop_column(Variants::LowStockThreshold).to_owned())
            .await
    }
}
