//! Who takes part in a conversation, and the guest's key that ties a
//! guest's conversations to their session until they sign in.

use crate::auth::CurrentUser;
use crate::chat::model::ConversationStatus;
use crate::entity::chat_conversation;
use crate::error::AppError;
use crate::auth::ssr::session_error;
use sea_orm::sea_query::{Expr, IntoCondition, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tower_sessions::Session;

/// Session key of a guest's chat key.
const GUEST_KEY: &str = "chat_guest";

/// Someone writing or reading chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A signed-in customer, in their own conversations.
    Customer(CurrentUser),
    /// A guest, by the chat key in their session.
    Guest(String),
    /// An admin answering for the support team.
    Support(CurrentUser),
}

impl Party {
    /// The key its send rate is limited by.
    pub fn rate_key(&self) -> String {
        match self {
            Party::Customer(user) | Party::Support(user) => format!("u:{}", user.id),
            Party::Guest(key) => format!("g:{key}"),
        }
    }

    /// The name shown with its messages.
    pub fn display_name(&self) -> String {
        match self {
            Party::Customer(user) => user.name.clone(),
            Party::Guest(_) => "Guest".into(),
            Party::Support(user) => format!("{} (Support)", user.name),
        }
    }

    /// The conversations this party owns, as a filter (support owns none:
    /// it reaches every conversation by id).
    pub fn owns(&self) -> Option<SimpleExpr> {
        match self {
            Party::Customer(user) => Some(chat_conversation::Column::UserId.eq(user.id)),
            Party::Guest(key) => Some(chat_conversation::Column::GuestKey.eq(key.clone())),
            Party::Support(_) => None,
        }
    }

    /// Whether `conversation` is one this party may read and write.
    pub fn may_use(&self, conversation: &chat_conversation::Model) -> bool {
        match self {
            Party::Customer(user) => conversation.user_id == Some(user.id),
            Party::Guest(key) => conversation.guest_key.as_deref() == Some(key.as_str()),
            Party::Support(_) => true,
        }
    }
}

/// The guest's chat key, if their session has one.
pub async fn guest_key(session: &Session) -> Result<Option<String>, AppError> {
    session.get::<String>(GUEST_KEY).await.map_err(session_error)
}

/// The guest's chat key, made now if their session has none.
pub async fn guest_key_or_new(session: &Session) -> Result<String, AppError> {
    if let Some(key) = guest_key(session).await? {
        return Ok(key);
    }
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().gen();
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    session.insert(GUEST_KEY, key.clone()).await.map_err(session_error)?;
    Ok(key)
}

/// Moves the guest's conversations in `session` to `user` at sign-in or
/// sign-up, like the guest's cart: they keep their history.
pub async fn adopt_guest_conversations(db: &impl ConnectionTrait, session: &Session, user: &CurrentUser) -> Result<(), AppError> {
    let Some(key) = guest_key(session).await? else {
        return Ok(());
    };
    let guest_has_open = chat_conversation::Entity::find()
        .filter(chat_conversation::Column::GuestKey.eq(key.clone()))
        .filter(chat_conversation::Column::Status.eq(ConversationStatus::Open))
        .one(db)
        .await?
        .is_some();
    if guest_has_open {
        // One open conversation per customer: the one they just had as a
        // guest goes on; the account's older one is closed.
        chat_conversation::Entity::update_many()
            .col_expr(chat_conversation::Column::Status, Expr::value(ConversationStatus::Closed))
            .filter(chat_conversation::Column::UserId.eq(user.id))
            .filter(chat_conversation::Column::Status.eq(ConversationStatus::Open))
            .exec(db)
            .await?;
    }
    chat_conversation::Entity::update_many()
        .col_expr(chat_conversation::Column::UserId, Expr::value(user.id))
        .col_expr(chat_conversation::Column::GuestKey, Expr::value(Option::<String>::None))
        .col_expr(chat_conversation::Column::CustomerName, Expr::value(user.name.clone()))
        .filter(chat_conversation::Column::GuestKey.eq(key).into_condition())
        .exec(db)
        .await?;
    session.remove::<String>(GUEST_KEY).await.map_err(session_error)?;
    Ok(())
}

/// The party making the current request: an admin replying in someone
/// else's `conversation` writes for support; anyone else for themselves.
/// A guest gets a chat key in their session when `create_guest`.
pub async fn of_request(
    user: Option<CurrentUser>,
    session: &Session,
    support_in: Option<&chat_conversation::Model>,
    create_guest: bool,
) -> Result<Option<Party>, AppError> {
    use crate::auth::Role;
    Ok(match user {
        Some(user) if user.holds(Role::Admin) && support_in.is_some_and(|c| c.user_id != Some(user.id)) => Some(Party::Support(user)),
        Some(user) => Some(Party::Customer(user)),
        None if create_guest => Some(Party::Guest(guest_key_or_new(session).await?)),
        None => guest_key(session).await?.map(Party::Guest),
    })
}
