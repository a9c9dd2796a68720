//! Money as integer minor units (cents), never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in the smallest unit of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Money {
    pub cents: i64,
    pub currency: Currency,
}

/// The currencies the shop prices in. On the server it is also the type of
/// every `currency` column, stored as its ISO 4217 code (`USD`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::prelude::StringLen::N(3))"))]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    #[default]
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "USD"))]
    Usd,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "EUR"))]
    Eur,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "GBP"))]
    Gbp,
}

impl Currency {

    fn symbol(self) -> &'static str {
        match self {
            Currency::Usd => "$",
            Currency::Eur => "€",
            Currency::Gbp => "£",
        }
    }
}

impl Money {
    /// An amount of `cents` in `currency`.
    pub fn new(cents: i64, currency: Currency) -> Self {
        Money { cents, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        write!(f, "{sign}{}{}.{:02}", self.currency.symbol(), abs / 100, abs % 100)
    }
}

/// Why a typed-in amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("must be a positive amount, like 10 or 10.50")]
    Malformed,
    #[error("is too large")]
    TooLarge,
}

/// Largest amount a shopper may type: ten million in major units.
const MAX_CENTS: i64 = 1_000_000_000;

/// Parses an amount typed in major units (`10`, `10.5`, `10.50`, `$10.50`)
/// into cents, exactly, without floating point.
pub fn parse_amount(input: &str) -> Result<i64, AmountError> {
    let text = input.trim();
    let text = text.strip_prefix('$').unwrap_or(text);
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return Err(AmountError::Malformed);
    }
    if whole.len() > 12 {
        return Err(AmountError::TooLarge);
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| AmountError::Malformed)? };
    let fraction: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| AmountError::Malformed)? * 10,
        _ => fraction.parse().map_err(|_| AmountError::Malformed)?,
    };
    let cents = whole * 100 + fraction;
    if cents > MAX_CENTS {
        return Err(AmountError::TooLarge);
    }
    Ok(cents)
}

/// Formats cents as a plain major-unit amount for form fields (`1050` → `10.50`).
pub fn format_amount(cents: i64) -> String {
    if cents % 100 == 0 {
        format!("{}", cents / 100)
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn stored_codes_round_trip_and_match_the_wire() {
        use sea_orm::{ActiveEnum, Iterable};
        for currency in Currency::iter() {
            let code = currency.to_value();
            assert_eq!(Currency::try_from_value(&code).ok(), Some(currency));
            assert_eq!(serde_json::to_value(currency).ok(), Some(serde_json::json!(code)));
        }
        assert!(Currency::try_from_value(&"usd".to_string()).is_err());
    }

    #[test]
    fn formats_with_symbol_and_two_decimals() {
        assert_eq!(Money::new(1234, Currency::Usd).to_string(), "$12.34");
        assert_eq!(Money::new(5, Currency::Eur).to_string(), "€0.05");
        assert_eq!(Money::new(-250, Currency::Gbp).to_string(), "-£2.50");
    }

    #[test]
    fn parses_amounts_exactly() {
        assert_eq!(parse_amount("10"), Ok(1000));
        assert_eq!(parse_amount(" 10.5 "), Ok(1050));
        assert_eq!(parse_amount("$0.07"), Ok(7));
        assert_eq!(parse_amount(".99"), Ok(99));
        assert_eq!(parse_amount("19.99"), Ok(1999));
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in ["", "-5", "abc", "1.234", "1,5", "1.2.3", ".", "1e3"] {
            assert_eq!(parse_amount(bad), Err(AmountError::Malformed), "{bad:?}");
        }
        assert_eq!(parse_amount("99999999999"), Err(AmountError::TooLarge));
    }

    #[test]
    fn form_amount_round_trips() {
        for cents in [0, 5, 1000, 1050, 1999] {
            assert_eq!(parse_amount(&format_amount(cents)), Ok(cents));
        }
    }
}
