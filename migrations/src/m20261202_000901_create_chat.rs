//! Live chat between customers and support: one conversation per customer
//! (or guest session) with the support team, and its messages, each with
//! a per-conversation sequence number.

use crate::columns::{foreign_key, id};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChatConversations {
    Table,
    Id,
    UserId,
    GuestKey,
    CustomerName,
    Status,
    AssigneeId,
    OrderId,
    LastSeq,
    CustomerReadSeq,
    SupportReadSeq,
    LastMessage,
    LastMessageAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ChatMessages {
    Table,
    Id,
    ConversationId,
    Seq,
    ClientId,
    Author,
    AuthorUserId,
    AuthorName,
    Body,
    CreatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChatConversations::Table)
                    .col(id(ChatConversations::Id))
                    // A signed-in customer's, or a guest's: `guest_key` is a
                    // random key kept in the guest's session; signing in
                    // moves the conversation to the account.
                    .col(ColumnDef::new(ChatConversations::UserId).integer().null())
                    .col(ColumnDef::new(ChatConversations::GuestKey).string_len(64).null())
                    .col(ColumnDef::new(ChatConversations::CustomerName).string_len(200).not_null())
                    // open | closed
                    .col(ColumnDef::new(ChatConversations::Status).string_len(16).not_null())
                    .col(ColumnDef::new(ChatConversations::AssigneeId).integer().null())
                    .col(ColumnDef::new(ChatConversations::OrderId).integer().null())
                    // The last message's sequence number, and how far each
                    // side has read: unread counts are the differences.
                    .col(ColumnDef::new(ChatConversations::LastSeq).big_integer().not_null().default(0))
                    .col(ColumnDef::new(ChatConversations::CustomerReadSeq).big_integer().not_null().default(0))
                    .col(ColumnDef::new(ChatConversations::SupportReadSeq).big_integer().not_null().default(0))
                    .col(ColumnDef::new(ChatConversations::LastMessage).string_len(400).not_null().default(""))
                    .col(ColumnDef::new(ChatConversations::LastMessageAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ChatConversations::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ChatConversations::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key(
                        (ChatConversations::Table, ChatConversations::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (ChatConversations::Table, ChatConversations::AssigneeId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        (ChatConversations::Table, ChatConversations::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_chat_conversations_user", ChatConversations::UserId),
            ("idx_chat_conversations_guest", ChatConversations::GuestKey),
            // The support console lists newest activity first.
            ("idx_chat_conversations_activity", ChatConversations::LastMessageAt),
        ] {
            manager.create_index(Index::create().name(name).table(ChatConversations::Table).col(column).to_owned()).await?;
        }
        // At most one open conversation per customer and per guest: two
        // first messages sent at once must not start two. Partial indexes
        // are written the same on SQLite and PostgreSQL (sea-query cannot
        // express their WHERE).
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_chat_conversations_open_user ON chat_conversations (user_id) WHERE status = 'open' AND user_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_chat_conversations_open_guest ON chat_conversations (guest_key) WHERE status = 'open' AND guest_key IS NOT NULL",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatMessages::Table)
                    .col(id(ChatMessages::Id))
                    .col(ColumnDef::new(ChatMessages::ConversationId).integer().not_null())
                    .col(ColumnDef::new(ChatMessages::Seq).big_integer().not_null())
                    // The sender's own id for the message: a retried send
                    // finds the message it already made.
                    .col(ColumnDef::new(ChatMessages::ClientId).string_len(64).not_null())
                    // customer | support
                    .col(ColumnDef::new(ChatMessages::Author).string_len(16).not_null())
                    .col(ColumnDef::new(ChatMessages::AuthorUserId).integer().null())
                    .col(ColumnDef::new(ChatMessages::AuthorName).string_len(200).not_null())
                    .col(ColumnDef::new(ChatMessages::Body).text().not_null())
                    .col(ColumnDef::new(ChatMessages::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut foreign_key(
                        (ChatMessages::Table, ChatMessages::ConversationId),
                        (ChatConversations::Table, ChatConversations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (ChatMessages::Table, ChatMessages::AuthorUserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_chat_messages_seq")
                    .table(ChatMessages::Table)
                    .col(ChatMessages::ConversationId)
                    .col(ChatMessages::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_chat_messages_client_id")
                    .table(ChatMessages::Table)
                    .col(ChatMessages::ConversationId)
                    .col(ChatMessages::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ChatMessages::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ChatConversations::Table).to_owned()).await
    }
}
