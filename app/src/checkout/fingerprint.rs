//! The fingerprint of a checkout request, kept with the order it placed.
//! An idempotency key names one request: replaying it with the same
//! fingerprint returns the order it placed, with another fingerprint it is
//! refused (Stripe's rule), so a customer who reuses a key for a new cart
//! is never told "paid" for an order that is not theirs.

use sha2::{Digest, Sha256};

/// What a checkout request asks for. The card enters only by its last four
/// digits: a fingerprint must never let anyone recover a card number.
pub struct RequestParts<'a> {
    /// `saved:ID` for a saved address, or the new address's fields.
    pub address: &'a [&'a str],
    /// (SKU, quantity) for every cart line, in any order.
    pub lines: &'a [(String, u32)],
    pub card_last4: &'a str,
}

/// Hex SHA-256 of a canonical encoding of `parts` (fields length-prefixed
/// so no two requests encode alike; lines sorted so their order does not
/// matter).
pub fn fingerprint(parts: &RequestParts<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut field = |text: &str| {
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    };
    field("bazaar-checkout-v1");
    field(&parts.address.len().to_string());
    for part in parts.address {
        field(part);
    }
    let mut lines: Vec<&(String, u32)> = parts.lines.iter().collect();
    lines.sort();
    field(&lines.len().to_string());
    for (sku, quantity) in lines {
        field(sku);
        field(&quantity.to_string());
    }
    field(parts.card_last4);
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(items: &[(&str, u32)]) -> Vec<(String, u32)> {
        items.iter().map(|(sku, q)| (sku.to_string(), *q)).collect()
    }

    fn of(address: &[&str], items: &[(&str, u32)], last4: &str) -> String {
        fingerprint(&RequestParts { address, lines: &lines(items), card_last4: last4 })
    }

    #[test]
    fn line_order_does_not_matter() {
        assert_eq!(of(&["saved:1"], &[("A", 1), ("B", 2)], "4242"), of(&["saved:1"], &[("B", 2), ("A", 1)], "4242"));
    }

    #[test]
    fn every_part_counts() {
        let base = of(&["saved:1"], &[("A", 1)], "4242");
        assert_ne!(base, of(&["saved:2"], &[("A", 1)], "4242"), "address");
        assert_ne!(base, of(&["saved:1"], &[("A", 2)], "4242"), "quantity");
        assert_ne!(base, of(&["saved:1"], &[("A", 1), ("B", 1)], "4242"), "lines");
        assert_ne!(base, of(&["saved:1"], &[("A", 1)], "0002"), "card");
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        assert_ne!(of(&["ab", "c"], &[], "4242"), of(&["a", "bc"], &[], "4242"));
    }

    #[test]
    fn is_hex_sha256() {
        let print = of(&[], &[], "");
        assert_eq!(print.len(), 64);
        assert!(print.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
