//! The durable job queue that runs all background work (emails, Shopify
//! orders, refunds, pruning), the Shopify webhook deliveries it is fed
//! from, and the columns that tie an order to its Shopify original.

use crate::columns::{foreign_key, id};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Queue,
    Kind,
    Payload,
    Status,
    Attempts,
    MaxAttempts,
    RunAt,
    LeaseUntil,
    Worker,
    LastError,
    DedupeKey,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    Topic,
    ShopDomain,
    ReceivedAt,
    Result,
    JobId,
    Body,
    Error,
}

/// Staff actions outside orders (retrying or discarding a job, …).
#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    Subject,
    Detail,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrderExternalLines {
    Table,
    Id,
    OrderId,
    Title,
    Sku,
    UnitPriceCents,
    Quantity,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    ShopifyOrderId,
    ShopifyUpdatedAt,
}

#[derive(DeriveIden)]
enum OutboxEmails {
    Table,
    ClaimedUntil,
}

#[derive(DeriveIden)]
enum OrderAudit {
    Table,
    ActorName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(id(Jobs::Id))
                    .col(ColumnDef::new(Jobs::Queue).string_len(40).not_null())
                    .col(ColumnDef::new(Jobs::Kind).string_len(60).not_null())
                    .col(ColumnDef::new(Jobs::Payload).text().not_null())
                    // pending → running → done; running → failed (retried
                    // at run_at) or dead (out of attempts).
                    .col(ColumnDef::new(Jobs::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Jobs::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null())
                    .col(ColumnDef::new(Jobs::RunAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::LeaseUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Jobs::Worker).string_len(100).null())
                    .col(ColumnDef::new(Jobs::LastError).text().null())
                    // At most one job per key (an hourly prune, say).
                    .col(ColumnDef::new(Jobs::DedupeKey).string_len(200).null().unique_key())
                    .col(ColumnDef::new(Jobs::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::FinishedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        // What a worker's claim scans: its queue's due jobs.
        manager
            .create_index(
                Index::create().name("idx_jobs_claim").table(Jobs::Table).col(Jobs::Queue).col(Jobs::Status).col(Jobs::RunAt).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id(WebhookDeliveries::Id))
                    // Shopify's X-Shopify-Webhook-Id: a redelivery finds its row.
                    .col(ColumnDef::new(WebhookDeliveries::WebhookId).string_len(100).not_null().unique_key())
                    .col(ColumnDef::new(WebhookDeliveries::Topic).string_len(60).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::ShopDomain).string_len(255).not_null().default(""))
                    .col(ColumnDef::new(WebhookDeliveries::ReceivedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Result).string_len(16).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::JobId).integer().null())
                    // The raw request body, byte for byte.
                    .col(ColumnDef::new(WebhookDeliveries::Body).blob().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Error).text().null())
                    .foreign_key(&mut foreign_key(
                        (WebhookDeliveries::Table, WebhookDeliveries::JobId),
                        (Jobs::Table, Jobs::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_received")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id(AuditLog::Id))
                    .col(ColumnDef::new(AuditLog::ActorId).integer().null())
                    .col(ColumnDef::new(AuditLog::Action).string_len(60).not_null())
                    .col(ColumnDef::new(AuditLog::Subject).string_len(100).not_null())
                    .col(ColumnDef::new(AuditLog::Detail).text().not_null().default(""))
                    .col(ColumnDef::new(AuditLog::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key((AuditLog::Table, AuditLog::ActorId), (Users::Table, Users::Id), ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        // Lines of a Shopify order whose SKU matches none of our variants.
        manager
            .create_table(
                Table::create()
                    .table(OrderExternalLines::Table)
                    .col(id(OrderExternalLines::Id))
                    .col(ColumnDef::new(OrderExternalLines::OrderId).integer().not_null())
                    .col(ColumnDef::new(OrderExternalLines::Title).string_len(255).not_null())
                    .col(ColumnDef::new(OrderExternalLines::Sku).string_len(64).not_null().default(""))
                    .col(ColumnDef::new(OrderExternalLines::UnitPriceCents).big_integer().not_null())
                    .col(ColumnDef::new(OrderExternalLines::Quantity).integer().not_null())
                    .foreign_key(&mut foreign_key(
                        (OrderExternalLines::Table, OrderExternalLines::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_external_lines_order")
                    .table(OrderExternalLines::Table)
                    .col(OrderExternalLines::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Orders::Table).add_column(ColumnDef::new(Orders::ShopifyOrderId).big_integer().null()).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(ColumnDef::new(Orders::ShopifyUpdatedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        // One order per Shopify order; NULLs (our own orders) do not collide.
        manager
            .create_index(
                Index::create().name("uq_orders_shopify").table(Orders::Table).col(Orders::ShopifyOrderId).unique().to_owned(),
            )
            .await?;
        // Emails are sent by jobs now, which hold the lease themselves.
        manager.alter_table(Table::alter().table(OutboxEmails::Table).drop_column(OutboxEmails::ClaimedUntil).to_owned()).await?;
        // Who made a change that no account made ("Shopify").
        manager
            .alter_table(
                Table::alter().table(OrderAudit::Table).add_column(ColumnDef::new(OrderAudit::ActorName).string_len(60).null()).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(OrderAudit::Table).drop_column(OrderAudit::ActorName).to_owned()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxEmails::Table)
                    .add_column(ColumnDef::new(OutboxEmails::ClaimedUntil).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name("uq_orders_shopify").table(Orders::Table).to_owned()).await?;
        for column in [Orders::ShopifyUpdatedAt, Orders::ShopifyOrderId] {
            manager.alter_table(Table::alter().table(Orders::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(OrderExternalLines::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Jobs::Table).to_owned()).await
    }
}
