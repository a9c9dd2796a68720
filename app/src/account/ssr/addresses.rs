//! A user's saved shipping addresses. Every query is scoped to the owner,
//! so another user's address is simply not found (404, not 403).

use crate::account::model::{Address, AddressInput};
use crate::account::validate::ValidAddress;
use crate::db::{begin_write, WriteTxn};
use crate::entity::{address, user};
use crate::error::AppError;
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, LockType, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Most addresses one account may keep.
pub const MAX_ADDRESSES: u64 = 20;

impl From<address::Model> for Address {
    fn from(row: address::Model) -> Self {
        Address {
            id: row.id,
            full_name: row.full_name,
            line1: row.line1,
            line2: row.line2,
            city: row.city,
            region: row.region,
            postal_code: row.postal_code,
            country: row.country,
            phone: row.phone,
            is_default: row.is_default,
        }
    }
}

fn not_found() -> AppError {
    AppError::NotFound("Address".into())
}

/// `user_id`'s addresses, the default first, then oldest first.
pub async fn list(db: &DatabaseConnection, user_id: i32) -> Result<Vec<Address>, AppError> {
    let rows = address::Entity::find()
        .filter(address::Column::UserId.eq(user_id))
        .order_by_desc(address::Column::IsDefault)
        .order_by_asc(address::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Address::from).collect())
}

/// One of `user_id`'s addresses, or `NotFound`.
pub async fn get(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<Address, AppError> {
    find_owned(db, user_id, id).await.map(Address::from)
}

async fn find_owned(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<address::Model, AppError> {
    address::Entity::find_by_id(id)
        .filter(address::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// Creates (`input.id` is `None`) or updates one of `user_id`'s addresses.
/// An account's first address becomes its default; making an address the
/// default unsets the previous one.
pub async fn save(db: &DatabaseConnection, user_id: i32, input: &AddressInput) -> Result<Address, AppError> {
    let valid = ValidAddress::parse(input)?;
    let txn = begin_write(db).await?;
    let saved = save_in(&txn, user_id, input.id, valid).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Adds `valid` to `user_id`'s addresses unless they already keep
/// [`MAX_ADDRESSES`] (checkout saves a new address with the order, in its
/// transaction), in one statement; the account's first address becomes
/// its default, as with [`save`].
///
/// On PostgreSQL the user's row is locked first, as [`save_in`] does, so
/// two concurrent checkouts cannot both take the last free place or both
/// make a first default; SQLite's write transactions already run one at
/// a time.
pub async fn add_if_room(txn: &WriteTxn, user_id: i32, valid: ValidAddress) -> Result<(), AppError> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        user::Entity::find_by_id(user_id).lock(LockType::NoKeyUpdate).one(txn).await?;
    }
    let theirs = || Query::select().from(address::Entity).and_where(address::Column::UserId.eq(user_id)).to_owned();
    let kept = SimpleExpr::SubQuery(None, Box::new(theirs().expr(Expr::col(address::Column::Id).count()).to_owned().into_sub_query_statement()));
    let room = i64::try_from(MAX_ADDRESSES).unwrap_or(i64::MAX);
    let row = Query::select()
        .exprs([
            Expr::val(user_id),
            Expr::val(valid.full_name.into_inner()),
            Expr::val(valid.line1),
            Expr::val(valid.line2),
            Expr::val(valid.city),
            Expr::val(valid.region),
            Expr::val(valid.postal_code),
            Expr::val(valid.country),
            Expr::val(valid.phone),
        ])
        .expr(Expr::exists(theirs().expr(Expr::val(1)).to_owned()).not())
        .expr(Expr::val(Utc::now()))
        .and_where(Expr::expr(kept).lt(room))
        .to_owned();
    let mut insert = Query::insert();
    insert
        .into_table(address::Entity)
        .columns([
            address::Column::UserId,
            address::Column::FullName,
            address::Column::Line1,
            address::Column::Line2,
            address::Column::City,
            address::Column::Region,
            address::Column::PostalCode,
            address::Column::Country,
            address::Column::Phone,
            address::Column::IsDefault,
            address::Column::CreatedAt,
        ])
        .select_from(row)
        .map_err(|err| {
            tracing::error!(error = %err, "the new address's columns and values differ");
            AppError::Internal
        })?;
    txn.execute(backend.build(&insert)).await?;
    Ok(())
}

/// [`save`] inside `txn` (checkout saves the new address in the order's
/// transaction), with `valid` already checked.
///
/// Saves for one user queue on the user's row: two concurrent "make
/// default" saves would otherwise both clear the old default and then
/// collide on the one-default index (a 500 on PostgreSQL). `NO KEY UPDATE`
/// leaves the foreign-key checks of the user's other writes unblocked.
/// SQLite needs no row lock: its write transactions already run one at a
/// time.
pub async fn save_in(
    txn: &WriteTxn,
    user_id: i32,
    id: Option<i32>,
    valid: ValidAddress,
) -> Result<Address, AppError> {
    user::Entity::find_by_id(user_id).lock(LockType::NoKeyUpdate).one(txn).await?;
    let existing = match id {
        Some(id) => Some(find_owned(txn, user_id, id).await?),
        None => None,
    };
    let count = address::Entity::find().filter(address::Column::UserId.eq(user_id)).count(txn).await?;
    if existing.is_none() && count >= MAX_ADDRESSES {
        return Err(AppError::Validation {
            field: "full_name".into(),
            message: format!("You can keep up to {MAX_ADDRESSES} addresses. Delete one to add another."),
        });
    }
    let is_default = valid.is_default || count == 0 || (existing.as_ref().is_some_and(|a| a.is_default));
    if is_default {
        // Cleared before the row is written: a partial unique index allows
        // one default per user at any moment.
        address::Entity::update_many()
            .col_expr(address::Column::IsDefault, Expr::value(false))
            .filter(address::Column::UserId.eq(user_id))
            .filter(address::Column::IsDefault.eq(true))
            .filter(address::Column::Id.ne(id.unwrap_or(0)))
            .exec(txn)
            .await?;
    }
    let fill = |mut row: address::ActiveModel| {
        row.full_name = Set(valid.full_name.into_inner());
        row.line1 = Set(valid.line1);
        row.line2 = Set(valid.line2);
        row.city = Set(valid.city);
        row.region = Set(valid.region);
        row.postal_code = Set(valid.postal_code);
        row.country = Set(valid.country);
        row.phone = Set(valid.phone);
        row.is_default = Set(is_default);
        row
    };
    let saved = match existing {
        Some(row) => fill(row.into()).update(txn).await?,
        None => {
            let row = address::ActiveModel { user_id: Set(user_id), created_at: Set(Utc::now()), ..Default::default() };
            fill(row).insert(txn).await?
        }
    };
    Ok(saved.into())
}

/// Deletes one of `user_id`'s addresses; someone else's is `NotFound`.
pub async fn delete(db: &DatabaseConnection, user_id: i32, id: i32) -> Result<(), AppError> {
    let result = address::Entity::delete_many()
        .filter(address::Column::Id.eq(id))
        .filter(address::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(not_found());
    }
    Ok(())
}
