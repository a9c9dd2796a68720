//! Chat's server functions (`/api/chat/…` for customers and guests,
//! `/api/admin/support/…` for the support console; docs/api.md). Who may
//! read or write what is decided here, from the session, never by the
//! widget: a customer reaches only their own conversations, a guest only
//! their session's, and only admins the console.

use super::model::{ChatMessage, ChatThread, Conversation, QueueFilter, SupportQueue};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::ssr::{current_user, require_role, session},
    auth::Role,
    chat::ssr::{manage, party, read, send},
    error::ssr::with_status,
    state::app_state,
};

/// The caller's current conversation with its messages (none yet: an
/// empty thread).
#[server(endpoint = "chat/history")]
pub async fn chat_history() -> Result<ChatThread, AppError> {
    let db = app_state()?.db;
    let party = party::of_request(current_user().await?, &session().await?, None, false).await?;
    read::my_thread(&db, party.as_ref()).await.map_err(with_status)
}

/// Sends a message. Without `conversation` a customer writes in their open
/// conversation or starts one; an admin answers in `conversation` for
/// support. `client_id` is the sender's id for the message: sending again
/// with it returns the first message instead of a second one. `order`
/// attaches one of the customer's orders to the conversation.
#[server(endpoint = "chat/send")]
pub async fn send_chat_message(
    conversation: Option<i32>,
    client_id: String,
    text: String,
    order: Option<i32>,
) -> Result<ChatMessage, AppError> {
    let state = app_state()?;
    let user = current_user().await?;
    let replying_in = match (&user, conversation) {
        (Some(user), Some(id)) if user.holds(Role::Admin) => {
            use sea_orm::EntityTrait;
            crate::entity::chat_conversation::Entity::find_by_id(id).one(&state.db).await.map_err(AppError::from)?
        }
        _ => None,
    };
    let party = party::of_request(user, &session().await?, replying_in.as_ref(), true)
        .await?
        .ok_or(AppError::Internal)?;
    let outgoing = send::Outgoing { conversation, client_id, text, order };
    let (message, recorded) = send::send(&state.db, &state.chat, &party, outgoing).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(message)
}

/// The customer has read their conversation up to `seq`.
#[server(endpoint = "chat/read")]
pub async fn mark_chat_read(conversation: i32, seq: i64) -> Result<Conversation, AppError> {
    let db = app_state()?.db;
    let party = party::of_request(current_user().await?, &session().await?, None, false).await?;
    let party = party.ok_or_else(|| with_status(AppError::NotFound("Conversation".into())))?;
    manage::customer_read(&db, &party, conversation, seq).await.map_err(with_status)
}

/// The console's conversations (`filter`: open, closed, mine or all),
/// newest activity first. Admins only.
#[server(endpoint = "admin/support/conversations")]
pub async fn support_conversations(filter: Option<QueueFilter>) -> Result<SupportQueue, AppError> {
    let staff = require_role(Role::Admin).await?;
    read::queue(&app_state()?.db, staff.id, filter.unwrap_or_default()).await.map_err(with_status)
}

/// One conversation with its messages. Admins only.
#[server(endpoint = "admin/support/conversation")]
pub async fn support_thread(id: i32) -> Result<ChatThread, AppError> {
    let staff = require_role(Role::Admin).await?;
    let db = app_state()?.db;
    let conversation = read::conversation_for(&db, &party::Party::Support(staff), id).await.map_err(with_status)?;
    read::thread(&db, conversation).await.map_err(with_status)
}

#[cfg(feature = "ssr")]
async fn support_act(id: i32, action: manage::SupportAction) -> Result<Conversation, AppError> {
    let staff = require_role(Role::Admin).await?;
    let state = app_state()?;
    let (conversation, recorded) = manage::act(&state.db, &staff, id, action).await.map_err(with_status)?;
    recorded.publish(state.events.as_ref());
    Ok(conversation)
}

/// Assigns conversation `id` to the calling admin.
#[server(endpoint = "admin/support/assign")]
pub async fn assign_conversation(id: i32) -> Result<Conversation, AppError> {
    support_act(id, manage::SupportAction::AssignToMe).await
}

/// Closes conversation `id`; the customer's next message starts a new one.
#[server(endpoint = "admin/support/close")]
pub async fn close_conversation(id: i32) -> Result<Conversation, AppError> {
    support_act(id, manage::SupportAction::Close).await
}

/// Reopens conversation `id`.
#[server(endpoint = "admin/support/reopen")]
pub async fn reopen_conversation(id: i32) -> Result<Conversation, AppError> {
    support_act(id, manage::SupportAction::Reopen).await
}

/// Support has read conversation `id` up to `seq`.
#[server(endpoint = "admin/support/read")]
pub async fn support_read(id: i32, seq: i64) -> Result<Conversation, AppError> {
    support_act(id, manage::SupportAction::Read(seq)).await
}
