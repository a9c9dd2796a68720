//! Categories as admins see and edit them, with the rules both the form and
//! the server check: names, slugs, descriptions, and parents that never
//! make a cycle.

use crate::products::model::{slugify, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const MAX_NAME_CHARS: usize = 120;
/// The `categories.slug` column's length.
pub const MAX_SLUG_CHARS: usize = 80;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// One category in the admin tree, with what hangs off it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRow {
    pub id: i32,
    /// `None` at the top level.
    pub parent: Option<i32>,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The image its storefront page shows (`/media/…`), if any.
    pub image: Option<String>,
    /// 0 at the top level, 1 for its children, …
    pub depth: u32,
    /// Products placed directly in it (any status).
    pub products: u64,
    /// Categories directly under it.
    pub children: u64,
}

/// The whole tree in display order: each category followed by its
/// children, siblings by position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryList {
    pub categories: Vec<CategoryRow>,
}

impl CategoryList {
    /// `id` and every category below it.
    pub fn subtree(&self, id: i32) -> Vec<i32> {
        let parents: HashMap<i32, Option<i32>> = self.categories.iter().map(|c| (c.id, c.parent)).collect();
        self.categories.iter().map(|c| c.id).filter(|&other| other == id || is_below(&parents, other, id)).collect()
    }
}

/// A category's fields as typed. `slug` left empty is made from the name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryDraft {
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub description: String,
    /// The category it sits under; `None` for the top level.
    #[serde(default)]
    pub parent: Option<i32>,
}

fn error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

fn too_long(field: &str, what: &str, max: usize) -> FieldError {
    error(field, format!("Keep the {what} to {max} characters."))
}

/// `text` as a category slug: a product slug cut to the column's length.
pub fn category_slug(text: &str) -> String {
    slugify(text).chars().take(MAX_SLUG_CHARS).collect::<String>().trim_end_matches('-').to_string()
}

impl CategoryDraft {
    /// The draft with its text trimmed and an empty slug made from the
    /// name: what is checked and stored.
    pub fn normalized(&self) -> CategoryDraft {
        let name = self.name.trim().to_string();
        let slug = match self.slug.trim() {
            "" => category_slug(&name),
            typed => typed.to_string(),
        };
        CategoryDraft { name, slug, description: self.description.trim().to_string(), parent: self.parent }
    }

    /// Every field that is wrong in a normalized draft, as far as can be
    /// told without the database (a taken slug, an unknown parent or a
    /// cycle need it).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.name.is_empty() {
            problems.push(error("name", "Enter the category's name."));
        } else if self.name.chars().count() > MAX_NAME_CHARS {
            problems.push(too_long("name", "name", MAX_NAME_CHARS));
        } else if self.name.chars().any(char::is_control) {
            problems.push(error("name", "Keep the name to one line of text."));
        }
        if self.slug.chars().count() > MAX_SLUG_CHARS {
            problems.push(too_long("slug", "slug", MAX_SLUG_CHARS));
        } else if self.slug.is_empty() || slugify(&self.slug) != self.slug {
            problems.push(error("slug", "Use lowercase letters, digits and single hyphens, like \"desk-lamps\"."));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            problems.push(too_long("description", "description", MAX_DESCRIPTION_CHARS));
        }
        problems
    }
}

/// Whether `id` sits somewhere below `ancestor` in the tree given by
/// `parents` (each category's parent). A tree that already loops (it
/// should not) is walked at most once around.
pub fn is_below(parents: &HashMap<i32, Option<i32>>, id: i32, ancestor: i32) -> bool {
    let mut current = parents.get(&id).copied().flatten();
    for _ in 0..=parents.len() {
        match current {
            Some(up) if up == ancestor => return true,
            Some(up) => current = parents.get(&up).copied().flatten(),
            None => return false,
        }
    }
    false
}

/// Why category `id` cannot move under `parent`, if it cannot: under
/// itself, or under one of its own descendants, the tree would become a
/// loop.
pub fn cycle_problem(parents: &HashMap<i32, Option<i32>>, id: i32, parent: i32) -> Option<FieldError> {
    if parent == id {
        Some(error("parent", "A category cannot be its own parent; choose another parent or none."))
    } else if is_below(parents, parent, id) {
        Some(error("parent", "A category cannot move under one of its own subcategories; choose another parent."))
    } else {
        None
    }
}

/// The refusal to delete a category that still holds products or
/// subcategories, or `None` when it may go.
pub fn delete_blocker(name: &str, products: u64, children: u64) -> Option<String> {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if products > 0 {
        Some(format!(
            "{name} still has {}: move {} to another category first.",
            plural(products, "product", "products"),
            if products == 1 { "it" } else { "them" }
        ))
    } else if children > 0 {
        Some(format!(
            "{name} still has {}: move or delete them first.",
            plural(children, "subcategory", "subcategories")
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str, slug: &str) -> CategoryDraft {
        CategoryDraft { name: name.into(), slug: slug.into(), ..CategoryDraft::default() }
    }

    #[test]
    fn an_empty_slug_is_made_from_the_name() {
        let normalized = draft("  Desk Lamps & Shades ", "").normalized();
        assert_eq!(normalized.name, "Desk Lamps & Shades");
        assert_eq!(normalized.slug, "desk-lamps-shades");
        assert!(normalized.problems().is_empty());
    }

    #[test]
    fn a_typed_slug_is_kept_and_checked() {
        assert_eq!(draft("Lamps", "my-lamps").normalized().slug, "my-lamps");
        let problems = draft("Lamps", "My Lamps").normalized().problems();
        assert_eq!(problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), ["slug"]);
    }

    #[test]
    fn long_names_make_slugs_that_fit_the_column() {
        let slug = draft(&"lamp ".repeat(40), "").normalized().slug;
        assert!(slug.len() <= MAX_SLUG_CHARS && !slug.ends_with('-'), "{slug}");
    }

    #[test]
    fn names_are_required_and_limited() {
        let fields = |d: CategoryDraft| d.normalized().problems().into_iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(draft("   ", "lamps")), ["name"]);
        assert_eq!(fields(draft(&"x".repeat(MAX_NAME_CHARS + 1), "lamps")), ["name"]);
        assert_eq!(fields(draft("", "")), ["name", "slug"]);
        let long = CategoryDraft { description: "x".repeat(MAX_DESCRIPTION_CHARS + 1), ..draft("Lamps", "") };
        assert_eq!(fields(long), ["description"]);
    }

    /// 1 ─ 2 ─ 3, and 4 alone.
    fn tree() -> HashMap<i32, Option<i32>> {
        HashMap::from([(1, None), (2, Some(1)), (3, Some(2)), (4, None)])
    }

    #[test]
    fn moving_under_itself_or_a_descendant_is_a_cycle() {
        let parents = tree();
        assert!(cycle_problem(&parents, 1, 1).is_some_and(|p| p.field == "parent"));
        assert!(cycle_problem(&parents, 1, 2).is_some());
        assert!(cycle_problem(&parents, 1, 3).is_some());
        assert!(cycle_problem(&parents, 2, 3).is_some());
    }

    #[test]
    fn moving_elsewhere_is_fine() {
        let parents = tree();
        assert!(cycle_problem(&parents, 3, 1).is_none());
        assert!(cycle_problem(&parents, 2, 4).is_none());
        assert!(cycle_problem(&parents, 4, 3).is_none());
    }

    #[test]
    fn a_looping_tree_does_not_hang() {
        let parents = HashMap::from([(1, Some(2)), (2, Some(1)), (3, None)]);
        assert!(!is_below(&parents, 1, 3));
    }

    #[test]
    fn the_subtree_lists_a_category_and_everything_below() {
        let row = |id, parent| CategoryRow {
            id,
            parent,
            slug: String::new(),
            name: String::new(),
            description: String::new(),
            image: None,
            depth: 0,
            products: 0,
            children: 0,
        };
        let list = CategoryList { categories: vec![row(1, None), row(2, Some(1)), row(3, Some(2)), row(4, None)] };
        assert_eq!(list.subtree(2), [2, 3]);
        assert_eq!(list.subtree(4), [4]);
    }

    #[test]
    fn deleting_says_what_to_move_first() {
        assert_eq!(
            delete_blocker("Lighting", 12, 0).as_deref(),
            Some("Lighting still has 12 products: move them to another category first.")
        );
        assert_eq!(
            delete_blocker("Lighting", 1, 3).as_deref(),
            Some("Lighting still has 1 product: move it to another category first.")
        );
        assert!(delete_blocker("Home", 0, 2).is_some_and(|m| m.contains("2 subcategories")));
        assert_eq!(delete_blocker("Empty", 0, 0), None);
    }
}
