//! The simulated payment provider's ledger: every charge it makes, with a
//! reference unique across restarts and across servers sharing the
//! database; and the fingerprint of the request that placed each order, so
//! a reused idempotency key with different details is refused.

use crate::columns::id;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PaymentCharges {
    Table,
    Id,
    Reference,
    IdempotencyKey,
    Attempt,
    AmountCents,
    Currency,
    CardLast4,
    Status,
    CreatedAt,
    RefundedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    RequestFingerprint,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaymentCharges::Table)
                    .col(id(PaymentCharges::Id))
                    .col(ColumnDef::new(PaymentCharges::Reference).string_len(40).not_null())
                    .col(ColumnDef::new(PaymentCharges::IdempotencyKey).string_len(200).not_null())
                    // A key's charges count up: a refunded charge is never
                    // handed out again, the next charge for the key is a new one.
                    .col(ColumnDef::new(PaymentCharges::Attempt).integer().not_null())
                    .col(ColumnDef::new(PaymentCharges::AmountCents).big_integer().not_null())
                    .col(ColumnDef::new(PaymentCharges::Currency).string_len(3).not_null())
                    .col(ColumnDef::new(PaymentCharges::CardLast4).string_len(4).not_null())
                    // paid → refunded.
                    .col(ColumnDef::new(PaymentCharges::Status).string_len(16).not_null())
                    .col(ColumnDef::new(PaymentCharges::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(PaymentCharges::RefundedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_payment_charges_reference")
                    .table(PaymentCharges::Table)
                    .col(PaymentCharges::Reference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Two servers charging the same key at once: one insert wins, the
        // other finds the winner's charge.
        manager
            .create_index(
                Index::create()
                    .name("uq_payment_charges_key_attempt")
                    .table(PaymentCharges::Table)
                    .col(PaymentCharges::IdempotencyKey)
                    .col(PaymentCharges::Attempt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    // Hex SHA-256 of the checkout request; "" for orders
                    // placed before fingerprints were kept.
                    .add_column(ColumnDef::new(Orders::RequestFingerprint).string_len(64).not_null().default(""))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Orders::Table).drop_column(Orders::RequestFingerprint).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(PaymentCharges::Table).to_owned()).await?;
        Ok(())
    }
}
