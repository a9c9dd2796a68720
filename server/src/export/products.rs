//! The products export: the catalog a user manages, one row per variant
//! (a product without variants gets one row with the variant cells empty).

use super::csv_cell::{amount, text};
use super::{Page, PAGE_ROWS};
use app::auth::ssr::CatalogScope;
use app::entity::{category, product, seller, variant};
use app::error::AppError;
use app::products::ssr::read::matching;
use sea_orm::{ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// The columns, in order.
pub const HEADER: &[&str] = &[
    "id",
    "name",
    "slug",
    "category",
    "seller",
    "active",
    "sku",
    "variant",
    "price",
    "currency",
    "stock",
    "low_stock_threshold",
];

/// The names of the rows of `E` whose ids are in `ids`.
async fn names<E: EntityTrait>(
    db: &DatabaseConnection,
    id: E::Column,
    ids: Vec<i32>,
    name: impl Fn(E::Model) -> (i32, String),
) -> Result<HashMap<i32, String>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(E::find().filter(id.is_in(ids)).all(db).await?.into_iter().map(name).collect())
}

/// The rows of the products in `scope` matching `q` with ids above
/// `after`, at most [`PAGE_ROWS`] products, lowest id first.
pub(super) async fn page(db: &DatabaseConnection, scope: CatalogScope, q: &str, after: i32) -> Result<Page, AppError> {
    let products = matching(scope, q)
        .filter(product::Column::Id.gt(after))
        .order_by_asc(product::Column::Id)
        .limit(PAGE_ROWS)
        .all(db)
        .await?;
    let ids: Vec<i32> = products.iter().map(|p| p.id).collect();
    let mut variants: HashMap<i32, Vec<variant::Model>> = HashMap::new();
    if !ids.is_empty() {
        for v in variant::Entity::find()
            .filter(variant::Column::ProductId.is_in(ids.iter().copied()))
            .order_by_asc(variant::Column::Position)
            .order_by_asc(variant::Column::Id)
            .all(db)
            .await?
        {
            variants.entry(v.product_id).or_default().push(v);
        }
    }
    let categories =
        names::<category::Entity>(db, category::Column::Id, products.iter().map(|p| p.category_id).collect(), |c| (c.id, c.name)).await?;
    let sellers = names::<seller::Entity>(db, seller::Column::Id, products.iter().map(|p| p.seller_id).collect(), |s| (s.id, s.name)).await?;

    let keys_read = products.len();
    let last = ids.last().copied();
    let mut rows = Vec::new();
    for p in products {
        let currency = p.currency.to_value();
        let product_cells = [
            p.id.to_string(),
            text(&p.name).into_owned(),
            text(&p.slug).into_owned(),
            text(categories.get(&p.category_id).map(String::as_str).unwrap_or_default()).into_owned(),
            text(sellers.get(&p.seller_id).map(String::as_str).unwrap_or_default()).into_owned(),
            p.active.to_string(),
        ];
        let own = variants.remove(&p.id).unwrap_or_default();
        if own.is_empty() {
            let mut row = product_cells.to_vec();
            row.extend([String::new(), String::new(), String::new(), currency.clone(), String::new(), String::new()]);
            rows.push(row);
        }
        for v in own {
            let mut row = product_cells.to_vec();
            row.extend([
                text(&v.sku).into_owned(),
                text(&v.label).into_owned(),
                amount(v.price_cents),
                currency.clone(),
                v.stock.to_string(),
                v.low_stock_threshold.to_string(),
            ]);
            rows.push(row);
        }
    }
    Ok(Page::new(rows, keys_read, last))
}
