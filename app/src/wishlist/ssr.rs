//! Wishlist storage.

use crate::cart::ssr::{add as add_to_cart, Owner};
use crate::catalog::model::ProductCard;
use crate::catalog::ssr::cards;
use crate::entity::{product, variant, wishlist_item};
use crate::error::AppError;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

async fn product_by_slug(db: &DatabaseConnection, slug: &str) -> Result<product::Model, AppError> {
    product::Entity::find()
        .filter(product::Column::Slug.eq(slug))
        .filter(product::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Product".into()))
}

/// The ids of the products `user_id` saved.
async fn product_ids(db: &DatabaseConnection, user_id: i32) -> Result<Vec<i32>, AppError> {
    Ok(wishlist_item::Entity::find()
        .filter(wishlist_item::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.product_id)
        .collect())
}

/// `user_id`'s wishlist as product cards, in catalog order.
pub async fn list(db: &DatabaseConnection, user_id: i32) -> Result<Vec<ProductCard>, AppError> {
    cards(db, &product_ids(db, user_id).await?).await
}

/// The slugs of `user_id`'s saved products.
pub async fn slugs(db: &DatabaseConnection, user_id: i32) -> Result<Vec<String>, AppError> {
    let ids = product_ids(db, user_id).await?;
    Ok(product::Entity::find().filter(product::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|p| p.slug).collect())
}

/// Saves a product; saving it twice keeps one entry.
pub async fn add(db: &DatabaseConnection, user_id: i32, slug: &str) -> Result<(), AppError> {
    let product = product_by_slug(db, slug).await?;
    wishlist_item::Entity::insert(wishlist_item::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        product_id: Set(product.id),
        added_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([wishlist_item::Column::UserId, wishlist_item::Column::ProductId]).do_nothing().to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Forgets a product.
pub async fn remove(db: &DatabaseConnection, user_id: i32, slug: &str) -> Result<(), AppError> {
    let product = product_by_slug(db, slug).await?;
    wishlist_item::Entity::delete_many()
        .filter(wishlist_item::Column::UserId.eq(user_id))
        .filter(wishlist_item::Column::ProductId.eq(product.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Puts one unit of the product's first in-stock variant in the cart and
/// takes it off the wishlist.
pub async fn move_to_cart(db: &DatabaseConnection, user_id: i32, slug: &str) -> Result<(), AppError> {
    let product = product_by_slug(db, slug).await?;
    let variant = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(product.id))
        .filter(variant::Column::Stock.gt(0))
        .order_by_asc(variant::Column::Position)
        .order_by_asc(variant::Column::Id)
        .one(db)
        .await?
        .ok_or(AppError::OutOfStock { item: product.name.clone(), available: 0 })?;
    add_to_cart(db, &Owner::User(user_id), &variant.sku, 1).await?;
    remove(db, user_id, slug).await
}
