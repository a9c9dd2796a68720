//! Shipping fees. The rules, also listed in docs/shipping.md:
//!
//! | Destination | Subtotal | Fee |
//! | --- | --- | --- |
//! | United States | $75.00 or more | free |
//! | United States | under $75.00 | $5.99 |
//! | Anywhere else | $150.00 or more | free |
//! | Anywhere else | under $150.00 | $19.99 |
//!
//! An empty cart ships nothing and costs nothing.

/// Subtotal from which US orders ship free.
pub const FREE_DOMESTIC_FROM_CENTS: i64 = 7_500;
/// Flat US fee below that.
pub const DOMESTIC_FEE_CENTS: i64 = 599;
/// Subtotal from which international orders ship free.
pub const FREE_INTERNATIONAL_FROM_CENTS: i64 = 15_000;
/// Flat international fee below that.
pub const INTERNATIONAL_FEE_CENTS: i64 = 1_999;

/// The shipping fee in cents for a cart worth `subtotal_cents` going to
/// `country` (ISO 3166 alpha-2, any case).
pub fn shipping_fee_cents(subtotal_cents: i64, country: &str) -> i64 {
    if subtotal_cents <= 0 {
        return 0;
    }
    let domestic = country.trim().eq_ignore_ascii_case("US");
    match (domestic, subtotal_cents) {
        (true, s) if s >= FREE_DOMESTIC_FROM_CENTS => 0,
        (true, _) => DOMESTIC_FEE_CENTS,
        (false, s) if s >= FREE_INTERNATIONAL_FROM_CENTS => 0,
        (false, _) => INTERNATIONAL_FEE_CENTS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domestic_band() {
        assert_eq!(shipping_fee_cents(1, "US"), 599);
        assert_eq!(shipping_fee_cents(7_499, "us"), 599);
        assert_eq!(shipping_fee_cents(7_500, "US"), 0);
    }

    #[test]
    fn international_band() {
        assert_eq!(shipping_fee_cents(7_500, "DE"), 1_999);
        assert_eq!(shipping_fee_cents(14_999, "GB"), 1_999);
        assert_eq!(shipping_fee_cents(15_000, "FR"), 0);
    }

    #[test]
    fn empty_cart_ships_free() {
        assert_eq!(shipping_fee_cents(0, "US"), 0);
        assert_eq!(shipping_fee_cents(0, "DE"), 0);
    }
}
