//! Creating and editing products and variants inside the editor's
//! [`CatalogScope`]. Each save is one transaction that also records
//! `PRODUCT_CHANGED`, so other admins' lists follow; a variant's first
//! stock arrives as a restock movement.

use super::read::{detail, product_in, variant_detail};
use crate::auth::ssr::CatalogScope;
use crate::auth::CurrentUser;
use crate::db::{begin_write, is_unique_violation, WriteTxn};
use crate::entity::{category, product, seller, variant};
use crate::error::AppError;
use crate::inventory::model::{MovementReason, MAX_MOVEMENT};
use crate::inventory::ssr::alerts::{reconsider, Level};
use crate::inventory::ssr::movement::{move_stock, Floor, Movement, Mover};
use crate::live::protocol::EventBody;
use crate::live::ssr::{record, Recorded};
use crate::live::topic::Topic;
use crate::money::Currency;
use crate::products::model::{FieldError, ProductChange, ProductDetail, ProductDraft, VariantDetail, VariantDraft};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

fn first_problem(problems: Vec<FieldError>) -> Result<(), AppError> {
    problems.into_iter().next().map_or(Ok(()), |problem| Err(problem.into()))
}

fn taken(field: &str, message: &str) -> AppError {
    AppError::Validation { field: field.into(), message: message.into() }
}

const SLUG_TAKEN: &str = "Another product already uses this slug; choose another.";
const SKU_TAKEN: &str = "Another variant already uses this SKU; SKUs must be unique.";

/// Creates (`id` `None`) or edits product `id` from `draft`; returns it as
/// saved and the events to publish after commit.
pub async fn save_product(
    db: &DatabaseConnection,
    scope: CatalogScope,
    id: Option<i32>,
    draft: ProductDraft,
) -> Result<(ProductDetail, Recorded), AppError> {
    let draft = draft.normalized();
    first_problem(draft.problems())?;
    let txn = begin_write(db).await?;
    let existing = match id {
        Some(id) => Some(product_in(&txn, scope, id).await?),
        None => None,
    };
    let seller_id = match (scope, draft.seller) {
        (CatalogScope::Seller(own), None) => own,
        (CatalogScope::Seller(own), Some(asked)) if asked == own => own,
        (CatalogScope::Seller(_), Some(_)) => return Err(taken("seller", "You can only sell your own products.")),
        (CatalogScope::All, Some(asked)) => seller::Entity::find_by_id(asked)
            .one(&txn)
            .await?
            .map(|s| s.id)
            .ok_or_else(|| taken("seller", "Choose a seller."))?,
        (CatalogScope::All, None) => match &existing {
            Some(row) => row.seller_id,
            None => return Err(taken("seller", "Choose a seller.")),
        },
    };
    if category::Entity::find_by_id(draft.category).one(&txn).await?.is_none() {
        return Err(taken("category", "Choose a category."));
    }
    let clash = product::Entity::find()
        .filter(product::Column::Slug.eq(draft.slug.clone()))
        .select_only()
        .column(product::Column::Id)
        .into_tuple::<i32>()
        .one(&txn)
        .await?;
    if clash.is_some_and(|other| Some(other) != id) {
        return Err(taken("slug", SLUG_TAKEN));
    }
    let saved = match existing.clone() {
        Some(row) => {
            let mut row: product::ActiveModel = row.into();
            row.name = Set(draft.name.clone());
            row.slug = Set(draft.slug.clone());
            row.description = Set(draft.description.clone());
            row.category_id = Set(draft.category);
            row.tags = Set(draft.tags.clone());
            row.active = Set(draft.active);
            row.seller_id = Set(seller_id);
            row.update(&txn).await
        }
        None => {
            product::ActiveModel {
                id: NotSet,
                seller_id: Set(seller_id),
                category_id: Set(draft.category),
                slug: Set(draft.slug.clone()),
                name: Set(draft.name.clone()),
                description: Set(draft.description.clone()),
                price_cents: Set(0),
                currency: Set(Currency::default()),
                tags: Set(draft.tags.clone()),
                active: Set(draft.active),
                featured: Set(false),
                rating_count: Set(0),
                rating_sum: Set(0),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await
        }
    };
    // Two editors saving the same new slug at once: the index decides.
    let saved = saved.map_err(|err| if is_unique_violation(&err) { taken("slug", SLUG_TAKEN) } else { err.into() })?;
    let mut recorded = changed(&txn, saved.id, saved.seller_id).await?;
    if let Some(before) = existing.filter(|before| before.seller_id != saved.seller_id) {
        // The old seller's list loses it.
        recorded.extend(changed(&txn, saved.id, before.seller_id).await?);
    }
    let detail = detail(&txn, CatalogScope::All, saved.id).await?;
    txn.commit().await?;
    Ok((detail, recorded))
}

/// Records `PRODUCT_CHANGED` for product `id` of `seller_id`: also when
/// only what its page shows changed (its reviews), so that every list and
/// cached page of it is drawn again.
pub(crate) async fn changed(db: &impl ConnectionTrait, id: i32, seller_id: i32) -> Result<Recorded, AppError> {
    let change = ProductChange { product: id, seller: seller_id };
    let mut recorded = Recorded::default();
    recorded.push(record(db, Topic::Catalog, EventBody::ProductChanged(change.clone())).await?);
    recorded.push(record(db, Topic::Seller(seller_id), EventBody::ProductChanged(change)).await?);
    Ok(recorded)
}

/// A variant to save: `id` `None` creates one in `product`, whose
/// `initial_stock` arrives as a restock.
#[derive(Debug, Clone)]
pub struct VariantSave {
    pub product: i32,
    pub id: Option<i32>,
    pub draft: VariantDraft,
    pub initial_stock: i32,
}

/// Creates (`variant_id` `None`, with `initial_stock` arriving as a
/// restock) or edits a variant of product `product_id`. Stock itself is
/// never set here: it moves only through movements.
pub async fn save_variant(
    db: &DatabaseConnection,
    scope: CatalogScope,
    user: &CurrentUser,
    save: VariantSave,
    default_threshold: i32,
) -> Result<(VariantDetail, Recorded), AppError> {
    let VariantSave { product: product_id, id: variant_id, draft, initial_stock } = save;
    let draft = draft.normalized();
    first_problem(draft.problems())?;
    if !(0..=MAX_MOVEMENT).contains(&initial_stock) {
        return Err(taken("stock", &format!("Enter a starting stock from 0 to {MAX_MOVEMENT}.")));
    }
    let txn = begin_write(db).await?;
    let product = product_in(&txn, scope, product_id).await?;
    let existing = match variant_id {
        Some(id) => Some(
            variant::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|v| v.product_id == product.id)
                .ok_or_else(|| AppError::NotFound("Variant".into()))?,
        ),
        None => None,
    };
    let clash = variant::Entity::find()
        .filter(variant::Column::Sku.eq(draft.sku.clone()))
        .select_only()
        .column(variant::Column::Id)
        .into_tuple::<i32>()
        .one(&txn)
        .await?;
    if clash.is_some_and(|other| Some(other) != variant_id) {
        return Err(taken("sku", SKU_TAKEN));
    }
    let saved = match existing.clone() {
        Some(row) => {
            let mut row: variant::ActiveModel = row.into();
            row.sku = Set(draft.sku.clone());
            row.label = Set(draft.label.clone());
            row.options = Set(draft.options.clone());
            row.price_cents = Set(draft.price_cents);
            if let Some(threshold) = draft.low_stock_threshold {
                row.low_stock_threshold = Set(threshold);
            }
            row.update(&txn).await
        }
        None => {
            let count = variant::Entity::find().filter(variant::Column::ProductId.eq(product.id)).count(&txn).await?;
            let position = i32::try_from(count).unwrap_or(i32::MAX);
            variant::ActiveModel {
                id: NotSet,
                product_id: Set(product.id),
                sku: Set(draft.sku.clone()),
                label: Set(draft.label.clone()),
                options: Set(draft.options.clone()),
                price_cents: Set(draft.price_cents),
                stock: Set(0),
                position: Set(position),
                low_stock_threshold: Set(draft.low_stock_threshold.unwrap_or(default_threshold)),
            }
            .insert(&txn)
            .await
        }
    };
    let saved = saved.map_err(|err| if is_unique_violation(&err) { taken("sku", SKU_TAKEN) } else { err.into() })?;
    let mut recorded = changed(&txn, product.id, product.seller_id).await?;
    let saved = if existing.is_none() && initial_stock > 0 {
        let moved = move_stock(
            &txn,
            Movement {
                variant: saved.id,
                delta: initial_stock,
                reason: MovementReason::Restock,
                note: "Starting stock",
                mover: Mover::Person(user),
                order: None,
                floor: Floor::Refuse,
            },
        )
        .await?;
        recorded.extend(moved.recorded);
        moved.variant
    } else {
        saved
    };
    // Judged against the variant as it was before this save (or not low
    // at all, for a new one): a variant created low, or a threshold moved
    // past the stock, is a crossing. The starting restock above cannot have
    // raised an alert itself, as it starts from an empty (low) variant.
    let before = existing.as_ref().map_or_else(Level::before_creation, Level::of);
    if let Some(alert) = reconsider(&txn, before, &saved, &product).await? {
        recorded.extend(crate::inventory::ssr::events::stock_changed(&txn, &saved, &product, Some(alert)).await?);
    }
    refresh_price(&txn, product.id).await?;
    txn.commit().await?;
    Ok((variant_detail(&saved), recorded))
}

/// Keeps the product's listed price ("from …") the lowest of its variants'.
async fn refresh_price(txn: &WriteTxn, product_id: i32) -> Result<(), DbErr> {
    let lowest = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(product_id))
        .select_only()
        .column_as(variant::Column::PriceCents.min(), "lowest")
        .into_tuple::<Option<i64>>()
        .one(txn)
        .await?
        .flatten()
        .unwrap_or(0);
    product::Entity::update_many()
        .col_expr(product::Column::PriceCents, Expr::value(lowest))
        .filter(product::Column::Id.eq(product_id))
        .exec(txn)
        .await?;
    Ok(())
}
