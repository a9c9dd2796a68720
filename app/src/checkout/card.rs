//! Card numbers as typed: checked the same way in the browser and on the
//! server before any payment is attempted.

/// Simulated-provider test cards, documented in docs/payments.md.
pub mod test_cards {
    /// Always succeeds.
    pub const SUCCESS: &str = "4242424242424242";
    /// Always declined.
    pub const DECLINED: &str = "4000000000000002";
    /// Declined for insufficient funds.
    pub const INSUFFICIENT_FUNDS: &str = "4000000000009995";
    /// The provider cannot be reached: nothing is charged, and checkout
    /// cannot tell (the recovery job later finds no charge).
    pub const UNREACHABLE: &str = "4000000000000119";
    /// Charged, but the provider's answer is lost on the way back: checkout
    /// cannot tell (the recovery job later finds the charge).
    pub const ANSWER_LOST: &str = "4000000000000259";
}

/// Why a card number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardNumberError {
    #[error("Enter the card number, 12 to 19 digits.")]
    Length,
    #[error("That card number is not valid; check it for typos.")]
    Checksum,
}

/// The digits of a typed card number (spaces and dashes allowed), if it
/// has a plausible length and a valid Luhn check digit.
pub fn parse_card_number(input: &str) -> Result<String, CardNumberError> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(CardNumberError::Length);
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    if sum.is_multiple_of(10) {
        Ok(digits)
    } else {
        Err(CardNumberError::Checksum)
    }
}

/// The last four digits of a card number (digits only, as
/// [`parse_card_number`] returns it): all a receipt, a log or a request
/// fingerprint may keep.
pub fn last4(digits: &str) -> &str {
    digits.get(digits.len().saturating_sub(4)..).unwrap_or("")
}

/// "•••• 4242" for receipts and logs.
pub fn masked(digits: &str) -> String {
    format!("•••• {}", last4(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_are_valid() {
        for card in [test_cards::SUCCESS, test_cards::DECLINED, test_cards::INSUFFICIENT_FUNDS] {
            assert_eq!(parse_card_number(card).as_deref(), Ok(card));
        }
        assert_eq!(parse_card_number("4242 4242-4242 4242").as_deref(), Ok(test_cards::SUCCESS));
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert_eq!(parse_card_number("4242424242424241"), Err(CardNumberError::Checksum));
        assert_eq!(parse_card_number("4242"), Err(CardNumberError::Length));
        assert_eq!(parse_card_number("4242x42424242424"), Err(CardNumberError::Length));
        assert_eq!(parse_card_number(""), Err(CardNumberError::Length));
    }

    #[test]
    fn masks_all_but_last_four() {
        assert_eq!(masked(test_cards::SUCCESS), "•••• 4242");
        assert_eq!(last4("123"), "123");
    }
}
