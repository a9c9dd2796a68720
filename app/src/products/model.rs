//! Products and variants as the people who run the catalog see and edit
//! them, with the rules both the form and the server check.

use serde::{Deserialize, Serialize};

/// Products on one page of the list.
pub const PAGE_SIZE: u64 = 20;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_SLUG_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_TAGS_CHARS: usize = 500;
pub const MAX_SKU_CHARS: usize = 64;
pub const MAX_LABEL_CHARS: usize = 120;
pub const MAX_OPTIONS_CHARS: usize = 500;
/// Highest price a variant can have: $1,000,000.00.
pub const MAX_PRICE_CENTS: i64 = 100_000_000;
pub const MAX_THRESHOLD: i32 = 1_000_000;

/// What the product list shows: a page of products matching `q`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuery {
    /// Words in the name or slug, or a SKU.
    #[serde(default)]
    pub q: String,
    /// 1-based.
    #[serde(default)]
    pub page: u64,
}

/// One product in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub id: i32,
    pub name: String,
    pub slug: String,
    pub category: String,
    pub seller: String,
    pub active: bool,
    pub variants: u32,
    /// Units in stock over every variant.
    pub stock: i64,
    /// Variants at or below their low-stock threshold.
    pub low: u32,
}

/// A page of the product list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPage {
    pub products: Vec<ProductSummary>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    /// The seller the list was read for (`None`: an admin's, of every
    /// seller).
    pub seller: Option<i32>,
}

/// A category or seller to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: i32,
    pub name: String,
}

/// What the editor needs besides the product: the choices for its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorChoices {
    pub categories: Vec<Choice>,
    /// The threshold a new variant starts with.
    pub default_threshold: i32,
    /// Every seller for admins; only their own for a seller.
    pub sellers: Vec<Choice>,
}

/// A product with its variants and images, for editing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub id: i32,
    pub draft: ProductDraft,
    pub variants: Vec<VariantDetail>,
    /// In the order the storefront shows them.
    #[serde(default)]
    pub images: Vec<ImageDetail>,
}

/// One of a product's images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDetail {
    pub id: i32,
    pub url: String,
    pub alt: String,
    pub position: i32,
}

/// Longest alt text.
pub const MAX_ALT_CHARS: usize = 200;

/// `alt` trimmed, or why it is refused.
pub fn check_alt(alt: &str) -> Result<String, FieldError> {
    let alt = alt.trim();
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(too_long("alt", "alt text", MAX_ALT_CHARS));
    }
    Ok(alt.to_string())
}

/// A variant as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantDetail {
    pub id: i32,
    pub draft: VariantDraft,
    /// Changed only by stock movements (restock, adjustment, sales).
    pub stock: i32,
}

/// A product's fields as typed. `slug` left empty is made from the name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDraft {
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub description: String,
    pub category: i32,
    /// Comma-separated.
    #[serde(default)]
    pub tags: String,
    /// Archived products (`false`) are hidden from the storefront and
    /// cannot be bought.
    #[serde(default = "yes")]
    pub active: bool,
    /// Whose product; sellers may only name their own (and may leave it
    /// out), admins must choose.
    #[serde(default)]
    pub seller: Option<i32>,
}

fn yes() -> bool {
    true
}

/// A variant's fields as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantDraft {
    pub sku: String,
    /// What tells it apart ("Blue / M").
    pub label: String,
    /// Its options as text ("color=Blue; size=M").
    #[serde(default)]
    pub options: String,
    pub price_cents: i64,
    /// `None`: a new variant gets the shop's default, an edit keeps the
    /// variant's own.
    #[serde(default)]
    pub low_stock_threshold: Option<i32>,
}

/// A field the typed values are wrong in, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl From<FieldError> for crate::error::AppError {
    fn from(problem: FieldError) -> Self {
        crate::error::AppError::Validation { field: problem.field, message: problem.message }
    }
}

fn error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

fn too_long(field: &str, what: &str, max: usize) -> FieldError {
    error(field, format!("Keep the {what} to {max} characters."))
}

/// `text` made into a slug: lowercase ASCII letters and digits joined by
/// single hyphens ("Linen Shirt — Blue" → "linen-shirt-blue").
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    slug.chars().take(MAX_SLUG_CHARS).collect::<String>().trim_end_matches('-').to_string()
}

/// Whether `slug` is already in slug form.
fn is_slug(slug: &str) -> bool {
    !slug.is_empty() && slugify(slug) == slug
}

impl ProductDraft {
    /// The draft with its text trimmed and an empty slug made from the
    /// name: what is checked and stored.
    pub fn normalized(&self) -> ProductDraft {
        let name = self.name.trim().to_string();
        let slug = match self.slug.trim() {
            "" => slugify(&name),
            typed => typed.to_string(),
        };
        let tags = self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(", ");
        ProductDraft { name, slug, description: self.description.trim().to_string(), tags, ..self.clone() }
    }

    /// Every field that is wrong in a normalized draft (empty when it may
    /// be saved, as far as can be told without the database).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.name.is_empty() {
            problems.push(error("name", "Enter the product's name."));
        } else if self.name.chars().count() > MAX_NAME_CHARS {
            problems.push(too_long("name", "name", MAX_NAME_CHARS));
        }
        if self.slug.chars().count() > MAX_SLUG_CHARS {
            problems.push(too_long("slug", "slug", MAX_SLUG_CHARS));
        } else if !is_slug(&self.slug) {
            problems.push(error("slug", "Use lowercase letters, digits and single hyphens, like \"linen-shirt\"."));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            problems.push(too_long("description", "description", MAX_DESCRIPTION_CHARS));
        }
        if self.tags.chars().count() > MAX_TAGS_CHARS {
            problems.push(too_long("tags", "tags", MAX_TAGS_CHARS));
        }
        if self.category <= 0 {
            problems.push(error("category", "Choose a category."));
        }
        problems
    }
}

impl VariantDraft {
    pub fn normalized(&self) -> VariantDraft {
        VariantDraft {
            sku: self.sku.trim().to_uppercase(),
            label: self.label.trim().to_string(),
            options: self.options.trim().to_string(),
            ..self.clone()
        }
    }

    /// Every field that is wrong in a normalized draft.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.sku.is_empty() {
            problems.push(error("sku", "Enter a SKU."));
        } else if self.sku.chars().count() > MAX_SKU_CHARS {
            problems.push(too_long("sku", "SKU", MAX_SKU_CHARS));
        } else if !self.sku.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            problems.push(error("sku", "Use letters, digits, hyphens, underscores and dots in a SKU."));
        }
        if self.label.is_empty() {
            problems.push(error("label", "Enter what tells this variant apart, like \"Blue / M\"."));
        } else if self.label.chars().count() > MAX_LABEL_CHARS {
            problems.push(too_long("label", "variant name", MAX_LABEL_CHARS));
        }
        if self.options.chars().count() > MAX_OPTIONS_CHARS {
            problems.push(too_long("options", "options", MAX_OPTIONS_CHARS));
        }
        if self.price_cents < 0 {
            problems.push(error("price", "The price cannot be negative."));
        } else if self.price_cents > MAX_PRICE_CENTS {
            problems.push(error("price", "The price can be at most 1,000,000.00."));
        }
        if self.low_stock_threshold.is_some_and(|t| !(0..=MAX_THRESHOLD).contains(&t)) {
            problems.push(error("low_stock_threshold", format!("Enter a threshold from 0 to {MAX_THRESHOLD}.")));
        }
        problems
    }
}

/// The live payload of a product edit (topics `catalog` and
/// `seller:{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChange {
    pub product: i32,
    pub seller: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str, slug: &str) -> ProductDraft {
        ProductDraft { name: name.into(), slug: slug.into(), category: 1, active: true, ..ProductDraft::default() }
    }

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(slugify("Linen Shirt — Blue"), "linen-shirt-blue");
        assert_eq!(slugify("  --Café 2000!! "), "caf-2000");
        assert_eq!(slugify("!!!"), "");
        assert_eq!(draft(" Linen Shirt ", "").normalized().slug, "linen-shirt");
        assert_eq!(draft("Linen Shirt", " my-shirt ").normalized().slug, "my-shirt");
    }

    #[test]
    fn a_product_needs_a_name_a_clean_slug_and_a_category() {
        assert!(draft("Shirt", "shirt").normalized().problems().is_empty());
        let fields = |d: ProductDraft| d.normalized().problems().into_iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(draft("   ", "")), ["name", "slug"]);
        assert_eq!(fields(draft("Shirt", "Not A Slug")), ["slug"]);
        assert_eq!(fields(ProductDraft { category: 0, ..draft("Shirt", "") }), ["category"]);
        assert_eq!(fields(draft(&"x".repeat(MAX_NAME_CHARS + 1), "x")), ["name"]);
    }

    #[test]
    fn tags_are_trimmed_and_empty_ones_dropped() {
        let d = ProductDraft { tags: " linen, ,summer ,".into(), ..draft("Shirt", "") };
        assert_eq!(d.normalized().tags, "linen, summer");
    }

    #[test]
    fn a_variant_needs_a_sku_a_name_and_a_price_not_below_zero() {
        let ok = VariantDraft { sku: " ab-1 ".into(), label: "Blue".into(), price_cents: 1200, low_stock_threshold: Some(5), ..VariantDraft::default() };
        assert_eq!(ok.normalized().sku, "AB-1");
        assert!(ok.normalized().problems().is_empty());
        let fields = |v: VariantDraft| v.normalized().problems().into_iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(VariantDraft { price_cents: -1, ..ok.clone() }), ["price"]);
        assert_eq!(fields(VariantDraft { sku: "a b".into(), ..ok.clone() }), ["sku"]);
        assert_eq!(fields(VariantDraft { sku: "".into(), label: " ".into(), ..ok.clone() }), ["sku", "label"]);
        assert_eq!(fields(VariantDraft { low_stock_threshold: Some(-1), ..ok.clone() }), ["low_stock_threshold"]);
        assert!(VariantDraft { low_stock_threshold: None, ..ok }.normalized().problems().is_empty());
    }
}
