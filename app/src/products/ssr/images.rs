//! A product's images: the rows that name the stored files, their order
//! and alt text. The files themselves are stored and served by the server
//! (`server::images`); these functions keep the rows, scoped like every
//! editor function.

use super::read::product_in;
use super::save::changed;
use crate::auth::ssr::CatalogScope;
use crate::db::begin_write;
use crate::entity::product_image;
use crate::error::AppError;
use crate::live::ssr::Recorded;
use crate::products::model::{check_alt, ImageDetail};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

fn detail(row: product_image::Model) -> ImageDetail {
    ImageDetail { id: row.id, url: row.url, alt: row.alt, position: row.position }
}

/// Image `id` if `scope` covers its product, with the product's seller.
async fn image_in(db: &impl ConnectionTrait, scope: CatalogScope, id: i32) -> Result<(product_image::Model, i32), AppError> {
    let not_found = || AppError::NotFound("Image".into());
    let image = product_image::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    let product = product_in(db, scope, image.product_id).await.map_err(|_| not_found())?;
    Ok((image, product.seller_id))
}

/// Adds the stored file at `url` as product `product_id`'s last image.
pub async fn add(
    db: &DatabaseConnection,
    scope: CatalogScope,
    product_id: i32,
    url: String,
    alt: &str,
) -> Result<(ImageDetail, Recorded), AppError> {
    let alt = check_alt(alt).map_err(AppError::from)?;
    let txn = begin_write(db).await?;
    let product = product_in(&txn, scope, product_id).await?;
    let last = product_image::Entity::find()
        .filter(product_image::Column::ProductId.eq(product.id))
        .select_only()
        .column_as(product_image::Column::Position.max(), "last")
        .into_tuple::<Option<i32>>()
        .one(&txn)
        .await?
        .flatten();
    let row = product_image::ActiveModel {
        id: NotSet,
        product_id: Set(product.id),
        url: Set(url),
        alt: Set(if alt.is_empty() { product.name.clone() } else { alt }),
        position: Set(last.map_or(0, |p| p + 1)),
    }
    .insert(&txn)
    .await?;
    let recorded = changed(&txn, product.id, product.seller_id).await?;
    txn.commit().await?;
    Ok((detail(row), recorded))
}

/// Sets image `id`'s alt text.
pub async fn set_alt(db: &DatabaseConnection, scope: CatalogScope, id: i32, alt: &str) -> Result<(ImageDetail, Recorded), AppError> {
    let alt = check_alt(alt).map_err(AppError::from)?;
    if alt.is_empty() {
        return Err(AppError::Validation { field: "alt".into(), message: "Describe the image for people who cannot see it.".into() });
    }
    let txn = begin_write(db).await?;
    let (image, seller) = image_in(&txn, scope, id).await?;
    let product = image.product_id;
    let mut row: product_image::ActiveModel = image.into();
    row.alt = Set(alt);
    let row = row.update(&txn).await?;
    let recorded = changed(&txn, product, seller).await?;
    txn.commit().await?;
    Ok((detail(row), recorded))
}

/// Moves image `id` one place earlier (`earlier`) or later among its
/// product's images; at either end it stays.
pub async fn shift(db: &DatabaseConnection, scope: CatalogScope, id: i32, earlier: bool) -> Result<Recorded, AppError> {
    let txn = begin_write(db).await?;
    let (image, seller) = image_in(&txn, scope, id).await?;
    let mut images = product_image::Entity::find()
        .filter(product_image::Column::ProductId.eq(image.product_id))
        .order_by_asc(product_image::Column::Position)
        .order_by_asc(product_image::Column::Id)
        .all(&txn)
        .await?;
    let Some(at) = images.iter().position(|i| i.id == id) else {
        return Err(AppError::NotFound("Image".into()));
    };
    let to = if earlier { at.checked_sub(1) } else { Some(at + 1).filter(|to| *to < images.len()) };
    if let Some(to) = to {
        images.swap(at, to);
    }
    // Renumbered 0, 1, 2…: positions stay distinct whatever they were.
    for (position, row) in images.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        if row.position != position {
            product_image::Entity::update_many()
                .col_expr(product_image::Column::Position, Expr::value(position))
                .filter(product_image::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
        }
    }
    let recorded = changed(&txn, image.product_id, seller).await?;
    txn.commit().await?;
    Ok(recorded)
}

/// Removes image `id` from its product. The stored file stays: its name is
/// its content, which another image may share.
pub async fn remove(db: &DatabaseConnection, scope: CatalogScope, id: i32) -> Result<Recorded, AppError> {
    let txn = begin_write(db).await?;
    let (image, seller) = image_in(&txn, scope, id).await?;
    product_image::Entity::delete_by_id(id).exec(&txn).await?;
    let recorded = changed(&txn, image.product_id, seller).await?;
    txn.commit().await?;
    Ok(recorded)
}
