//! Cart storage and rules: guests' carts live in their session, signed-in
//! customers' in `cart_items`; every change is checked against stock.

use super::model::{Cart, CartLine, MAX_LINE_QUANTITY};
use crate::auth::ssr::{current_user, session, session_error};
use crate::catalog::model::Image;
use crate::db::write_turn;
use crate::entity::{cart_item, product, product_image, variant};
use crate::error::AppError;
use crate::money::Money;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tower_sessions::Session;

/// Session key of a guest's cart.
const GUEST_CART_KEY: &str = "guest_cart";

/// A guest cart line as kept in the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct GuestLine {
    variant_id: i32,
    quantity: u32,
}

/// Whose cart a request works on.
pub enum Owner {
    User(i32),
    Guest(Session),
}

/// The cart owner of the current request.
pub async fn owner() -> Result<Owner, AppError> {
    Ok(match current_user().await? {
        Some(user) => Owner::User(user.id),
        None => Owner::Guest(session().await?),
    })
}

async fn guest_lines(session: &Session) -> Result<Vec<GuestLine>, AppError> {
    Ok(session.get::<Vec<GuestLine>>(GUEST_CART_KEY).await.map_err(session_error)?.unwrap_or_default())
}

/// `(variant_id, quantity)` pairs, oldest first.
async fn lines(db: &DatabaseConnection, owner: &Owner) -> Result<Vec<(i32, u32)>, AppError> {
    Ok(match owner {
        Owner::Guest(session) => guest_lines(session).await?.into_iter().map(|l| (l.variant_id, l.quantity)).collect(),
        Owner::User(user_id) => cart_item::Entity::find()
            .filter(cart_item::Column::UserId.eq(*user_id))
            .order_by_asc(cart_item::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.variant_id, u32::try_from(row.quantity).unwrap_or(0)))
            .collect(),
    })
}

/// Sets one line's quantity; zero removes it.
async fn set_line(db: &DatabaseConnection, owner: &Owner, variant_id: i32, quantity: u32) -> Result<(), AppError> {
    match owner {
        Owner::Guest(session) => {
            let mut lines = guest_lines(session).await?;
            match lines.iter_mut().find(|l| l.variant_id == variant_id) {
                Some(line) => line.quantity = quantity,
                None => lines.push(GuestLine { variant_id, quantity }),
            }
            lines.retain(|l| l.quantity > 0);
            // An empty cart is not stored: a session holding nothing is
            // never written, so callers without a cookie leave no rows.
            if lines.is_empty() {
                session.remove::<Vec<GuestLine>>(GUEST_CART_KEY).await.map_err(session_error)?;
            } else {
                session.insert(GUEST_CART_KEY, lines).await.map_err(session_error)?;
            }
        }
        Owner::User(user_id) if quantity == 0 => {
            let _turn = write_turn(db).await?;
            cart_item::Entity::delete_many()
                .filter(cart_item::Column::UserId.eq(*user_id))
                .filter(cart_item::Column::VariantId.eq(variant_id))
                .exec(db)
                .await?;
        }
        Owner::User(user_id) => {
            let _turn = write_turn(db).await?;
            upsert_line(db, *user_id, variant_id, quantity).await?
        }
    }
    Ok(())
}

async fn upsert_line(db: &impl ConnectionTrait, user_id: i32, variant_id: i32, quantity: u32) -> Result<(), AppError> {
    let row = cart_item::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        variant_id: Set(variant_id),
        quantity: Set(i32::try_from(quantity).unwrap_or(i32::MAX)),
        added_at: Set(Utc::now()),
    };
    cart_item::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([cart_item::Column::UserId, cart_item::Column::VariantId])
                .update_column(cart_item::Column::Quantity)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The variant with `sku`, if it belongs to an active product.
async fn variant_by_sku(db: &DatabaseConnection, sku: &str) -> Result<(variant::Model, product::Model), AppError> {
    let not_found = || AppError::NotFound("Product variant".into());
    let variant = variant::Entity::find().filter(variant::Column::Sku.eq(sku)).one(db).await?.ok_or_else(not_found)?;
    let product = product::Entity::find_by_id(variant.product_id)
        .filter(product::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    Ok((variant, product))
}

fn stock_of(variant: &variant::Model) -> u32 {
    u32::try_from(variant.stock).unwrap_or(0)
}

fn check_quantity(quantity: u32, variant: &variant::Model, product: &product::Model) -> Result<(), AppError> {
    if quantity > MAX_LINE_QUANTITY {
        return Err(AppError::Validation {
            field: "quantity".into(),
            message: format!("At most {MAX_LINE_QUANTITY} of one item per order."),
        });
    }
    if quantity > stock_of(variant) {
        return Err(AppError::out_of_stock(&product.name, &variant.label, stock_of(variant)));
    }
    Ok(())
}

/// Adds `quantity` units of `sku`, refusing more than is in stock.
pub async fn add(db: &DatabaseConnection, owner: &Owner, sku: &str, quantity: u32) -> Result<Cart, AppError> {
    if quantity == 0 {
        return Err(AppError::Validation { field: "quantity".into(), message: "Choose at least one.".into() });
    }
    let (variant, product) = variant_by_sku(db, sku).await?;
    let in_cart = lines(db, owner).await?.into_iter().find(|(id, _)| *id == variant.id).map_or(0, |(_, q)| q);
    let wanted = in_cart.saturating_add(quantity);
    check_quantity(wanted, &variant, &product)?;
    set_line(db, owner, variant.id, wanted).await?;
    view(db, owner).await
}

/// Sets the quantity of `sku` in the cart; zero removes it.
pub async fn update(db: &DatabaseConnection, owner: &Owner, sku: &str, quantity: u32) -> Result<Cart, AppError> {
    let (variant, product) = variant_by_sku(db, sku).await?;
    if quantity > 0 {
        check_quantity(quantity, &variant, &product)?;
    }
    set_line(db, owner, variant.id, quantity).await?;
    view(db, owner).await
}

/// Moves a guest's session cart into `user_id`'s cart: quantities add up,
/// capped by what is in stock. Called right after sign-in.
pub async fn merge_guest_cart(db: &DatabaseConnection, session: &Session, user_id: i32) -> Result<(), AppError> {
    let guest = guest_lines(session).await?;
    if guest.is_empty() {
        return Ok(());
    }
    let owner = Owner::User(user_id);
    let existing: HashMap<i32, u32> = lines(db, &owner).await?.into_iter().collect();
    let ids: Vec<i32> = guest.iter().map(|l| l.variant_id).collect();
    let stock: HashMap<i32, u32> = variant::Entity::find()
        .filter(variant::Column::Id.is_in(ids))
        .all(db)
        .await?
        .iter()
        .map(|v| (v.id, stock_of(v)))
        .collect();
    let _turn = write_turn(db).await?;
    for line in guest {
        let Some(&available) = stock.get(&line.variant_id) else { continue };
        let merged = existing.get(&line.variant_id).copied().unwrap_or(0).saturating_add(line.quantity);
        let capped = merged.min(available).min(MAX_LINE_QUANTITY);
        if capped > 0 {
            upsert_line(db, user_id, line.variant_id, capped).await?;
        }
    }
    session.remove::<Vec<GuestLine>>(GUEST_CART_KEY).await.map_err(session_error)?;
    Ok(())
}

/// The cart as the customer sees it: lines for variants that still exist
/// and are for sale, at today's prices.
pub async fn view(db: &DatabaseConnection, owner: &Owner) -> Result<Cart, AppError> {
    let lines = lines(db, owner).await?;
    let ids: Vec<i32> = lines.iter().map(|(id, _)| *id).collect();
    if ids.is_empty() {
        return Ok(Cart::default());
    }
    let variants: HashMap<i32, variant::Model> =
        variant::Entity::find().filter(variant::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|v| (v.id, v)).collect();
    let product_ids: Vec<i32> = variants.values().map(|v| v.product_id).collect();
    let products: HashMap<i32, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids.clone()))
        .filter(product::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut images: HashMap<i32, Image> = HashMap::new();
    for image in product_image::Entity::find()
        .filter(product_image::Column::ProductId.is_in(product_ids))
        .order_by_desc(product_image::Column::Position)
        .all(db)
        .await?
    {
        // Descending order, so the lowest position is inserted last and wins.
        images.insert(image.product_id, Image { url: image.url, alt: image.alt });
    }

    let mut cart = Cart::default();
    let mut currency = None;
    for (variant_id, quantity) in lines {
        let Some(variant) = variants.get(&variant_id) else { continue };
        let Some(product) = products.get(&variant.product_id) else { continue };
        currency.get_or_insert(product.currency);
        let line = CartLine {
            sku: variant.sku.clone(),
            product_slug: product.slug.clone(),
            product_name: product.name.clone(),
            variant_label: variant.label.clone(),
            unit_price: Money::new(variant.price_cents, product.currency),
            quantity,
            available: stock_of(variant),
            image: images.get(&product.id).cloned(),
        };
        cart.subtotal.cents += line.line_total().cents;
        cart.item_count += quantity;
        cart.lines.push(line);
    }
    cart.subtotal.currency = currency.unwrap_or_default();
    Ok(cart)
}
