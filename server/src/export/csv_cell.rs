//! How values are written into CSV cells: text made safe from spreadsheet
//! formulas, money as plain decimal amounts.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula (or, for
/// tab and carriage return, hide one behind white space).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a cell a spreadsheet shows as text: a leading `'` when it
/// starts like a formula (OWASP's advice on CSV injection). Only for
/// free text: numbers and dates are written as they are.
pub fn text(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Integer cents as a decimal amount with two places: `1250` → `12.50`,
/// `-5` → `-0.05`.
pub fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text() {
        for cell in ["=HYPERLINK(\"http://evil.example\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["Ann", "", " =1", "a=b", "'quoted"] {
            assert_eq!(text(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn amounts_have_two_places() {
        assert_eq!(amount(1250), "12.50");
        assert_eq!(amount(1200), "12.00");
        assert_eq!(amount(7), "0.07");
        assert_eq!(amount(0), "0.00");
        assert_eq!(amount(-5), "-0.05");
    }
}
