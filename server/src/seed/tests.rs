//! Tests of the pure generator and the const catalogue data; no database.

// A failed unwrap here is a failed test, which is what we want.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};

use super::catalog_tree::{CategoryDef, VariantScheme, ADJECTIVES, CATEGORIES, LEAVES, SELLERS};
use super::generate::{generate, slugify, DemoCatalog, ProductSeed, BASE_INSTANT, PRODUCT_COUNT};
use super::DEMO_SEED;

/// Seeds every property test runs against, so a property that only holds by
/// luck for the demo seed is caught.
const SEEDS: [u64; 4] = [DEMO_SEED, 0, 1, 987_654_321];

fn catalogs() -> impl Iterator<Item = (u64, DemoCatalog)> {
    SEEDS.into_iter().map(|seed| (seed, generate(seed)))
}

fn is_clothing(p: &ProductSeed) -> bool {
    matches!(p.category_slug, "t-shirts" | "jackets")
}

#[test]
fn same_seed_gives_equal_output() {
    assert_eq!(generate(DEMO_SEED), generate(DEMO_SEED));
    assert_eq!(generate(7), generate(7));
}

#[test]
fn different_seeds_give_different_output() {
    assert_ne!(generate(DEMO_SEED), generate(DEMO_SEED + 1));
    assert_ne!(generate(0), generate(1));
}

#[test]
fn base_instant_is_new_year_2026() {
    assert_eq!(BASE_INSTANT.to_rfc3339(), "2026-01-01T00:00:00+00:00");
}

#[test]
fn exactly_500_products() {
    for (seed, catalog) in catalogs() {
        assert_eq!(catalog.products.len(), 500, "seed {seed}");
        assert_eq!(PRODUCT_COUNT, 500);
    }
}

#[test]
fn product_slugs_are_unique_and_well_formed() {
    for (seed, catalog) in catalogs() {
        let mut seen = HashSet::new();
        for p in &catalog.products {
            assert!(
                seen.insert(p.slug.as_str()),
                "seed {seed}: duplicate slug {}",
                p.slug
            );
            assert!(
                p.slug.starts_with(&slugify(&p.name)),
                "seed {seed}: {} for {}",
                p.slug,
                p.name
            );
            assert!(
                p.slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "seed {seed}: {}",
                p.slug
            );
            assert!(p.slug.len() <= 160);
        }
    }
}

#[test]
fn repeated_names_get_numbered_slugs() {
    // 500 products over ~120 names per leaf: repeats are certain.
    let catalog = generate(DEMO_SEED);
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in &catalog.products {
        by_name
            .entry(p.name.as_str())
            .or_default()
            .push(p.slug.as_str());
    }
    let repeated: Vec<_> = by_name.values().filter(|slugs| slugs.len() > 1).collect();
    assert!(!repeated.is_empty());
    for slugs in repeated {
        assert_eq!(slugs[1], format!("{}-2", slugs[0]));
    }
}

#[test]
fn slugify_collapses_separators() {
    assert_eq!(slugify("Aurora Lamp"), "aurora-lamp");
    assert_eq!(slugify("Ember V-Neck Tee"), "ember-v-neck-tee");
    assert_eq!(slugify("  Home & Kitchen!! "), "home-kitchen");
}

#[test]
fn names_are_adjective_and_leaf_noun() {
    for (seed, catalog) in catalogs() {
        for p in &catalog.products {
            let leaf = LEAVES
                .iter()
                .find(|l| l.slug == p.category_slug)
                .expect("known leaf");
            let (adjective, noun) = p.name.split_once(' ').expect("two parts");
            assert!(ADJECTIVES.contains(&adjective), "seed {seed}: {}", p.name);
            assert!(leaf.nouns.contains(&noun), "seed {seed}: {}", p.name);
            assert!(
                p.description.to_lowercase().contains(&noun.to_lowercase()),
                "seed {seed}: {}",
                p.description
            );
            assert!(
                leaf.materials.iter().any(|m| p.description.contains(m)),
                "seed {seed}: no material in {}",
                p.description
            );
            assert!(
                leaf.uses.iter().any(|u| p.description.contains(u)),
                "seed {seed}: no use in {}",
                p.description
            );
        }
    }
}

#[test]
fn every_product_has_a_variant() {
    for (seed, catalog) in catalogs() {
        for p in &catalog.products {
            assert!(!p.variants.is_empty(), "seed {seed}: {}", p.slug);
            let positions: Vec<i32> = p.variants.iter().map(|v| v.position).collect();
            let expected: Vec<i32> = (0..p.variants.len() as i32).collect();
            assert_eq!(positions, expected, "seed {seed}: {}", p.slug);
        }
    }
}

#[test]
fn product_price_is_lowest_variant_price() {
    for (seed, catalog) in catalogs() {
        for p in &catalog.products {
            let lowest = p.variants.iter().map(|v| v.price_cents).min().unwrap();
            assert_eq!(p.price_cents, lowest, "seed {seed}: {}", p.slug);
            assert!(p.price_cents > 0);
            for v in &p.variants {
                assert!(
                    matches!(v.price_cents % 100, 0 | 50 | 99),
                    "seed {seed}: {}",
                    v.price_cents
                );
            }
        }
    }
}

#[test]
fn rating_totals_match_reviews() {
    for (seed, catalog) in catalogs() {
        for p in &catalog.products {
            assert_eq!(
                p.rating_count as usize,
                p.reviews.len(),
                "seed {seed}: {}",
                p.slug
            );
            let sum: i32 = p.reviews.iter().map(|r| i32::from(r.rating)).sum();
            assert_eq!(p.rating_sum, sum, "seed {seed}: {}", p.slug);
        }
    }
}

#[test]
fn ratings_are_one_to_five_and_skew_positive() {
    for (seed, catalog) in catalogs() {
        let ratings: Vec<i16> = catalog
            .products
            .iter()
            .flat_map(|p| p.reviews.iter().map(|r| r.rating))
            .collect();
        assert!(ratings.iter().all(|r| (1..=5).contains(r)), "seed {seed}");
        let mean = ratings.iter().map(|&r| f64::from(r)).sum::<f64>() / ratings.len() as f64;
        assert!(mean > 3.5 && mean < 4.6, "seed {seed}: mean {mean}");
    }
}

#[test]
fn clothing_has_s_m_l_xl_with_rising_prices() {
    for (seed, catalog) in catalogs() {
        let clothing: Vec<&ProductSeed> =
            catalog.products.iter().filter(|p| is_clothing(p)).collect();
        assert!(!clothing.is_empty());
        for p in clothing {
            let sizes: Vec<&str> = p
                .variants
                .iter()
                .map(|v| v.label.split(" / ").next().unwrap())
                .collect();
            assert_eq!(sizes, ["S", "M", "L", "XL"], "seed {seed}: {}", p.slug);
            for pair in p.variants.windows(2) {
                assert!(
                    pair[0].price_cents < pair[1].price_cents,
                    "seed {seed}: {}",
                    p.slug
                );
            }
            for v in &p.variants {
                let options: serde_json::Value = serde_json::from_str(&v.options).unwrap();
                assert!(
                    options["size"].is_string() && options["colour"].is_string(),
                    "{}",
                    v.options
                );
            }
        }
    }
}

#[test]
fn shoes_come_in_sizes_7_to_11_at_one_price() {
    let catalog = generate(DEMO_SEED);
    for p in catalog
        .products
        .iter()
        .filter(|p| p.category_slug == "shoes")
    {
        let labels: Vec<&str> = p.variants.iter().map(|v| v.label.as_str()).collect();
        assert_eq!(labels.len(), 5);
        assert!(labels[1].starts_with("Size 8 / "), "{labels:?}");
        assert!(p.variants.iter().all(|v| v.price_cents == p.price_cents));
    }
}

#[test]
fn sold_out_share_is_between_5_and_15_percent() {
    for (seed, catalog) in catalogs() {
        let sold_out = catalog
            .products
            .iter()
            .filter(|p| p.variants.iter().all(|v| v.stock == 0))
            .count();
        let share = sold_out as f64 / catalog.products.len() as f64;
        assert!((0.05..=0.15).contains(&share), "seed {seed}: {share}");
        // Some in-stock products still have individual variants at zero.
        assert!(catalog
            .products
            .iter()
            .any(|p| p.variants.iter().any(|v| v.stock == 0)
                && p.variants.iter().any(|v| v.stock > 0)));
        assert!(catalog
            .products
            .iter()
            .flat_map(|p| &p.variants)
            .all(|v| (0..=120).contains(&v.stock)));
    }
}

#[test]
fn skus_are_unique_upper_case_and_short() {
    for (seed, catalog) in catalogs() {
        let mut seen = HashSet::new();
        for v in catalog.products.iter().flat_map(|p| &p.variants) {
            assert!(
                seen.insert(v.sku.as_str()),
                "seed {seed}: duplicate {}",
                v.sku
            );
            assert!(v.sku.len() <= 64);
            assert_eq!(v.sku, v.sku.to_uppercase());
        }
    }
}

#[test]
fn at_least_eight_featured() {
    for (seed, catalog) in catalogs() {
        let featured = catalog.products.iter().filter(|p| p.featured).count();
        assert!(featured >= 8, "seed {seed}");
        assert!(featured <= catalog.products.len() / 5, "seed {seed}");
    }
}

#[test]
fn products_spread_evenly_over_leaves() {
    for (seed, catalog) in catalogs() {
        let mut per_leaf: HashMap<&str, usize> = HashMap::new();
        for p in &catalog.products {
            *per_leaf.entry(p.category_slug).or_default() += 1;
        }
        assert_eq!(per_leaf.len(), LEAVES.len(), "seed {seed}");
        let even = PRODUCT_COUNT / LEAVES.len();
        assert!(
            per_leaf.values().all(|&n| n == even || n == even + 1),
            "seed {seed}: {per_leaf:?}"
        );
        let mut per_seller: HashMap<&str, usize> = HashMap::new();
        for p in &catalog.products {
            *per_seller.entry(p.seller_slug).or_default() += 1;
        }
        assert_eq!(per_seller.len(), SELLERS.len(), "seed {seed}");
    }
}

#[test]
fn two_distinct_images_with_em_dash_alt() {
    for (seed, catalog) in catalogs() {
        for p in &catalog.products {
            assert_eq!(p.images.len(), 2, "seed {seed}");
            assert_ne!(p.images[0].url, p.images[1].url);
            for (n, image) in p.images.iter().enumerate() {
                assert_eq!(image.position, n as i32);
                assert_eq!(image.alt, format!("{} — image {}", p.name, n + 1));
                let prefix = format!("/images/products/{}-", p.category_slug);
                let k = image
                    .url
                    .strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(".svg"))
                    .unwrap();
                assert!(["1", "2", "3", "4"].contains(&k), "{}", image.url);
            }
        }
    }
}

#[test]
fn dates_are_within_the_year_and_reviews_follow_products() {
    let year_ago = BASE_INSTANT - chrono::TimeDelta::days(366);
    for (seed, catalog) in catalogs() {
        for p in &catalog.products {
            assert!(
                p.created_at < BASE_INSTANT && p.created_at > year_ago,
                "seed {seed}"
            );
            for r in &p.reviews {
                assert!(
                    r.created_at > p.created_at && r.created_at <= BASE_INSTANT,
                    "seed {seed}"
                );
            }
            assert!(p
                .reviews
                .windows(2)
                .all(|w| w[0].created_at <= w[1].created_at));
        }
    }
}

#[test]
fn review_counts_and_shapes() {
    for (seed, catalog) in catalogs() {
        let without = catalog
            .products
            .iter()
            .filter(|p| p.reviews.is_empty())
            .count();
        let share = without as f64 / catalog.products.len() as f64;
        assert!((0.08..=0.25).contains(&share), "seed {seed}: {share}");
        for r in catalog.products.iter().flat_map(|p| &p.reviews) {
            assert!(
                r.author_name.ends_with('.') && r.author_name.contains(' '),
                "{}",
                r.author_name
            );
            assert!(!r.title.is_empty() && !r.body.is_empty());
        }
        assert!(catalog.products.iter().all(|p| p.reviews.len() <= 12));
    }
}

#[test]
fn tags_are_three_to_five_lowercase_words_from_the_pool() {
    for (seed, catalog) in catalogs() {
        for p in &catalog.products {
            let leaf = LEAVES.iter().find(|l| l.slug == p.category_slug).unwrap();
            let words: Vec<&str> = p.tags.split(' ').collect();
            assert!((3..=5).contains(&words.len()), "seed {seed}: {}", p.tags);
            assert!(
                words
                    .iter()
                    .all(|w| leaf.tags.contains(w) && *w == w.to_lowercase()),
                "{}",
                p.tags
            );
        }
    }
}

#[test]
fn category_tree_is_as_specified() {
    let top: Vec<(&str, &str)> = CATEGORIES
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|c| (c.slug, c.name))
        .collect();
    assert_eq!(
        top,
        [
            ("home-kitchen", "Home & Kitchen"),
            ("clothing", "Clothing"),
            ("electronics", "Electronics"),
            ("outdoors", "Outdoors"),
            ("books", "Books"),
        ]
    );
    assert_eq!(CATEGORIES.len(), 15);

    // Parents come first, siblings are numbered 0.., slugs are unique.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut positions: HashMap<Option<&str>, Vec<i32>> = HashMap::new();
    for c in CATEGORIES {
        if let Some(parent) = c.parent {
            assert!(seen.contains(parent), "{} before its parent", c.slug);
        }
        assert!(seen.insert(c.slug));
        positions.entry(c.parent).or_default().push(c.position);
        assert!(c.description.ends_with('.'));
    }
    for list in positions.values() {
        assert_eq!(*list, (0..list.len() as i32).collect::<Vec<_>>());
    }

    // The leaves are exactly the categories without children.
    let leaves: HashSet<&str> = CATEGORIES
        .iter()
        .filter(|c| {
            !CATEGORIES
                .iter()
                .any(|child: &CategoryDef| child.parent == Some(c.slug))
        })
        .map(|c| c.slug)
        .collect();
    let leaf_defs: HashSet<&str> = LEAVES.iter().map(|l| l.slug).collect();
    assert_eq!(leaves, leaf_defs);
    // Ten subcategories plus Books, which has no children.
    assert_eq!(leaves.len(), 11);
}

#[test]
fn const_lists_are_usable() {
    let prefixes: HashSet<&str> = LEAVES.iter().map(|l| l.sku_prefix).collect();
    assert_eq!(prefixes.len(), LEAVES.len());
    for leaf in LEAVES {
        assert!(!leaf.nouns.is_empty() && !leaf.materials.is_empty() && !leaf.uses.is_empty());
        assert!(leaf.tags.len() >= 5, "{}", leaf.slug);
        assert!(leaf.price_dollars.0 >= 1 && leaf.price_dollars.0 <= leaf.price_dollars.1);
        if let VariantScheme::Choice { values, .. } = leaf.variants {
            let codes: HashSet<&str> = values.iter().map(|v| v.code).collect();
            assert_eq!(codes.len(), values.len(), "{}", leaf.slug);
            assert!(!codes.contains("STD"));
        }
    }
    assert!((35..=45).contains(&ADJECTIVES.len()));
}
