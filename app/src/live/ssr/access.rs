//! Who may subscribe to which topic, decided on the server from the
//! session's user (and a guest's chat key).

use crate::auth::ssr::CatalogScope;
use crate::auth::{CurrentUser, Role};
use crate::chat::ssr::party::Party;
use crate::chat::ssr::read::conversation_for;
use crate::entity::order;
use crate::error::AppError;
use crate::live::topic::Topic;
use sea_orm::{ConnectionTrait, EntityTrait};

/// Who is asking: the session's user, or a guest with their chat key.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub user: Option<&'a CurrentUser>,
    pub guest_chat_key: Option<&'a str>,
}

/// `Ok` if `viewer` may receive `topic`:
/// - `orders`, `kpi` and `support` are for admins;
/// - `order:{id}` for that order's customer and admins;
/// - `chat:{id}` for that conversation's customer (or the guest whose
///   session started it) and admins;
/// - `catalog` for admins, `seller:{id}` for that seller's accounts and
///   admins;
/// - `presence` for anyone;
/// - `jobs` for nobody.
///
/// Someone else's order or conversation is "not found", revealing nothing.
pub async fn may_subscribe(db: &impl ConnectionTrait, viewer: Viewer<'_>, topic: Topic) -> Result<(), AppError> {
    if topic == Topic::Presence {
        return Ok(());
    }
    if let (Topic::Chat(id), None) = (topic, viewer.user) {
        return match viewer.guest_chat_key {
            Some(key) => conversation_for(db, &Party::Guest(key.to_string()), id).await.map(|_| ()),
            None => Err(AppError::NotFound("Conversation".into())),
        };
    }
    let user = viewer.user.ok_or(AppError::Unauthorized)?;
    match topic {
        _ if user.holds(Role::Admin) && topic != Topic::Jobs => Ok(()),
        Topic::Orders | Topic::Kpi | Topic::Jobs | Topic::Support | Topic::Presence | Topic::Catalog => Err(AppError::Forbidden),
        Topic::Seller(id) => match CatalogScope::of(db, user).await? {
            CatalogScope::Seller(own) if own == id => Ok(()),
            _ => Err(AppError::Forbidden),
        },
        Topic::Order(id) => match order::Entity::find_by_id(id).one(db).await? {
            Some(row) if row.user_id == user.id => Ok(()),
            _ => Err(AppError::NotFound("Order".into())),
        },
        Topic::Chat(id) => conversation_for(db, &Party::Customer(user.clone()), id).await.map(|_| ()),
    }
}
