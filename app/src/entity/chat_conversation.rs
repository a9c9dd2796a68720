//! A conversation between one customer (or guest) and the support team.

use crate::chat::model::ConversationStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_conversations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The customer's account; `None` while it belongs to a guest.
    pub user_id: Option<i32>,
    /// The guest session's chat key (see `chat::ssr::party`).
    pub guest_key: Option<String>,
    pub customer_name: String,
    pub status: ConversationStatus,
    pub assignee_id: Option<i32>,
    /// The order the customer asked about last.
    pub order_id: Option<i32>,
    pub last_seq: i64,
    pub customer_read_seq: i64,
    pub support_read_seq: i64,
    /// The start of the last message, for the console's list.
    pub last_message: String,
    pub last_message_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
