//! The catalog's wire types: what the server sends to pages and API callers.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// A category as the storefront shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: i32,
    pub parent_id: Option<i32>,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The image shown at the top of its page (`/media/…`), if any.
    pub image: Option<String>,
}

/// Every category, in display order; small enough to send whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CategoryTree {
    pub categories: Vec<Category>,
}

impl CategoryTree {
    /// Top-level categories.
    pub fn roots(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| c.parent_id.is_none())
    }

    /// Direct children of `id`.
    pub fn children(&self, id: i32) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(move |c| c.parent_id == Some(id))
    }

    /// The category with this slug.
    pub fn by_slug(&self, slug: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.slug == slug)
    }

    /// `id` and all its descendants: a category page lists the products of
    /// its subcategories too.
    pub fn subtree_ids(&self, id: i32) -> Vec<i32> {
        let mut ids = vec![id];
        let mut next = 0;
        while next < ids.len() {
            let parent = ids[next];
            ids.extend(self.children(parent).map(|c| c.id));
            next += 1;
        }
        ids
    }

    /// The path from the root down to `id`, for breadcrumbs.
    pub fn ancestry(&self, id: i32) -> Vec<&Category> {
        let mut path = Vec::new();
        let mut current = self.categories.iter().find(|c| c.id == id);
        while let Some(category) = current {
            // A cycle would be a data bug; the length bound keeps it from hanging a page.
            if path.len() > self.categories.len() {
                break;
            }
            path.push(category);
            current = category.parent_id.and_then(|p| self.categories.iter().find(|c| c.id == p));
        }
        path.reverse();
        path
    }
}

/// A product's average rating, kept as totals so no float is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RatingSummary {
    pub count: u32,
    pub sum: u32,
}

impl RatingSummary {
    /// The average to one decimal, as text ("4.3"), or `None` with no reviews.
    pub fn average_text(&self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        // Round half up at one decimal using integers only.
        let tenths = (self.sum * 10 * 2 + self.count) / (self.count * 2);
        Some(format!("{}.{}", tenths / 10, tenths % 10))
    }

    /// "4.3 out of 5 (12 reviews)" or "No reviews yet".
    pub fn describe(&self) -> String {
        match self.average_text() {
            None => "No reviews yet".to_string(),
            Some(avg) => format!(
                "{avg} out of 5 ({} review{})",
                self.count,
                if self.count == 1 { "" } else { "s" }
            ),
        }
    }
}

/// An image of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
    pub alt: String,
}

/// A product in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCard {
    pub slug: String,
    pub name: String,
    /// The lowest variant price.
    pub price: Money,
    /// Whether some variant costs more than `price`.
    pub price_varies: bool,
    pub rating: RatingSummary,
    pub in_stock: bool,
    pub image: Option<Image>,
}

impl ProductCard {
    /// "$12.34", or "From $12.34" when variants differ in price.
    pub fn price_text(&self) -> String {
        if self.price_varies {
            format!("From {}", self.price)
        } else {
            self.price.to_string()
        }
    }
}

/// One page of listing results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub products: Vec<ProductCard>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

impl SearchResults {
    /// Number of pages, at least one.
    pub fn page_count(&self) -> u32 {
        let pages = self.total.div_ceil(u64::from(self.per_page.max(1)));
        u32::try_from(pages).unwrap_or(u32::MAX).max(1)
    }

    /// "123 products", "1 product" or "No products match".
    pub fn summary(&self) -> String {
        match self.total {
            0 => "No products match".to_string(),
            1 => "1 product".to_string(),
            n => format!("{n} products"),
        }
    }
}

/// A purchasable variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub sku: String,
    pub label: String,
    pub price: Money,
    pub stock: u32,
}

impl Variant {
    /// "In stock (12 available)" or "Out of stock".
    pub fn stock_text(&self) -> String {
        if self.stock == 0 {
            "Out of stock".to_string()
        } else {
            format!("In stock ({} available)", self.stock)
        }
    }
}

/// A review as shown on the product page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub author: String,
    pub rating: u8,
    pub title: String,
    pub body: String,
    pub verified_purchase: bool,
    /// ISO date (YYYY-MM-DD).
    pub date: String,
}

/// Everything the product page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub seller: String,
    pub category: Category,
    pub images: Vec<Image>,
    pub variants: Vec<Variant>,
    pub rating: RatingSummary,
    /// The newest reviews, at most [`REVIEWS_SHOWN`].
    pub reviews: Vec<Review>,
}

/// How many reviews the product page shows.
pub const REVIEWS_SHOWN: u64 = 20;

impl ProductDetail {
    /// The variant chosen by `sku`, else the first in stock, else the first.
    pub fn pick_variant(&self, sku: Option<&str>) -> Option<&Variant> {
        sku.and_then(|sku| self.variants.iter().find(|v| v.sku == sku))
            .or_else(|| self.variants.iter().find(|v| v.stock > 0))
            .or_else(|| self.variants.first())
    }
}

/// The home page's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomePage {
    pub featured: Vec<ProductCard>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> CategoryTree {
        let cat = |id, parent_id, slug: &str| Category {
            id,
            parent_id,
            slug: slug.into(),
            name: slug.into(),
            description: String::new(),
            image: None,
        };
        CategoryTree {
            categories: vec![
                cat(1, None, "home"),
                cat(2, Some(1), "lighting"),
                cat(3, Some(2), "lamps"),
                cat(4, None, "books"),
            ],
        }
    }

    #[test]
    fn subtree_includes_descendants_only() {
        let mut ids = tree().subtree_ids(1);
        ids.sort();
        assert_eq!(ids, vec![1, 2, 3]);
        assert_eq!(tree().subtree_ids(4), vec![4]);
    }

    #[test]
    fn ancestry_runs_root_first() {
        let tree = tree();
        let slugs: Vec<_> = tree.ancestry(3).iter().map(|c| c.slug.as_str()).collect();
        assert_eq!(slugs, ["home", "lighting", "lamps"]);
    }

    #[test]
    fn rating_average_rounds_half_up() {
        assert_eq!(RatingSummary { count: 0, sum: 0 }.describe(), "No reviews yet");
        assert_eq!(RatingSummary { count: 4, sum: 17 }.average_text().as_deref(), Some("4.3"));
        assert_eq!(RatingSummary { count: 1, sum: 5 }.describe(), "5.0 out of 5 (1 review)");
        assert_eq!(RatingSummary { count: 3, sum: 10 }.average_text().as_deref(), Some("3.3"));
        assert_eq!(RatingSummary { count: 20, sum: 89 }.average_text().as_deref(), Some("4.5"));
    }

    #[test]
    fn page_count_is_at_least_one() {
        let results = |total| SearchResults { products: vec![], total, page: 1, per_page: 24 };
        assert_eq!(results(0).page_count(), 1);
        assert_eq!(results(24).page_count(), 1);
        assert_eq!(results(25).page_count(), 2);
        assert_eq!(results(500).page_count(), 21);
    }
}
