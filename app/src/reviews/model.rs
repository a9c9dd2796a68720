//! Reviews' wire types, and the rules a review must meet: the same code
//! checks a review on the server and words the form's limits in the
//! browser.

use crate::catalog::model::RatingSummary;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Most characters in a review's title.
pub const MAX_TITLE_CHARS: usize = 120;
/// Most characters in a review's text.
pub const MAX_TEXT_CHARS: usize = 4000;
/// How many reviews a product page lists.
pub const REVIEWS_LISTED: u64 = 20;

/// The names of the review forms, for the outcome of a post without
/// JavaScript (`crate::ui::form::FormFeedback::form`).
pub mod forms {
    /// "Write a review".
    pub const WRITE: &str = "review";
    /// A review's "Helpful" button.
    pub const HELPFUL: &str = "review-helpful";
    /// An admin's "Hide review" / "Unhide review" button.
    pub const HIDE: &str = "review-hide";
}

/// What the write form says once a review is saved.
pub const SAVED_NOTICE: &str = "Thank you! Your review is saved.";

/// The order of a product's reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewSort {
    /// The most "Helpful" votes first, then the newest.
    #[default]
    Helpful,
    /// The newest first.
    Newest,
}

impl ReviewSort {
    /// Every order, as the sort control lists them.
    pub const ALL: [ReviewSort; 2] = [ReviewSort::Helpful, ReviewSort::Newest];

    /// The name in URLs and JSON.
    pub fn key(self) -> &'static str {
        match self {
            ReviewSort::Helpful => "helpful",
            ReviewSort::Newest => "newest",
        }
    }

    /// The order named `key`, if any.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sort| sort.key() == key)
    }

    /// What the sort control shows.
    pub fn label(self) -> &'static str {
        match self {
            ReviewSort::Helpful => "Most helpful",
            ReviewSort::Newest => "Newest",
        }
    }
}

/// A review as a product page shows it to one viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: i32,
    pub author: String,
    /// 1 to 5 stars.
    pub rating: u8,
    pub title: String,
    /// Plain text; pages show it as text, never as markup.
    pub text: String,
    /// The author had a shipped or delivered order with this product when
    /// they last wrote the review.
    pub verified_purchase: bool,
    pub helpful_count: u32,
    /// When it was first written, as an ISO date (YYYY-MM-DD).
    pub date: String,
    /// Whether its author has rewritten it since.
    pub edited: bool,
    /// Hidden by an admin: only admins, and its author, see it.
    pub hidden: bool,
    /// Whether the viewer wrote it.
    pub mine: bool,
    /// Whether the viewer has marked it helpful.
    pub voted: bool,
}

/// A product's reviews, in the order asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewList {
    /// The product's average and count, over the reviews customers see.
    pub rating: RatingSummary,
    pub sort: ReviewSort,
    /// At most [`REVIEWS_LISTED`]; hidden ones only for admins.
    pub reviews: Vec<Review>,
}

/// "Rated 4.2 out of 5 from 7 reviews" or "No reviews yet".
pub fn rated_text(rating: &RatingSummary) -> String {
    match rating.average_text() {
        None => "No reviews yet".to_string(),
        Some(average) => {
            let count = rating.count;
            format!("Rated {average} out of 5 from {count} review{}", if count == 1 { "" } else { "s" })
        }
    }
}

/// "1 star" … "5 stars".
pub fn stars_label(stars: u8) -> String {
    format!("{stars} star{}", if stars == 1 { "" } else { "s" })
}

/// A star rating from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(u8);

impl Rating {
    /// The rating chosen, or why it cannot be used.
    pub fn parse(stars: Option<u8>) -> Result<Self, String> {
        match stars {
            Some(stars @ 1..=5) => Ok(Rating(stars)),
            _ => Err("Choose a rating from 1 to 5 stars.".into()),
        }
    }

    pub fn stars(self) -> u8 {
        self.0
    }
}

/// A review that meets the rules: a rating, a one-line title of at most
/// [`MAX_TITLE_CHARS`] and text of at most [`MAX_TEXT_CHARS`], both
/// trimmed and neither empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInput {
    rating: Rating,
    title: String,
    text: String,
}

fn invalid(field: &str, message: String) -> AppError {
    AppError::Validation { field: field.into(), message }
}

impl ReviewInput {
    /// Checks the form's fields in their order on the page; the first
    /// one that breaks a rule is the error, tied to its field (`rating`,
    /// `title` or `text`). Line breaks in the text are kept (as `\n`).
    pub fn parse(rating: Option<u8>, title: &str, text: &str) -> Result<Self, AppError> {
        let rating = Rating::parse(rating).map_err(|message| invalid("rating", message))?;
        let title = title.trim();
        if title.is_empty() {
            return Err(invalid("title", "Give your review a title.".into()));
        }
        if title.chars().any(char::is_control) {
            return Err(invalid("title", "A title is one line of text.".into()));
        }
        let title_chars = title.chars().count();
        if title_chars > MAX_TITLE_CHARS {
            return Err(invalid(
                "title",
                format!("A title can be at most {MAX_TITLE_CHARS} characters; this one has {title_chars}."),
            ));
        }
        // Browsers send a textarea's line breaks as CRLF.
        let text = text.trim().replace("\r\n", "\n");
        if text.is_empty() {
            return Err(invalid("text", "Write a few words about the product.".into()));
        }
        if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(invalid("text", "The review contains characters that are not text.".into()));
        }
        let text_chars = text.chars().count();
        if text_chars > MAX_TEXT_CHARS {
            return Err(invalid(
                "text",
                format!("A review can be at most {MAX_TEXT_CHARS} characters; this one has {text_chars}."),
            ));
        }
        Ok(ReviewInput { rating, title: title.to_string(), text })
    }

    pub fn rating(&self) -> Rating {
        self.rating
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<ReviewInput, AppError>) -> (String, String) {
        match result {
            Err(AppError::Validation { field, message }) => (field, message),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_review_is_trimmed() {
        let input = ReviewInput::parse(Some(4), "  Sturdy lamp ", "  Bright.\r\nWarm light.  ").expect("valid");
        assert_eq!(input.rating().stars(), 4);
        assert_eq!(input.title(), "Sturdy lamp");
        assert_eq!(input.text(), "Bright.\nWarm light.");
    }

    #[test]
    fn the_rating_is_one_to_five_stars() {
        for stars in [None, Some(0), Some(6), Some(255)] {
            assert_eq!(field_of(ReviewInput::parse(stars, "Title", "Text")).0, "rating", "{stars:?}");
        }
        for stars in 1..=5 {
            assert!(ReviewInput::parse(Some(stars), "Title", "Text").is_ok(), "{stars}");
        }
    }

    #[test]
    fn the_title_is_one_short_line() {
        assert_eq!(field_of(ReviewInput::parse(Some(5), "   ", "Text")), ("title".into(), "Give your review a title.".into()));
        assert_eq!(field_of(ReviewInput::parse(Some(5), "Two\nlines", "Text")).0, "title");
        let longest = "é".repeat(MAX_TITLE_CHARS);
        assert!(ReviewInput::parse(Some(5), &longest, "Text").is_ok(), "the limit counts characters, not bytes");
        let (field, message) = field_of(ReviewInput::parse(Some(5), &format!("{longest}x"), "Text"));
        assert_eq!(field, "title");
        assert_eq!(message, "A title can be at most 120 characters; this one has 121.");
    }

    #[test]
    fn the_text_is_required_and_at_most_4000_characters() {
        assert_eq!(field_of(ReviewInput::parse(Some(5), "Title", " \n ")).0, "text");
        assert_eq!(field_of(ReviewInput::parse(Some(5), "Title", "bell\u{7}")).0, "text");
        assert!(ReviewInput::parse(Some(5), "Title", &"a".repeat(MAX_TEXT_CHARS)).is_ok());
        let (field, message) = field_of(ReviewInput::parse(Some(5), "Title", &"a".repeat(MAX_TEXT_CHARS + 1)));
        assert_eq!(field, "text");
        assert_eq!(message, "A review can be at most 4000 characters; this one has 4001.");
    }

    #[test]
    fn the_first_bad_field_in_page_order_is_reported() {
        assert_eq!(field_of(ReviewInput::parse(None, "", "")).0, "rating");
        assert_eq!(field_of(ReviewInput::parse(Some(3), "", "")).0, "title");
    }

    #[test]
    fn markup_is_kept_as_text() {
        let input = ReviewInput::parse(Some(1), "<b>bold</b>", "<script>alert(1)</script>").expect("markup is just text");
        assert_eq!(input.text(), "<script>alert(1)</script>");
    }

    #[test]
    fn sorts_round_trip_through_their_keys() {
        for sort in ReviewSort::ALL {
            assert_eq!(ReviewSort::from_key(sort.key()), Some(sort));
            assert_eq!(serde_json::to_value(sort).ok(), Some(serde_json::json!(sort.key())));
        }
        assert_eq!(ReviewSort::from_key("stars"), None);
        assert_eq!(ReviewSort::default(), ReviewSort::Helpful);
    }

    #[test]
    fn summaries_read_as_sentences() {
        assert_eq!(rated_text(&RatingSummary { count: 0, sum: 0 }), "No reviews yet");
        assert_eq!(rated_text(&RatingSummary { count: 1, sum: 4 }), "Rated 4.0 out of 5 from 1 review");
        assert_eq!(rated_text(&RatingSummary { count: 3, sum: 13 }), "Rated 4.3 out of 5 from 3 reviews");
        assert_eq!(stars_label(1), "1 star");
        assert_eq!(stars_label(5), "5 stars");
    }
}
