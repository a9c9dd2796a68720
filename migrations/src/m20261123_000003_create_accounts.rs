//! Accounts: users (customers, sellers and admins), their saved shipping
//! addresses, and the table the session store keeps sessions in.

use crate::columns::id;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    SellerId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Addresses {
    Table,
    Id,
    UserId,
    FullName,
    Line1,
    Line2,
    City,
    Region,
    PostalCode,
    Country,
    Phone,
    IsDefault,
    CreatedAt,
}

/// The session store's table. Its columns are exactly those that
/// `tower-sessions-sqlx-store` reads and writes (see its `migrate()`); the
/// server points the store at this table instead of letting it create its own.
#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiryDate,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}


#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    // Stored trimmed and lowercased by the application, so a
                    // plain unique index makes emails unique case-insensitively
                    // on both backends.
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null().unique_key())
                    .col(ColumnDef::new(Users::Name).string_len(100).not_null())
                    // An argon2id PHC string.
                    .col(ColumnDef::new(Users::PasswordHash).string_len(255).not_null())
                    .col(
                        ColumnDef::new(Users::Role)
                            .string_len(16)
                            .not_null()
                            .default("customer")
                            .check(Expr::col(Users::Role).is_in(["customer", "seller", "admin"])),
                    )
                    // The shop a seller account manages; none for customers.
                    .col(ColumnDef::new(Users::SellerId).integer().null())
                    .col(ColumnDef::new(Users::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Users::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::SellerId)
                            .to(Sellers::Table, Sellers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_users_seller").table(Users::Table).col(Users::SellerId).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Addresses::Table)
                    .col(id(Addresses::Id))
                    .col(ColumnDef::new(Addresses::UserId).integer().not_null())
                    .col(ColumnDef::new(Addresses::FullName).string_len(100).not_null())
                    .col(ColumnDef::new(Addresses::Line1).string_len(200).not_null())
                    .col(ColumnDef::new(Addresses::Line2).string_len(200).null())
                    .col(ColumnDef::new(Addresses::City).string_len(100).not_null())
                    .col(ColumnDef::new(Addresses::Region).string_len(100).null())
                    .col(ColumnDef::new(Addresses::PostalCode).string_len(20).not_null())
                    // ISO 3166-1 alpha-2, upper case.
                    .col(ColumnDef::new(Addresses::Country).string_len(2).not_null())
                    .col(ColumnDef::new(Addresses::Phone).string_len(30).null())
                    .col(ColumnDef::new(Addresses::IsDefault).boolean().not_null().default(false))
                    .col(ColumnDef::new(Addresses::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Addresses::Table, Addresses::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_addresses_user").table(Addresses::Table).col(Addresses::UserId).to_owned())
            .await?;
        // At most one default address per user (a partial unique index, which
        // both SQLite and PostgreSQL support).
        manager
            .create_index(
                Index::create()
                    .name("idx_addresses_one_default")
                    .table(Addresses::Table)
                    .col(Addresses::UserId)
                    .unique()
                    .and_where(Expr::col(Addresses::IsDefault).eq(true))
                    .to_owned(),
            )
            .await?;

        // The store binds a `time::OffsetDateTime` for the expiry: SQLite's
        // store declares the column `integer` (and stores RFC 3339 text in
        // it, compared with `datetime()`), PostgreSQL's `timestamptz`.
        let expiry = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => ColumnDef::new(Sessions::ExpiryDate).integer().not_null().to_owned(),
            _ => ColumnDef::new(Sessions::ExpiryDate).timestamp_with_time_zone().not_null().to_owned(),
        };
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(ColumnDef::new(Sessions::Id).text().not_null().primary_key())
                    // MessagePack-encoded session record.
                    .col(ColumnDef::new(Sessions::Data).blob().not_null())
                    .col(expiry)
                    .to_owned(),
            )
            .await?;
        // The periodic sweep deletes by expiry.
        manager
            .create_index(Index::create().name("idx_sessions_expiry").table(Sessions::Table).col(Sessions::ExpiryDate).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Sessions::Table.into_iden(), Addresses::Table.into_iden(), Users::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
