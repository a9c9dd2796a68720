//! A user account: a customer, a seller or an admin.

use crate::auth::Role;
use sea_orm::entity::prelude::*;

/// A user row. `email` is stored trimmed and lowercased, so its unique index
/// is case-insensitive in effect; `role` is stored as `customer`, `seller`
/// or `admin` (a database check enforces it too).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    /// An argon2id PHC string. Never leaves the server: wrap it in
    /// `account::ssr::password::PasswordHash` before use.
    pub password_hash: String,
    pub role: Role,
    /// The shop a seller manages.
    pub seller_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped to end every session of the user at once (a password change,
    /// "sign out everywhere"): a session signed in under an older
    /// generation is signed out.
    pub session_generation: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::address::Entity")]
    Address,
    #[sea_orm(
        belongs_to = "super::seller::Entity",
        from = "Column::SellerId",
        to = "super::seller::Column::Id"
    )]
    Seller,
}

impl Related<super::address::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Address.def()
    }
}

impl Related<super::seller::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Seller.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
