//! Commerce: signed-in carts, wishlists, orders with their items (prices
//! snapshotted at purchase), and the outbox of emails to send.

use crate::columns::{foreign_key, id};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CartItems {
    Table,
    Id,
    UserId,
    VariantId,
    Quantity,
    AddedAt,
}

#[derive(DeriveIden)]
enum WishlistItems {
    Table,
    Id,
    UserId,
    ProductId,
    AddedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    UserId,
    Status,
    Version,
    IdempotencyKey,
    SubtotalCents,
    ShippingCents,
    TotalCents,
    Currency,
    ShipName,
    ShipLine1,
    ShipLine2,
    ShipCity,
    ShipRegion,
    ShipPostalCode,
    ShipCountry,
    ShipPhone,
    PaymentReference,
    TrackingNumber,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    VariantId,
    ProductName,
    VariantLabel,
    Sku,
    UnitPriceCents,
    Quantity,
}

#[derive(DeriveIden)]
enum OutboxEmails {
    Table,
    Id,
    ToAddress,
    Subject,
    BodyText,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Variants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}



#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CartItems::Table)
                    .col(id(CartItems::Id))
                    .col(ColumnDef::new(CartItems::UserId).integer().not_null())
                    .col(ColumnDef::new(CartItems::VariantId).integer().not_null())
                    .col(ColumnDef::new(CartItems::Quantity).integer().not_null().check(Expr::col(CartItems::Quantity).gt(0)))
                    .col(ColumnDef::new(CartItems::AddedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key((CartItems::Table, CartItems::UserId), (Users::Table, Users::Id), ForeignKeyAction::Cascade))
                    .foreign_key(&mut foreign_key((CartItems::Table, CartItems::VariantId), (Variants::Table, Variants::Id), ForeignKeyAction::Cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("uq_cart_items_user_variant").table(CartItems::Table).col(CartItems::UserId).col(CartItems::VariantId).unique().to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WishlistItems::Table)
                    .col(id(WishlistItems::Id))
                    .col(ColumnDef::new(WishlistItems::UserId).integer().not_null())
                    .col(ColumnDef::new(WishlistItems::ProductId).integer().not_null())
                    .col(ColumnDef::new(WishlistItems::AddedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key((WishlistItems::Table, WishlistItems::UserId), (Users::Table, Users::Id), ForeignKeyAction::Cascade))
                    .foreign_key(&mut foreign_key((WishlistItems::Table, WishlistItems::ProductId), (Products::Table, Products::Id), ForeignKeyAction::Cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("uq_wishlist_user_product").table(WishlistItems::Table).col(WishlistItems::UserId).col(WishlistItems::ProductId).unique().to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(id(Orders::Id))
                    .col(ColumnDef::new(Orders::UserId).integer().not_null())
                    .col(ColumnDef::new(Orders::Status).string_len(16).not_null())
                    // Bumped by every write; admins' edits carry the version
                    // they read (optimistic locking).
                    .col(ColumnDef::new(Orders::Version).integer().not_null().default(1))
                    .col(ColumnDef::new(Orders::IdempotencyKey).string_len(100).not_null())
                    .col(ColumnDef::new(Orders::SubtotalCents).big_integer().not_null())
                    .col(ColumnDef::new(Orders::ShippingCents).big_integer().not_null())
                    .col(ColumnDef::new(Orders::TotalCents).big_integer().not_null())
                    .col(ColumnDef::new(Orders::Currency).string_len(3).not_null())
                    .col(ColumnDef::new(Orders::ShipName).string_len(100).not_null())
                    .col(ColumnDef::new(Orders::ShipLine1).string_len(200).not_null())
                    .col(ColumnDef::new(Orders::ShipLine2).string_len(200).not_null().default(""))
                    .col(ColumnDef::new(Orders::ShipCity).string_len(100).not_null())
                    .col(ColumnDef::new(Orders::ShipRegion).string_len(100).not_null().default(""))
                    .col(ColumnDef::new(Orders::ShipPostalCode).string_len(20).not_null())
                    .col(ColumnDef::new(Orders::ShipCountry).string_len(2).not_null())
                    .col(ColumnDef::new(Orders::ShipPhone).string_len(40).not_null().default(""))
                    .col(ColumnDef::new(Orders::PaymentReference).string_len(100).not_null().default(""))
                    .col(ColumnDef::new(Orders::TrackingNumber).string_len(100).null())
                    .col(ColumnDef::new(Orders::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Orders::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key((Orders::Table, Orders::UserId), (Users::Table, Users::Id), ForeignKeyAction::Restrict))
                    .to_owned(),
            )
            .await?;
        // One order per checkout attempt: a replayed request finds its order here.
        manager
            .create_index(Index::create().name("uq_orders_user_idempotency").table(Orders::Table).col(Orders::UserId).col(Orders::IdempotencyKey).unique().to_owned())
            .await?;
        manager
            .create_index(Index::create().name("idx_orders_user_created").table(Orders::Table).col(Orders::UserId).col(Orders::CreatedAt).to_owned())
            .await?;
        manager
            .create_index(Index::create().name("idx_orders_created").table(Orders::Table).col(Orders::CreatedAt).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(id(OrderItems::Id))
                    .col(ColumnDef::new(OrderItems::OrderId).integer().not_null())
                    .col(ColumnDef::new(OrderItems::VariantId).integer().not_null())
                    .col(ColumnDef::new(OrderItems::ProductName).string_len(200).not_null())
                    .col(ColumnDef::new(OrderItems::VariantLabel).string_len(120).not_null())
                    .col(ColumnDef::new(OrderItems::Sku).string_len(64).not_null())
                    .col(ColumnDef::new(OrderItems::UnitPriceCents).big_integer().not_null())
                    .col(ColumnDef::new(OrderItems::Quantity).integer().not_null().check(Expr::col(OrderItems::Quantity).gt(0)))
                    .foreign_key(&mut foreign_key((OrderItems::Table, OrderItems::OrderId), (Orders::Table, Orders::Id), ForeignKeyAction::Cascade))
                    .foreign_key(&mut foreign_key((OrderItems::Table, OrderItems::VariantId), (Variants::Table, Variants::Id), ForeignKeyAction::Restrict))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_order_items_order").table(OrderItems::Table).col(OrderItems::OrderId).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxEmails::Table)
                    .col(id(OutboxEmails::Id))
                    .col(ColumnDef::new(OutboxEmails::ToAddress).string_len(254).not_null())
                    .col(ColumnDef::new(OutboxEmails::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(OutboxEmails::BodyText).text().not_null())
                    // pending → sent, or failed after the last retry.
                    .col(ColumnDef::new(OutboxEmails::Status).string_len(16).not_null().default("pending"))
                    .col(ColumnDef::new(OutboxEmails::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(OutboxEmails::NextAttemptAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(OutboxEmails::LastError).text().null())
                    .col(ColumnDef::new(OutboxEmails::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(OutboxEmails::SentAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_outbox_due").table(OutboxEmails::Table).col(OutboxEmails::Status).col(OutboxEmails::NextAttemptAt).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboxEmails::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
            WishlistItems::Table.into_iden(),
            CartItems::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
