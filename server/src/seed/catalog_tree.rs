//! The fixed shape of the demo catalogue: the category tree, the sellers and,
//! for each leaf category, the words and option lists products are built from.
//!
//! Everything here is `const` data; the generator only ever picks from it, so
//! changing a list changes the demo data for every seed.

/// One node of the fixed category tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryDef {
    /// URL slug; unique across the tree.
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
    /// One-sentence description shown on the category page.
    pub description: &'static str,
    /// Slug of the parent, `None` for a top-level category.
    pub parent: Option<&'static str>,
    /// Order among its siblings, starting at 0.
    pub position: i32,
}

/// The category tree, parents before children so a writer can insert it in
/// this order and always find the parent's id already assigned.
pub const CATEGORIES: &[CategoryDef] = &[
    CategoryDef {
        slug: "home-kitchen",
        name: "Home & Kitchen",
        description:
            "Everything that makes a house feel like home, from the stove to the reading lamp.",
        parent: None,
        position: 0,
    },
    CategoryDef {
        slug: "clothing",
        name: "Clothing",
        description: "Everyday clothing and shoes made to be worn often and kept for years.",
        parent: None,
        position: 1,
    },
    CategoryDef {
        slug: "electronics",
        name: "Electronics",
        description: "Audio and input gear for work, play and everything in between.",
        parent: None,
        position: 2,
    },
    CategoryDef {
        slug: "outdoors",
        name: "Outdoors",
        description: "Gear for nights under canvas and days on two wheels.",
        parent: None,
        position: 3,
    },
    CategoryDef {
        slug: "books",
        name: "Books",
        description: "Cookbooks, field guides and novels worth a place on the shelf.",
        parent: None,
        position: 4,
    },
    CategoryDef {
        slug: "lighting",
        name: "Lighting",
        description: "Lamps, lanterns and pendants that bring warm light to any room.",
        parent: Some("home-kitchen"),
        position: 0,
    },
    CategoryDef {
        slug: "cookware",
        name: "Cookware",
        description: "Pans and pots built for the heat of a busy kitchen.",
        parent: Some("home-kitchen"),
        position: 1,
    },
    CategoryDef {
        slug: "furniture",
        name: "Furniture",
        description: "Chairs, tables and shelves made from honest materials.",
        parent: Some("home-kitchen"),
        position: 2,
    },
    CategoryDef {
        slug: "t-shirts",
        name: "T-Shirts",
        description: "Soft, durable tees for every day of the week.",
        parent: Some("clothing"),
        position: 0,
    },
    CategoryDef {
        slug: "jackets",
        name: "Jackets",
        description: "Jackets that keep out the wind, the rain and the cold.",
        parent: Some("clothing"),
        position: 1,
    },
    CategoryDef {
        slug: "shoes",
        name: "Shoes",
        description: "Sneakers, trail shoes and loafers for city streets and muddy paths.",
        parent: Some("clothing"),
        position: 2,
    },
    CategoryDef {
        slug: "headphones",
        name: "Headphones",
        description: "Headphones and earbuds tuned for long listening sessions.",
        parent: Some("electronics"),
        position: 0,
    },
    CategoryDef {
        slug: "keyboards",
        name: "Keyboards",
        description: "Mechanical and compact keyboards that make typing a pleasure.",
        parent: Some("electronics"),
        position: 1,
    },
    CategoryDef {
        slug: "camping",
        name: "Camping",
        description: "Tents, sleeping bags and stoves for a comfortable night outdoors.",
        parent: Some("outdoors"),
        position: 0,
    },
    CategoryDef {
        slug: "cycling",
        name: "Cycling",
        description: "Lights, helmets and bags for safer and easier rides.",
        parent: Some("outdoors"),
        position: 1,
    },
];

/// A seller of the demo catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellerDef {
    /// URL slug; unique.
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
}

/// The demo sellers.
pub const SELLERS: &[SellerDef] = &[
    SellerDef {
        slug: "northwind-goods",
        name: "Northwind Goods",
    },
    SellerDef {
        slug: "harbor-pine",
        name: "Harbor & Pine",
    },
    SellerDef {
        slug: "copperleaf-studio",
        name: "Copperleaf Studio",
    },
];

/// A choosable option value with the short code used in SKUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionValue {
    /// Human-readable value, e.g. `"Navy"`.
    pub name: &'static str,
    /// Upper-case SKU fragment, unique within its list, e.g. `"NAV"`.
    pub code: &'static str,
}

/// Shorthand for building [`OptionValue`] tables.
const fn opt(name: &'static str, code: &'static str) -> OptionValue {
    OptionValue { name, code }
}

/// How the variants of a leaf's products are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantScheme {
    /// Sizes S, M, L, XL in one colour; each size costs a little more than
    /// the one before (more fabric).
    Apparel,
    /// Shoe sizes 7–11 in one colour, all at the same price.
    Shoes,
    /// One to three values of a single option (a colour, finish, switch type
    /// or format), or a single "Standard" variant.
    Choice {
        /// The option's key in the variant's `options` JSON, e.g. `"colour"`.
        key: &'static str,
        /// The values to choose from.
        values: &'static [OptionValue],
    },
}

/// Apparel sizes, smallest first, with their price step over the base price.
pub const APPAREL_SIZES: &[(&str, i64)] = &[("S", 0), ("M", 200), ("L", 400), ("XL", 600)];

/// Shoe sizes (US), smallest first.
pub const SHOE_SIZES: &[&str] = &["7", "8", "9", "10", "11"];

/// Colours for clothing and shoes.
pub const APPAREL_COLOURS: &[OptionValue] = &[
    opt("Navy", "NAV"),
    opt("Black", "BLK"),
    opt("White", "WHT"),
    opt("Olive", "OLV"),
    opt("Heather Grey", "HGR"),
    opt("Rust", "RST"),
    opt("Sand", "SND"),
    opt("Forest Green", "FGR"),
];

/// Per-leaf data that products of that leaf are generated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafDef {
    /// Slug of the leaf category (also the image file prefix).
    pub slug: &'static str,
    /// Three-letter upper-case SKU prefix, unique per leaf.
    pub sku_prefix: &'static str,
    /// Product nouns; a name is "<Adjective> <Noun>".
    pub nouns: &'static [&'static str],
    /// Materials named in descriptions (and so findable by full-text search).
    pub materials: &'static [&'static str],
    /// Uses named in descriptions, phrased to follow "for" / "built for".
    pub uses: &'static [&'static str],
    /// Tag pool; each product takes 3–5 of these. At least 5 entries.
    pub tags: &'static [&'static str],
    /// Inclusive base-price band in whole dollars.
    pub price_dollars: (i64, i64),
    /// How this leaf's variants are laid out.
    pub variants: VariantScheme,
}

/// The leaf categories products are placed in (books is a leaf too).
pub const LEAVES: &[LeafDef] = &[
    LeafDef {
        slug: "lighting",
        sku_prefix: "LGT",
        nouns: &["Lamp", "Lantern", "Pendant Light", "Floor Lamp"],
        materials: &[
            "brass",
            "walnut",
            "frosted glass",
            "linen",
            "ceramic",
            "oak",
        ],
        uses: &[
            "reading corners",
            "bedside tables",
            "cosy evenings",
            "home offices",
            "dining rooms",
        ],
        tags: &[
            "lighting", "home", "lamp", "warm", "led", "brass", "dimmable",
        ],
        price_dollars: (25, 250),
        variants: VariantScheme::Choice {
            key: "finish",
            values: &[
                opt("Brass", "BRS"),
                opt("Black", "BLK"),
                opt("White", "WHT"),
                opt("Walnut", "WAL"),
                opt("Oak", "OAK"),
            ],
        },
    },
    LeafDef {
        slug: "cookware",
        sku_prefix: "CKW",
        nouns: &["Skillet", "Saucepan", "Dutch Oven", "Wok"],
        materials: &[
            "cast iron",
            "stainless steel",
            "carbon steel",
            "enamelled cast iron",
            "copper",
        ],
        uses: &[
            "weeknight dinners",
            "slow braises",
            "high-heat searing",
            "family cooking",
            "stir-fries",
        ],
        tags: &[
            "cookware",
            "kitchen",
            "cooking",
            "induction",
            "oven-safe",
            "pan",
            "durable",
        ],
        price_dollars: (18, 220),
        variants: VariantScheme::Choice {
            key: "colour",
            values: &[
                opt("Black", "BLK"),
                opt("Cherry Red", "RED"),
                opt("Slate Blue", "SLB"),
                opt("Cream", "CRM"),
                opt("Sage", "SAG"),
            ],
        },
    },
    LeafDef {
        slug: "furniture",
        sku_prefix: "FRN",
        nouns: &["Armchair", "Side Table", "Bookshelf", "Stool"],
        materials: &[
            "walnut",
            "oak",
            "ash",
            "rattan",
            "powder-coated steel",
            "reclaimed pine",
        ],
        uses: &[
            "living rooms",
            "small apartments",
            "reading nooks",
            "studios",
            "entryways",
        ],
        tags: &[
            "furniture",
            "home",
            "wood",
            "interior",
            "handmade",
            "walnut",
            "modern",
        ],
        price_dollars: (80, 600),
        variants: VariantScheme::Choice {
            key: "finish",
            values: &[
                opt("Walnut", "WAL"),
                opt("Natural Oak", "OAK"),
                opt("Ebonised Ash", "EBA"),
                opt("Black", "BLK"),
            ],
        },
    },
    LeafDef {
        slug: "t-shirts",
        sku_prefix: "TSH",
        nouns: &["T-Shirt", "Pocket Tee", "V-Neck Tee"],
        materials: &[
            "organic cotton",
            "cotton",
            "linen blend",
            "merino wool",
            "slub cotton",
        ],
        uses: &[
            "everyday wear",
            "warm weekends",
            "layering",
            "travel",
            "lazy Sundays",
        ],
        tags: &[
            "clothing", "tee", "cotton", "casual", "organic", "basics", "unisex",
        ],
        price_dollars: (15, 35),
        variants: VariantScheme::Apparel,
    },
    LeafDef {
        slug: "jackets",
        sku_prefix: "JKT",
        nouns: &["Rain Jacket", "Puffer Jacket", "Denim Jacket"],
        materials: &[
            "waterproof nylon",
            "recycled polyester",
            "selvedge denim",
            "ripstop",
            "waxed cotton",
        ],
        uses: &[
            "wet commutes",
            "winter walks",
            "city evenings",
            "hill walking",
            "unpredictable weather",
        ],
        tags: &[
            "clothing",
            "jacket",
            "outerwear",
            "waterproof",
            "warm",
            "windproof",
            "layering",
        ],
        price_dollars: (60, 300),
        variants: VariantScheme::Apparel,
    },
    LeafDef {
        slug: "shoes",
        sku_prefix: "SHO",
        nouns: &["Sneakers", "Trail Shoes", "Loafers"],
        materials: &[
            "leather",
            "suede",
            "canvas",
            "waterproof mesh",
            "recycled rubber",
        ],
        uses: &[
            "city walking",
            "muddy trails",
            "the office",
            "long days on your feet",
            "weekend trips",
        ],
        tags: &[
            "shoes",
            "footwear",
            "leather",
            "comfortable",
            "trail",
            "casual",
            "grip",
        ],
        price_dollars: (50, 180),
        variants: VariantScheme::Shoes,
    },
    LeafDef {
        slug: "headphones",
        sku_prefix: "HPH",
        nouns: &["Headphones", "Earbuds"],
        materials: &[
            "anodised aluminium",
            "memory foam",
            "recycled plastic",
            "protein leather",
            "stainless steel",
        ],
        uses: &[
            "long flights",
            "focused work",
            "the daily commute",
            "late-night gaming",
            "workouts",
        ],
        tags: &[
            "audio",
            "headphones",
            "wireless",
            "bluetooth",
            "noise-cancelling",
            "music",
            "bass",
        ],
        price_dollars: (25, 400),
        variants: VariantScheme::Choice {
            key: "colour",
            values: &[
                opt("Black", "BLK"),
                opt("Silver", "SLV"),
                opt("Midnight Blue", "MBL"),
                opt("Sand", "SND"),
            ],
        },
    },
    LeafDef {
        slug: "keyboards",
        sku_prefix: "KBD",
        nouns: &["Mechanical Keyboard", "Compact Keyboard"],
        materials: &[
            "anodised aluminium",
            "PBT plastic",
            "walnut",
            "polycarbonate",
            "steel",
        ],
        uses: &[
            "long writing sessions",
            "programming",
            "competitive gaming",
            "tidy desks",
            "travel",
        ],
        tags: &[
            "keyboard",
            "mechanical",
            "typing",
            "usb-c",
            "hot-swap",
            "wireless",
            "rgb",
        ],
        price_dollars: (40, 250),
        variants: VariantScheme::Choice {
            key: "switch",
            values: &[
                opt("Linear", "LIN"),
                opt("Tactile", "TAC"),
                opt("Clicky", "CLK"),
            ],
        },
    },
    LeafDef {
        slug: "camping",
        sku_prefix: "CMP",
        nouns: &["Tent", "Sleeping Bag", "Camp Stove"],
        materials: &[
            "ripstop nylon",
            "waterproof polyester",
            "titanium",
            "goose down",
            "aluminium",
        ],
        uses: &[
            "weekend camping",
            "backpacking trips",
            "festival season",
            "cold nights",
            "car camping",
        ],
        tags: &[
            "camping",
            "outdoors",
            "lightweight",
            "waterproof",
            "hiking",
            "backpacking",
            "gear",
        ],
        price_dollars: (20, 500),
        variants: VariantScheme::Choice {
            key: "colour",
            values: &[
                opt("Forest Green", "FGR"),
                opt("Orange", "ORG"),
                opt("Grey", "GRY"),
                opt("Sky Blue", "SKY"),
            ],
        },
    },
    LeafDef {
        slug: "cycling",
        sku_prefix: "CYC",
        nouns: &["Bike Light", "Helmet", "Saddle Bag"],
        materials: &[
            "aluminium",
            "polycarbonate",
            "waterproof nylon",
            "reflective fabric",
            "EPS foam",
        ],
        uses: &[
            "night rides",
            "the daily commute",
            "gravel rides",
            "long-distance touring",
            "city cycling",
        ],
        tags: &[
            "cycling",
            "bike",
            "outdoors",
            "commute",
            "reflective",
            "safety",
            "waterproof",
        ],
        price_dollars: (15, 150),
        variants: VariantScheme::Choice {
            key: "colour",
            values: &[
                opt("Black", "BLK"),
                opt("Hi-Vis Yellow", "HVY"),
                opt("White", "WHT"),
                opt("Red", "RED"),
            ],
        },
    },
    LeafDef {
        slug: "books",
        sku_prefix: "BOK",
        nouns: &["Cookbook", "Field Guide", "Novel"],
        materials: &[
            "recycled paper",
            "heavyweight matte paper",
            "FSC-certified paper",
            "cream wove paper",
            "archival paper",
        ],
        uses: &[
            "quiet evenings",
            "curious cooks",
            "weekend walks",
            "long train journeys",
            "gifting",
        ],
        tags: &[
            "books",
            "reading",
            "gift",
            "paperback",
            "hardcover",
            "bestseller",
            "illustrated",
        ],
        price_dollars: (12, 45),
        variants: VariantScheme::Choice {
            key: "format",
            values: &[
                opt("Paperback", "PBK"),
                opt("Hardcover", "HBK"),
                opt("Large Print", "LGP"),
            ],
        },
    },
];

/// Adjectives that open every product name.
pub const ADJECTIVES: &[&str] = &[
    "Aurora",
    "Summit",
    "Harbor",
    "Meadow",
    "Ember",
    "Cedar",
    "Solstice",
    "Nimbus",
    "Tidal",
    "Willow",
    "Granite",
    "Juniper",
    "Lumen",
    "Marigold",
    "Nomad",
    "Orchard",
    "Pioneer",
    "Quartz",
    "Riverside",
    "Sierra",
    "Timber",
    "Vesper",
    "Wildwood",
    "Zephyr",
    "Alpine",
    "Birch",
    "Cobalt",
    "Driftwood",
    "Evergreen",
    "Fjord",
    "Glacier",
    "Horizon",
    "Indigo",
    "Kestrel",
    "Monarch",
    "Northstar",
    "Obsidian",
    "Prairie",
    "Saffron",
    "Tundra",
    "Velvet",
];

/// Plain-language qualities used in descriptions ("a sturdy lamp").
pub const QUALITIES: &[&str] = &[
    "sturdy",
    "handsome",
    "thoughtfully made",
    "versatile",
    "understated",
    "hard-wearing",
    "lightweight",
    "beautifully finished",
    "reliable",
    "timeless",
];

/// Closing sentences that fit any product, used as an optional third sentence.
pub const CLOSERS: &[&str] = &[
    "Backed by a two-year warranty.",
    "Ships in plastic-free packaging.",
    "Made in small batches and checked by hand before it leaves the workshop.",
    "Easy to care for and built to last.",
    "A customer favourite that makes a great gift.",
    "Free returns within 30 days.",
];

/// First names of review authors; shown as "<First> <Initial>.".
pub const FIRST_NAMES: &[&str] = &[
    "Maya", "Liam", "Sofia", "Noah", "Amara", "Ethan", "Priya", "Lucas", "Hana", "Oliver", "Zara",
    "Mateo", "Chloe", "Kenji", "Isla", "Omar", "Freya", "Diego", "Leah", "Tomas", "Aisha", "Felix",
    "Nora", "Ravi", "Elena", "Jonah", "Ines", "Samuel", "Yara", "Arjun",
];

/// Review titles indexed by rating − 1 (so `[0]` holds one-star titles).
pub const REVIEW_TITLES: [&[&str]; 5] = [
    &[
        "Would not buy again",
        "Very disappointed",
        "Broke within a week",
    ],
    &["Not great", "Below expectations", "Had some issues"],
    &["It's okay", "Decent but not perfect", "Does the job"],
    &[
        "Really good",
        "Solid choice",
        "Very happy with it",
        "Good value",
    ],
    &[
        "Absolutely love it",
        "Exceeded expectations",
        "Worth every penny",
        "Five stars",
    ],
];

/// Review sentences indexed by rating − 1; `{noun}` is replaced with the
/// product noun in lower case. No sentence uses a pronoun or a present-tense
/// verb for the product, so plural nouns ("earbuds") read as well as singular
/// ones.
pub const REVIEW_SENTENCES: [&[&str]; 5] = [
    &[
        "The {noun} arrived damaged and support was slow to reply.",
        "Quality is far below what the photos suggest.",
        "I returned the {noun} after two days.",
    ],
    &[
        "Mine looked fine at first but feels cheaper than expected.",
        "It works, but I would not pay full price again.",
        "Sizing and finish were a bit off for me.",
    ],
    &[
        "Decent {noun} for the price.",
        "Nothing special, but no real complaints either.",
        "Some small flaws, though nothing that stops me using it.",
    ],
    &[
        "Well-made {noun} that arrived quickly.",
        "Daily use for a few weeks now and still holding up well.",
        "Only a small niggle keeps this from five stars.",
    ],
    &[
        "Could not be happier with the {noun}.",
        "Beautifully made and clearly built to last.",
        "Already ordering another as a gift.",
        "Exactly what I was looking for.",
    ],
];
