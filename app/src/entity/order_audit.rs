//! One admin change to one field of an order.

use sea_orm::entity::prelude::*;

/// Written in the order's transaction; `actor_id` is `None` for changes
/// made by the shop itself or by an account since deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_audit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub actor_id: Option<i32>,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_at: DateTimeUtc,
    /// Who made a change no account made ("Shopify"); `None` with no
    /// `actor_id` is the shop itself.
    pub actor_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::ActorId", to = "super::user::Column::Id")]
    Actor,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
