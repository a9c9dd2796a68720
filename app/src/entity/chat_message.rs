//! One chat message, numbered within its conversation.

use crate::chat::model::Author;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub conversation_id: i32,
    /// The conversation topic's sequence number: 1, 2, 3… in commit order.
    pub seq: i64,
    /// The sender's id for it; a retried send finds this row.
    pub client_id: String,
    pub author: Author,
    pub author_user_id: Option<i32>,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
