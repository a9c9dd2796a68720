//! Who is calling: the signed-in user and their role, the session that
//! carries the sign-in, and the checks every feature's server functions
//! start with. Accounts (signing up, passwords, addresses) are built on
//! this in `account`; every other feature imports `auth`, never `account`.
//!
//! A server function that needs a user starts with
//! `let user = auth::ssr::require_user().await?;` — the error already
//! carries its HTTP status (401 or 403).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What an account may do. A role check lives in the server function that
/// needs it (see [`ssr::require_role`]). On the server it is also
/// the type of the `users.role` column, stored by its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::prelude::StringLen::N(16))"))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "customer"))]
    Customer,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "seller"))]
    Seller,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "admin"))]
    Admin,
}

impl Role {
    /// The name stored in the database and sent in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Seller => "seller",
            Role::Admin => "admin",
        }
    }
}

/// The signed-in user, as pages and API callers see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl CurrentUser {
    /// Whether the user may act as `role`: admins hold every role.
    pub fn holds(&self, role: Role) -> bool {
        self.role == role || self.role == Role::Admin
    }
}

/// The signed-in user, or `None`.
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    ssr::current_user().await.map_err(crate::error::ssr::with_status)
}

/// The signed-in user as the pages see it, provided once for the whole app.
/// Anything that depends on the user (the header, a cart count) can key a
/// resource on [`AuthContext::generation`].
#[derive(Clone, Copy)]
pub struct AuthContext {
    /// The signed-in user, re-fetched whenever `generation` changes.
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    changes: Signal<usize>,
}

impl AuthContext {
    /// Changes each time someone signs up, in or out: a resource keyed on
    /// it re-fetches for the new user.
    pub fn generation(&self) -> usize {
        self.changes.get()
    }
}

/// Creates the [`AuthContext`] and provides it to every page. `changes`
/// moves whenever who is signed in may have changed (the account forms'
/// actions completing).
pub fn provide_auth(changes: Signal<usize>) {
    let user = Resource::new(move || changes.get(), |_| me());
    provide_context(AuthContext { user, changes });
}

/// The [`AuthContext`] from context.
pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

/// The session and the signed-in user on the server.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{CurrentUser, Role};
    use crate::entity::user;
    use crate::error::{ssr::with_status, AppError};
    use crate::state::app_state;
    use chrono::{DateTime, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
    use serde::{Deserialize, Serialize};
    use tower_sessions::Session;

    /// Session key under which the signed-in user is kept.
    const AUTH_KEY: &str = "auth";

    /// A sign-in lasts at most this long however active the session is
    /// (absolute expiry); the cookie's idle expiry (2 days by default) is set on
    /// the session layer.
    pub const ABSOLUTE_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(30);

    /// How old `seen_at` may get before a request refreshes it. Refreshing
    /// re-saves the session, which pushes back its idle expiry; doing it at most
    /// hourly keeps reads from writing to the database on every request.
    const TOUCH_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::hours(1);

    /// Who is signed in to a session, since when (Unix seconds), and under
    /// which of the user's session generations (see [`end_every_session`]).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    struct SignedIn {
        user_id: i32,
        signed_in_at: i64,
        seen_at: i64,
        /// Sessions signed in before generations existed read as 0, the
        /// column's default.
        #[serde(default)]
        generation: i32,
    }

    /// Logs a session-store failure and hides it from the client.
    pub fn session_error(err: tower_sessions::session::Error) -> AppError {
        tracing::error!(error = %err, "session store");
        AppError::Internal
    }

    /// The request's session. The server installs tower-sessions' layer in front
    /// of every route, so this only fails if that layer is missing.
    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(|err| {
            tracing::error!(error = %err, "no session on the request; is the session layer installed?");
            AppError::Internal
        })
    }

    /// The signed-in user of the current request, if any.
    pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
        let state = app_state()?;
        let session = session().await?;
        user_of_session(&state.db, &session, Utc::now()).await
    }

    /// The signed-in user, or `Unauthorized` (401, "Please sign in.").
    pub async fn require_user() -> Result<CurrentUser, AppError> {
        current_user().await?.ok_or_else(|| with_status(AppError::Unauthorized))
    }

    /// The signed-in user if they hold `role`, or `Unauthorized` (401) when no
    /// one is signed in, `Forbidden` (403) when they lack it. Admins hold every
    /// role.
    pub async fn require_role(role: Role) -> Result<CurrentUser, AppError> {
        authorize(current_user().await?, role).map_err(with_status)
    }

    /// `user` if they hold `role`; `Unauthorized` when there is no user,
    /// `Forbidden` when they lack it. The one rule behind every role check,
    /// also for handlers outside a Leptos context (`/api/admin/orders`).
    pub fn authorize(user: Option<CurrentUser>, role: Role) -> Result<CurrentUser, AppError> {
        match user {
            Some(user) if user.holds(role) => Ok(user),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthorized),
        }
    }

    /// The part of the catalog someone manages.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum CatalogScope {
        /// Admins: every product.
        All,
        /// A seller: the products of their seller.
        Seller(i32),
    }

    impl CatalogScope {
        /// Whether a product of `seller_id` is inside.
        pub fn covers(self, seller_id: i32) -> bool {
            match self {
                CatalogScope::All => true,
                CatalogScope::Seller(own) => own == seller_id,
            }
        }

        /// The seller it is limited to, if any.
        pub fn seller(self) -> Option<i32> {
            match self {
                CatalogScope::All => None,
                CatalogScope::Seller(own) => Some(own),
            }
        }

        /// `user`'s scope: admins manage everything, sellers their own
        /// products; anyone else is `Forbidden`.
        pub async fn of(db: &impl ConnectionTrait, user: &CurrentUser) -> Result<CatalogScope, AppError> {
            match user.role {
                Role::Admin => Ok(CatalogScope::All),
                Role::Seller => user::Entity::find_by_id(user.id)
                    .one(db)
                    .await?
                    .and_then(|row| row.seller_id)
                    .map(CatalogScope::Seller)
                    .ok_or(AppError::Forbidden),
                Role::Customer => Err(AppError::Forbidden),
            }
        }
    }

    /// The signed-in admin or seller and the catalog they manage: 401 when
    /// no one is signed in, 403 for customers.
    pub async fn require_catalog_scope() -> Result<(CurrentUser, CatalogScope), AppError> {
        let user = require_role(Role::Seller).await?;
        let scope = CatalogScope::of(&app_state()?.db, &user).await.map_err(with_status)?;
        Ok((user, scope))
    }

    impl From<user::Model> for CurrentUser {
        fn from(row: user::Model) -> Self {
            CurrentUser { id: row.id, email: row.email, name: row.name, role: row.role }
        }
    }

    /// The user signed in to `session` at `now`. A sign-in older than
    /// [`ABSOLUTE_LIFETIME`], whose user no longer exists, or from before the
    /// user ended every session, is ended.
    pub async fn user_of_session(
        db: &DatabaseConnection,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<Option<CurrentUser>, AppError> {
        let Some(signed_in) = session.get::<SignedIn>(AUTH_KEY).await.map_err(session_error)? else {
            return Ok(None);
        };
        let now = now.timestamp();
        if now - signed_in.signed_in_at > ABSOLUTE_LIFETIME.num_seconds() {
            end_sign_in(session).await?;
            return Ok(None);
        }
        let Some(row) = user::Entity::find_by_id(signed_in.user_id).one(db).await? else {
            end_sign_in(session).await?;
            return Ok(None);
        };
        if row.session_generation != signed_in.generation {
            end_sign_in(session).await?;
            return Ok(None);
        }
        if now - signed_in.seen_at > TOUCH_INTERVAL.num_seconds() {
            session.insert(AUTH_KEY, SignedIn { seen_at: now, ..signed_in }).await.map_err(session_error)?;
        }
        Ok(Some(row.into()))
    }

    /// Forgets the sign-in but keeps the rest of the session (a guest's cart),
    /// under a new id.
    async fn end_sign_in(session: &Session) -> Result<(), AppError> {
        session.remove_value(AUTH_KEY).await.map_err(session_error)?;
        session.cycle_id().await.map_err(session_error)
    }

    /// Signs `user` in to `session`: the session id is replaced first, so an id
    /// planted before sign-in (session fixation) is worthless afterwards. The
    /// rest of the session (a guest's cart) is kept; `account` moves that cart
    /// into the account's right after.
    pub async fn start_session(session: &Session, user: user::Model) -> Result<CurrentUser, AppError> {
        session.cycle_id().await.map_err(session_error)?;
        let now = Utc::now().timestamp();
        session
            .insert(
                AUTH_KEY,
                SignedIn { user_id: user.id, signed_in_at: now, seen_at: now, generation: user.session_generation },
            )
            .await
            .map_err(session_error)?;
        Ok(user.into())
    }

    /// Signs out: the session's data (sign-in and guest cart alike) is cleared
    /// and its record deleted, so its id is dead; the next write starts a
    /// session under a fresh id.
    pub async fn end_session(session: &Session) -> Result<(), AppError> {
        session.flush().await.map_err(session_error)
    }

    /// Ends every session of `user_id`, wherever it is, by moving the user to a
    /// new session generation: each session finds out at its next request.
    /// Returns the new generation.
    pub async fn end_every_session(db: &impl ConnectionTrait, user_id: i32) -> Result<i32, AppError> {
        user::Entity::update_many()
            .col_expr(user::Column::SessionGeneration, Expr::col(user::Column::SessionGeneration).add(1))
            .filter(user::Column::Id.eq(user_id))
            .exec(db)
            .await?;
        let row = user::Entity::find_by_id(user_id).one(db).await?.ok_or(AppError::Unauthorized)?;
        Ok(row.session_generation)
    }

    /// Keeps `session` signed in under `generation`, after its own user ended
    /// every other session (a password change), under a new id.
    pub async fn keep_signed_in(session: &Session, generation: i32) -> Result<(), AppError> {
        let signed_in = session.get::<SignedIn>(AUTH_KEY).await.map_err(session_error)?.ok_or(AppError::Unauthorized)?;
        session.insert(AUTH_KEY, SignedIn { generation, ..signed_in }).await.map_err(session_error)?;
        session.cycle_id().await.map_err(session_error)
    }

    /// Signs `user_id` out of every session, this one included.
    pub async fn sign_out_everywhere(db: &DatabaseConnection, session: &Session, user_id: i32) -> Result<(), AppError> {
        end_every_session(db, user_id).await?;
        end_session(session).await
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::Role;

    #[test]
    fn roles_round_trip_through_their_names() {
        use sea_orm::ActiveEnum;
        for role in [Role::Customer, Role::Seller, Role::Admin] {
            assert_eq!(role.to_value(), role.as_str());
            assert_eq!(Role::try_from_value(&role.as_str().to_string()).ok(), Some(role));
            assert_eq!(serde_json::to_value(role).ok(), Some(serde_json::json!(role.as_str())));
        }
        assert!(Role::try_from_value(&"root".to_string()).is_err());
    }
}
