//! Registering, signing in and changing passwords.

use super::password::{self, HashingLimit, PasswordHash, Plaintext};
use crate::account::model::SecretString;
use crate::account::validate::{Email, Password, PersonName};
use crate::auth::ssr::{end_every_session, keep_signed_in, start_session};
use crate::auth::{CurrentUser, Role};
use crate::cart::ssr::merge_guest_cart;
use crate::chat::ssr::party::adopt_guest_conversations;
use crate::entity::user;
use crate::error::AppError;
use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr};
use tower_sessions::Session;

/// The one answer to a failed sign-in, whichever of email or password was
/// wrong, so it never tells whether an account exists.
pub const WRONG_CREDENTIALS: &str = "Email or password is incorrect.";

fn wrong_credentials() -> AppError {
    AppError::Validation { field: "email".into(), message: WRONG_CREDENTIALS.into() }
}

/// Creates a customer account from a sign-up form and signs it in.
/// Errors name the first bad field: `email` (including an address already
/// registered), `password` or `name`.
pub async fn register(
    db: &DatabaseConnection,
    hashing: &HashingLimit,
    session: &Session,
    email: &str,
    password: SecretString,
    name: &str,
) -> Result<CurrentUser, AppError> {
    let email = Email::parse(email).map_err(|e| e.on("email"))?;
    let password = Password::parse(password.expose_secret(), &email).map_err(|e| e.on("password"))?;
    let name = PersonName::parse(name).map_err(|e| e.on("name"))?;
    let user = create_user(db, hashing, &email, password, &name, Role::Customer, None).await?;
    sign_in_as(db, session, user).await
}

/// Signs `user` in to `session`; what the guest put in their cart and
/// their chat conversations come with them into the account.
async fn sign_in_as(db: &DatabaseConnection, session: &Session, user: user::Model) -> Result<CurrentUser, AppError> {
    let signed_in = start_session(session, user).await?;
    merge_guest_cart(db, session, signed_in.id).await?;
    adopt_guest_conversations(db, session, &signed_in).await?;
    Ok(signed_in)
}

/// Inserts a user with a freshly hashed password. An email already taken
/// (the unique index, whatever the case it was typed in) is a `Validation`
/// error on `email`.
pub async fn create_user(
    db: &impl ConnectionTrait,
    hashing: &HashingLimit,
    email: &Email,
    password: Password,
    name: &PersonName,
    role: Role,
    seller_id: Option<i32>,
) -> Result<user::Model, AppError> {
    let hash = password::hash(hashing, Plaintext::from(password)).await?;
    let now = Utc::now();
    let row = user::ActiveModel {
        id: NotSet,
        email: Set(email.as_str().to_string()),
        name: Set(name.as_str().to_string()),
        password_hash: Set(hash.into_stored()),
        role: Set(role),
        seller_id: Set(seller_id),
        created_at: Set(now),
        updated_at: Set(now),
        session_generation: Set(0),
    };
    match row.insert(db).await {
        Ok(user) => Ok(user),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(AppError::Validation {
            field: "email".into(),
            message: "An account with this email address already exists. Sign in instead.".into(),
        }),
        Err(err) => Err(err.into()),
    }
}

/// Checks an email and password. An unknown email costs the same password
/// verification as a known one, and both failures give the same error.
pub async fn authenticate(
    db: &DatabaseConnection,
    hashing: &HashingLimit,
    email: &str,
    password: SecretString,
) -> Result<user::Model, AppError> {
    let email = Email::normalize(email);
    if email.is_empty() {
        return Err(AppError::Validation { field: "email".into(), message: "Enter your email address.".into() });
    }
    if password.expose_secret().is_empty() {
        return Err(AppError::Validation { field: "password".into(), message: "Enter your password.".into() });
    }
    let user = user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await?;
    match user {
        Some(user) => {
            let hash = PasswordHash::from_stored(user.password_hash.clone());
            if password::verify(hashing, password.into(), hash).await? {
                Ok(user)
            } else {
                Err(wrong_credentials())
            }
        }
        None => {
            password::verify_dummy(hashing, password.into()).await?;
            Err(wrong_credentials())
        }
    }
}

/// Signs in with an email and password.
pub async fn sign_in(
    db: &DatabaseConnection,
    hashing: &HashingLimit,
    session: &Session,
    email: &str,
    password: SecretString,
) -> Result<CurrentUser, AppError> {
    let user = authenticate(db, hashing, email, password).await?;
    sign_in_as(db, session, user).await
}

/// Replaces `user`'s password after checking their current one. Errors are
/// on `current` (wrong password) or `new` (fails the policy). Every other
/// session of the user ends (whoever knew the old password is signed out);
/// this one stays signed in under a new id, since its privileges were just
/// re-established.
pub async fn change_password(
    db: &DatabaseConnection,
    hashing: &HashingLimit,
    session: &Session,
    user: &CurrentUser,
    current: SecretString,
    new: SecretString,
) -> Result<(), AppError> {
    let row = user::Entity::find_by_id(user.id).one(db).await?.ok_or(AppError::Unauthorized)?;
    let hash = PasswordHash::from_stored(row.password_hash.clone());
    if current.expose_secret().is_empty() || !password::verify(hashing, current.clone().into(), hash).await? {
        return Err(AppError::Validation {
            field: "current".into(),
            message: "Your current password is incorrect.".into(),
        });
    }
    let email = Email::parse(&row.email).map_err(|err| {
        tracing::error!(user_id = row.id, error = %err, "stored email no longer parses");
        AppError::Internal
    })?;
    let new = Password::parse(new.expose_secret(), &email).map_err(|e| e.on("new"))?;
    if new.expose_secret() == current.expose_secret() {
        return Err(AppError::Validation {
            field: "new".into(),
            message: "Choose a password different from your current one.".into(),
        });
    }
    let hash = password::hash(hashing, Plaintext::from(new)).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut row: user::ActiveModel = row.into();
    row.password_hash = Set(hash.into_stored());
    row.updated_at = Set(Utc::now());
    row.update(&txn).await?;
    let generation = end_every_session(&txn, user.id).await?;
    txn.commit().await?;
    keep_signed_in(session, generation).await
}

/// What [`make_admin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MadeAdmin {
    /// A new admin account, with the password given.
    Created,
    /// An existing account became an admin; its password is unchanged.
    Promoted,
    /// The account was an admin already; nothing changed.
    AlreadyAdmin,
}

/// Makes `email` an admin: an existing account is promoted (keeping its
/// password), otherwise an admin account is created with `password`, which
/// must pass the password policy. For the operator's `create-admin`
/// command; no server function calls this.
pub async fn make_admin(
    db: &DatabaseConnection,
    hashing: &HashingLimit,
    email: &str,
    password: SecretString,
) -> Result<MadeAdmin, AppError> {
    let email = Email::parse(email).map_err(|e| e.on("email"))?;
    if let Some(row) = user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(db).await? {
        if row.role == Role::Admin {
            return Ok(MadeAdmin::AlreadyAdmin);
        }
        let mut row: user::ActiveModel = row.into();
        row.role = Set(Role::Admin);
        row.updated_at = Set(Utc::now());
        row.update(db).await?;
        return Ok(MadeAdmin::Promoted);
    }
    let password = Password::parse(password.expose_secret(), &email).map_err(|e| e.on("password"))?;
    let name = PersonName::parse("Administrator").map_err(|e| e.on("name"))?;
    create_user(db, hashing, &email, password, &name, Role::Admin, None).await?;
    Ok(MadeAdmin::Created)
}
