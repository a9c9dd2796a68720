//! Reading the catalog as the people who run it see it: the product list,
//! one product with its variants, and the editor's choices, all inside
//! the reader's [`CatalogScope`].

use crate::auth::ssr::CatalogScope;
use crate::entity::{category, product, product_image, seller, variant};
use crate::error::AppError;
use crate::inventory::model::is_low;
use crate::products::model::{
    Choice, EditorChoices, ImageDetail, ProductDetail, ProductDraft, ProductPage, ProductQuery, ProductSummary, VariantDetail, VariantDraft,
    PAGE_SIZE,
};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use std::collections::HashMap;

/// Longest search text looked for.
const MAX_QUERY_CHARS: usize = 100;

/// Product `id` if `scope` covers it; "not found" otherwise, so a seller
/// learns nothing about another seller's products.
pub async fn product_in(db: &impl ConnectionTrait, scope: CatalogScope, id: i32) -> Result<product::Model, AppError> {
    match product::Entity::find_by_id(id).one(db).await? {
        Some(row) if scope.covers(row.seller_id) => Ok(row),
        _ => Err(AppError::NotFound("Product".into())),
    }
}

/// The products `scope` covers whose name or slug contains `q`, or that
/// have a variant with that SKU. Shared by the list and the CSV export.
pub fn matching(scope: CatalogScope, q: &str) -> Select<product::Entity> {
    let mut select = product::Entity::find();
    if let CatalogScope::Seller(own) = scope {
        select = select.filter(product::Column::SellerId.eq(own));
    }
    let words: String = q.trim().chars().take(MAX_QUERY_CHARS).collect::<String>().to_lowercase();
    if !words.is_empty() {
        let pattern = format!("%{}%", words.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let lower = |column: product::Column| Expr::expr(Func::lower(Expr::col((product::Entity, column))));
        let by_sku = Query::select()
            .column(variant::Column::ProductId)
            .from(variant::Entity)
            .and_where(Expr::col(variant::Column::Sku).eq(words.to_uppercase()))
            .to_owned();
        select = select.filter(
            Condition::any()
                .add(lower(product::Column::Name).like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')))
                .add(lower(product::Column::Slug).like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')))
                .add(product::Column::Id.in_subquery(by_sku)),
        );
    }
    select
}

/// A page of the products [`matching`] `query.q` in `scope`; newest first.
pub async fn list(db: &impl ConnectionTrait, scope: CatalogScope, query: ProductQuery) -> Result<ProductPage, AppError> {
    let select = matching(scope, &query.q);
    let paginator = select.order_by_desc(product::Column::Id).paginate(db, PAGE_SIZE);
    let counts = paginator.num_items_and_pages().await?;
    let page = query.page.clamp(1, counts.number_of_pages.max(1));
    let rows = paginator.fetch_page(page - 1).await?;

    let ids: Vec<i32> = rows.iter().map(|p| p.id).collect();
    let variants = variant::Entity::find().filter(variant::Column::ProductId.is_in(ids)).all(db).await?;
    let mut by_product: HashMap<i32, Vec<&variant::Model>> = HashMap::new();
    for v in &variants {
        by_product.entry(v.product_id).or_default().push(v);
    }
    let categories = names(category::Entity::find().all(db).await?.into_iter().map(|c| (c.id, c.name)));
    let sellers = names(seller::Entity::find().all(db).await?.into_iter().map(|s| (s.id, s.name)));
    let products = rows
        .into_iter()
        .map(|p| {
            let own = by_product.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            ProductSummary {
                id: p.id,
                name: p.name,
                slug: p.slug,
                category: categories.get(&p.category_id).cloned().unwrap_or_default(),
                seller: sellers.get(&p.seller_id).cloned().unwrap_or_default(),
                active: p.active,
                variants: u32::try_from(own.len()).unwrap_or(u32::MAX),
                stock: own.iter().map(|v| i64::from(v.stock)).sum(),
                low: u32::try_from(own.iter().filter(|v| is_low(v.stock, v.low_stock_threshold)).count()).unwrap_or(u32::MAX),
            }
        })
        .collect();
    Ok(ProductPage { products, total: counts.number_of_items, page, pages: counts.number_of_pages, seller: scope.seller() })
}

fn names(rows: impl Iterator<Item = (i32, String)>) -> HashMap<i32, String> {
    rows.collect()
}

/// Product `id` with its variants in their order.
pub async fn detail(db: &impl ConnectionTrait, scope: CatalogScope, id: i32) -> Result<ProductDetail, AppError> {
    let row = product_in(db, scope, id).await?;
    let variants = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(id))
        .order_by_asc(variant::Column::Position)
        .order_by_asc(variant::Column::Id)
        .all(db)
        .await?;
    let images = product_image::Entity::find()
        .filter(product_image::Column::ProductId.eq(id))
        .order_by_asc(product_image::Column::Position)
        .order_by_asc(product_image::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|i| ImageDetail { id: i.id, url: i.url, alt: i.alt, position: i.position })
        .collect();
    Ok(ProductDetail { id: row.id, draft: draft_of(&row), variants: variants.iter().map(variant_detail).collect(), images })
}

/// The fields of `row` as the editor shows them.
pub fn draft_of(row: &product::Model) -> ProductDraft {
    ProductDraft {
        name: row.name.clone(),
        slug: row.slug.clone(),
        description: row.description.clone(),
        category: row.category_id,
        tags: row.tags.clone(),
        active: row.active,
        seller: Some(row.seller_id),
    }
}

pub fn variant_detail(row: &variant::Model) -> VariantDetail {
    VariantDetail {
        id: row.id,
        draft: VariantDraft {
            sku: row.sku.clone(),
            label: row.label.clone(),
            options: row.options.clone(),
            price_cents: row.price_cents,
            low_stock_threshold: Some(row.low_stock_threshold),
        },
        stock: row.stock,
    }
}

/// The categories, and the sellers `scope` may sell as.
pub async fn choices(db: &impl ConnectionTrait, scope: CatalogScope, default_threshold: i32) -> Result<EditorChoices, AppError> {
    let categories = category::Entity::find()
        .order_by_asc(category::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Choice { id: c.id, name: c.name })
        .collect();
    let mut sellers = seller::Entity::find().order_by_asc(seller::Column::Name);
    if let CatalogScope::Seller(own) = scope {
        sellers = sellers.filter(seller::Column::Id.eq(own));
    }
    let sellers = sellers.select_only().columns([seller::Column::Id, seller::Column::Name]).into_tuple::<(i32, String)>().all(db).await?;
    Ok(EditorChoices { categories, default_threshold, sellers: sellers.into_iter().map(|(id, name)| Choice { id, name }).collect() })
}
