//! The admin's view of the tree: every category in display order with its
//! depth and what hangs off it.

use crate::categories::model::{CategoryList, CategoryRow};
use crate::entity::{category, product};
use crate::error::AppError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};

/// Every category, each followed by its children (siblings by position,
/// then id), with its product and subcategory counts.
pub async fn list(db: &impl ConnectionTrait) -> Result<CategoryList, AppError> {
    let rows = category::Entity::find()
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?;
    let products: HashMap<i32, i64> = product::Entity::find()
        .select_only()
        .column(product::Column::CategoryId)
        .column_as(product::Column::Id.count(), "products")
        .group_by(product::Column::CategoryId)
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(CategoryList { categories: in_tree_order(rows, &products) })
}

/// `rows` (already in sibling order) arranged depth-first from the top
/// level. Rows whose parent is missing, or that sit in a loop, come last
/// at the top level rather than being lost.
fn in_tree_order(rows: Vec<category::Model>, products: &HashMap<i32, i64>) -> Vec<CategoryRow> {
    let ids: HashSet<i32> = rows.iter().map(|r| r.id).collect();
    let mut children: HashMap<Option<i32>, Vec<&category::Model>> = HashMap::new();
    for row in &rows {
        children.entry(row.parent_id.filter(|p| ids.contains(p))).or_default().push(row);
    }
    let mut ordered = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    let mut stack: Vec<(&category::Model, u32)> = children.get(&None).into_iter().flatten().rev().map(|r| (*r, 0)).collect();
    let mut strays = rows.iter();
    while let Some((row, depth)) = stack.pop().or_else(|| strays.find(|r| !seen.contains(&r.id)).map(|r| (r, 0))) {
        if !seen.insert(row.id) {
            continue;
        }
        let below = children.get(&Some(row.id)).map_or(&[][..], Vec::as_slice);
        stack.extend(below.iter().rev().map(|r| (*r, depth + 1)));
        ordered.push(CategoryRow {
            id: row.id,
            parent: row.parent_id,
            slug: row.slug.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            image: row.image_url.clone(),
            depth,
            products: products.get(&row.id).map_or(0, |&n| u64::try_from(n).unwrap_or(0)),
            children: below.len() as u64,
        });
    }
    ordered
}
