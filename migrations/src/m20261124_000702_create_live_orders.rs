//! The live channel and the admin order desk: domain events with a
//! per-topic sequence, the orders' audit log, internal notes and status
//! timestamps, sort indexes for the admin table, and a claim on outbox
//! emails so that two instances never send the same email twice.

use crate::columns::{foreign_key, id};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Topic,
    Seq,
    Kind,
    Payload,
    CreatedAt,
}

/// One row per topic holding its last sequence number. Updating it in the
/// change's transaction locks it until commit, so sequence numbers follow
/// commit order (an auto-increment id does not on PostgreSQL).
#[derive(DeriveIden)]
enum EventTopics {
    Table,
    Topic,
    LastSeq,
}

#[derive(DeriveIden)]
enum OrderAudit {
    Table,
    Id,
    OrderId,
    ActorId,
    Field,
    OldValue,
    NewValue,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Notes,
    ConfirmedAt,
    ShippedAt,
    DeliveredAt,
    CancelledAt,
    UpdatedAt,
    TotalCents,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OutboxEmails {
    Table,
    ClaimedUntil,
}

/// Columns added to `orders`, one statement each (SQLite adds one column
/// per ALTER TABLE).
fn order_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(Orders::Notes).text().not_null().default("").to_owned(),
        ColumnDef::new(Orders::ConfirmedAt).timestamp_with_time_zone().null().to_owned(),
        ColumnDef::new(Orders::ShippedAt).timestamp_with_time_zone().null().to_owned(),
        ColumnDef::new(Orders::DeliveredAt).timestamp_with_time_zone().null().to_owned(),
        ColumnDef::new(Orders::CancelledAt).timestamp_with_time_zone().null().to_owned(),
    ]
}

const ORDER_INDEXES: [(&str, Orders); 3] =
    [("idx_orders_updated", Orders::UpdatedAt), ("idx_orders_total", Orders::TotalCents), ("idx_orders_status", Orders::Status)];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventTopics::Table)
                    .col(ColumnDef::new(EventTopics::Topic).string_len(100).not_null().primary_key())
                    .col(ColumnDef::new(EventTopics::LastSeq).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(id(Events::Id))
                    .col(ColumnDef::new(Events::Topic).string_len(100).not_null())
                    .col(ColumnDef::new(Events::Seq).big_integer().not_null())
                    .col(ColumnDef::new(Events::Kind).string_len(40).not_null())
                    .col(ColumnDef::new(Events::Payload).text().not_null())
                    .col(ColumnDef::new(Events::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("uq_events_topic_seq").table(Events::Table).col(Events::Topic).col(Events::Seq).unique().to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_events_created").table(Events::Table).col(Events::CreatedAt).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderAudit::Table)
                    .col(id(OrderAudit::Id))
                    .col(ColumnDef::new(OrderAudit::OrderId).integer().not_null())
                    .col(ColumnDef::new(OrderAudit::ActorId).integer().null())
                    .col(ColumnDef::new(OrderAudit::Field).string_len(40).not_null())
                    .col(ColumnDef::new(OrderAudit::OldValue).text().null())
                    .col(ColumnDef::new(OrderAudit::NewValue).text().null())
                    .col(ColumnDef::new(OrderAudit::ChangedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key((OrderAudit::Table, OrderAudit::OrderId), (Orders::Table, Orders::Id), ForeignKeyAction::Cascade))
                    .foreign_key(&mut foreign_key((OrderAudit::Table, OrderAudit::ActorId), (Users::Table, Users::Id), ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_order_audit_order").table(OrderAudit::Table).col(OrderAudit::OrderId).to_owned())
            .await?;
        for column in order_columns() {
            manager.alter_table(Table::alter().table(Orders::Table).add_column(column).to_owned()).await?;
        }
        for (name, column) in ORDER_INDEXES {
            manager.create_index(Index::create().name(name).table(Orders::Table).col(column).col(Orders::Id).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create().name("idx_orders_status_created").table(Orders::Table).col(Orders::Status).col(Orders::CreatedAt).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxEmails::Table)
                    .add_column(ColumnDef::new(OutboxEmails::ClaimedUntil).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(OutboxEmails::Table).drop_column(OutboxEmails::ClaimedUntil).to_owned()).await?;
        manager.drop_index(Index::drop().name("idx_orders_status_created").table(Orders::Table).to_owned()).await?;
        for (name, _) in ORDER_INDEXES {
            manager.drop_index(Index::drop().name(name).table(Orders::Table).to_owned()).await?;
        }
        for column in [Orders::Notes, Orders::ConfirmedAt, Orders::ShippedAt, Orders::DeliveredAt, Orders::CancelledAt] {
            manager.alter_table(Table::alter().table(Orders::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(OrderAudit::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Events::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EventTopics::Table).to_owned()).await
    }
}
