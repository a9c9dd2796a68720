//! Who may subscribe to which topic, decided on the server from the
//! session's user.

use crate::auth::{CurrentUser, Role};
use crate::entity::order;
use crate::error::AppError;
use crate::live::topic::Topic;
use sea_orm::{ConnectionTrait, EntityTrait};

/// `Ok` if `user` may receive `topic`: `orders` and `kpi` are for admins; `order:{id}`
/// for that order's customer and admins (anyone else's order is "not
/// found", revealing nothing); `jobs` for nobody.
pub async fn may_subscribe(db: &impl ConnectionTrait, user: Option<&CurrentUser>, topic: Topic) -> Result<(), AppError> {
    let user = user.ok_or(AppError::Unauthorized)?;
    match topic {
        _ if user.holds(Role::Admin) && topic != Topic::Jobs => Ok(()),
        Topic::Orders | Topic::Kpi | Topic::Jobs => Err(AppError::Forbidden),
        Topic::Order(id) => match order::Entity::find_by_id(id).one(db).await? {
            Some(row) if row.user_id == user.id => Ok(()),
            _ => Err(AppError::NotFound("Order".into())),
        },
    }
}
