//! How the desk writes numbers, times, money and audit entries.

use crate::admin::model::{format_duration, AuditEntry, Kpis};
use crate::money::Money;

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1 order", "1,234 orders".
pub fn order_count(n: u64) -> String {
    if n == 1 {
        "1 order".to_string()
    } else {
        format!("{} orders", thousands(n))
    }
}

/// An RFC 3339 time as the table shows it: `2026-11-24T09:41:07Z` →
/// `2026-11-24 09:41` (UTC, as stored: the same on the server and in the
/// browser, so hydration matches).
pub fn short_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => at.to_string(),
    }
}

/// Revenue in every currency taken, e.g. `$1234.00, €50.00`.
pub fn revenue(amounts: &[Money]) -> String {
    if amounts.is_empty() {
        return Money::default().to_string();
    }
    amounts.iter().map(Money::to_string).collect::<Vec<_>>().join(", ")
}

/// The average delivery time, or a dash when nothing was delivered.
pub fn average_delivery(kpis: &Kpis) -> String {
    kpis.average_delivery_secs.map_or_else(|| "—".to_string(), format_duration)
}

/// A field of an order as people name it.
pub fn field_label(field: &str) -> &str {
    match field {
        "status" => "status",
        "tracking_number" => "tracking number",
        "notes" => "internal notes",
        other => other,
    }
}

/// "Ann Admin changed status from Confirmed to Shipped · 2026-11-24 09:41".
pub fn audit_sentence(entry: &AuditEntry) -> String {
    let actor = entry.actor.as_deref().unwrap_or("The shop");
    let field = field_label(&entry.field);
    let change = match (&entry.old_value, &entry.new_value) {
        (Some(old), Some(new)) => format!("changed {field} from {old} to {new}"),
        (None, Some(new)) => format!("set {field} to {new}"),
        (Some(_), None) => format!("cleared {field}"),
        (None, None) => format!("changed {field}"),
    };
    format!("{actor} {change} · {}", short_time(&entry.at))
}

/// An optional text as a table cell shows it.
pub fn or_dash(text: Option<&str>) -> String {
    match text.map(str::trim) {
        Some(text) if !text.is_empty() => text.to_string(),
        _ => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn counts_read_naturally() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(order_count(1), "1 order");
        assert_eq!(order_count(0), "0 orders");
        assert_eq!(order_count(12_345), "12,345 orders");
    }

    #[test]
    fn times_are_cut_to_the_minute() {
        assert_eq!(short_time("2026-11-24T09:41:07Z"), "2026-11-24 09:41");
        assert_eq!(short_time("soon"), "soon");
    }

    #[test]
    fn revenue_lists_every_currency() {
        assert_eq!(revenue(&[]), "$0.00");
        assert_eq!(revenue(&[Money::new(123_400, Currency::Usd), Money::new(5, Currency::Eur)]), "$1234.00, €0.05");
    }

    #[test]
    fn audit_entries_read_as_sentences() {
        let entry = |actor: Option<&str>, field: &str, old: Option<&str>, new: Option<&str>| AuditEntry {
            actor: actor.map(str::to_string),
            at: "2026-11-24T09:41:00Z".into(),
            field: field.into(),
            old_value: old.map(str::to_string),
            new_value: new.map(str::to_string),
        };
        assert_eq!(
            audit_sentence(&entry(Some("Ann Admin"), "status", Some("Confirmed"), Some("Shipped"))),
            "Ann Admin changed status from Confirmed to Shipped · 2026-11-24 09:41"
        );
        assert_eq!(
            audit_sentence(&entry(None, "tracking_number", None, Some("1Z999"))),
            "The shop set tracking number to 1Z999 · 2026-11-24 09:41"
        );
        assert_eq!(audit_sentence(&entry(Some("Ann"), "notes", Some("x"), None)), "Ann cleared internal notes · 2026-11-24 09:41");
    }
}
