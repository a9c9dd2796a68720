//! Account input as domain types: each parses once and is valid thereafter.
//! Compiled for the server and the browser, so both check with the same code.

use crate::account::model::AddressInput;
use crate::error::AppError;
use crate::ui::form::is_local_path;
use std::fmt;

/// Why a value was refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    fn new(message: impl Into<String>) -> Self {
        Invalid(message.into())
    }

    /// The error the API answers with, tied to the form `field` it concerns.
    pub fn on(self, field: &str) -> AppError {
        AppError::Validation { field: field.to_string(), message: self.0 }
    }
}

/// A syntactically sane email address, trimmed and lowercased: the form it
/// is stored and compared in, so `Ann@Example.com` and `ann@example.com`
/// are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// RFC 5321's limit on a usable address.
    pub const MAX_LEN: usize = 254;
    const MAX_LOCAL_LEN: usize = 64;

    /// Trims, lowercases and checks `raw`.
    pub fn parse(raw: &str) -> Result<Email, Invalid> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(Invalid::new("Enter your email address."));
        }
        if email.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new(format!("An email address can have at most {} characters.", Self::MAX_LEN)));
        }
        let invalid = || Invalid::new("Enter a valid email address, like name@example.com.");
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        if !valid_local_part(local) || !valid_domain(domain) {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    /// Lowercases and trims without checking the syntax: how a sign-in
    /// looks an address up, since an address that was accepted once must
    /// keep working even if the rules tighten.
    pub fn normalize(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(self.0.as_str(), |(local, _)| local)
    }

    /// The address as stored, by value.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The unquoted "dot-atom" local parts that real mailboxes use.
fn valid_local_part(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= Email::MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
}

/// A host name with at least two labels and an alphabetic top-level domain.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Passwords refused outright because they top every leaked-password list.
/// Only those long enough to pass the length rule need to be here.
const COMMON_PASSWORDS: &[&str] = &[
    "0123456789",
    "1234567890",
    "12345678910",
    "123456789a",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abcdefghij",
    "abc1234567",
    "asdfghjkl1",
    "baseball123",
    "changeme123",
    "football123",
    "iloveyou123",
    "letmein123",
    "monkey12345",
    "passw0rd123",
    "password1!",
    "password12",
    "password123",
    "password1234",
    "princess123",
    "qwerty1234",
    "qwerty12345",
    "qwertyuiop",
    "qwertyuiop123",
    "sunshine123",
    "trustno1234",
    "welcome123",
    "zaq12wsxcde",
];

/// A new password that meets the shop's policy. The text is secret: it
/// cannot be serialized and its `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Fewest characters accepted.
    pub const MIN_LEN: usize = 10;
    /// Most characters accepted (argon2 takes any length; this bounds the work).
    pub const MAX_LEN: usize = 128;
    /// Local parts shorter than this are too likely to occur by chance to be refused.
    const MIN_LOCAL_PART_CHECKED: usize = 3;

    /// Checks `raw` as a new password for the account with `email`.
    /// The text is kept exactly as typed (spaces included).
    pub fn parse(raw: &str, email: &Email) -> Result<Password, Invalid> {
        let len = raw.chars().count();
        if len < Self::MIN_LEN {
            return Err(Invalid::new(format!("Use at least {} characters.", Self::MIN_LEN)));
        }
        if len > Self::MAX_LEN {
            return Err(Invalid::new(format!("Use at most {} characters.", Self::MAX_LEN)));
        }
        let lower = raw.to_lowercase();
        let mut chars = lower.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) || COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err(Invalid::new("This password is too easy to guess. Choose a less common one."));
        }
        let local = email.local_part();
        if local.chars().count() >= Self::MIN_LOCAL_PART_CHECKED && lower.contains(local) {
            return Err(Invalid::new("Your password must not contain your email address."));
        }
        Ok(Password(raw.to_string()))
    }

    /// The password as typed, for hashing.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A person's name as shown on the account and on shipping labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// Most characters accepted.
    pub const MAX_LEN: usize = 100;

    /// Trims `raw` and checks it is present, not too long and printable.
    pub fn parse(raw: &str) -> Result<PersonName, Invalid> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Invalid::new("Enter a name."));
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new(format!("Use at most {} characters.", Self::MAX_LEN)));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid::new("Remove the special characters from the name."));
        }
        Ok(PersonName(name.to_string()))
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as stored, by value.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A shipping address whose every field has been checked and tidied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAddress {
    pub full_name: PersonName,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub phone: Option<String>,
    pub is_default: bool,
}

impl ValidAddress {
    /// Checks every field of `input`; the error names the first bad field
    /// (by its name in [`AddressInput`]).
    pub fn parse(input: &AddressInput) -> Result<ValidAddress, AppError> {
        Ok(ValidAddress {
            full_name: PersonName::parse(&input.full_name).map_err(|e| e.on("full_name"))?,
            line1: required_text(&input.line1, 200, "Enter the street address.").map_err(|e| e.on("line1"))?,
            line2: optional_text(input.line2.as_deref(), 200).map_err(|e| e.on("line2"))?,
            city: required_text(&input.city, 100, "Enter the city.").map_err(|e| e.on("city"))?,
            region: optional_text(input.region.as_deref(), 100).map_err(|e| e.on("region"))?,
            postal_code: postal_code(&input.postal_code).map_err(|e| e.on("postal_code"))?,
            country: country(&input.country).map_err(|e| e.on("country"))?,
            phone: phone(input.phone.as_deref()).map_err(|e| e.on("phone"))?,
            is_default: input.is_default,
        })
    }
}

fn required_text(raw: &str, max: usize, missing: &str) -> Result<String, Invalid> {
    optional_text(Some(raw), max)?.ok_or_else(|| Invalid::new(missing))
}

/// Trimmed text, `None` when blank.
fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(Invalid::new(format!("Use at most {max} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(Invalid::new("Remove the special characters."));
    }
    Ok(Some(text.to_string()))
}

fn postal_code(raw: &str) -> Result<String, Invalid> {
    let code = required_text(raw, 20, "Enter the postal code.")?.to_uppercase();
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
        return Err(Invalid::new("Use only letters, digits, spaces and hyphens."));
    }
    Ok(code)
}

fn country(raw: &str) -> Result<String, Invalid> {
    let code = raw.trim().to_uppercase();
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Invalid::new("Enter the two-letter country code, like US or DE."));
    }
    Ok(code)
}

fn phone(raw: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(phone) = optional_text(raw, 30)? else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if digits < 5 || !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
        return Err(Invalid::new("Enter a phone number using digits, spaces and + - ( ) only."));
    }
    Ok(Some(phone))
}

/// Where to go after signing in: `next` if it is a path on this site (see
/// [`is_local_path`]), otherwise the account page, so the sign-in page
/// cannot be used as an open redirect.
pub fn local_redirect(next: Option<&str>) -> String {
    const DEFAULT: &str = "/account";
    match next {
        Some(path) if is_local_path(path) => path.to_string(),
        _ => DEFAULT.to_string(),
    }
}

#[cfg(test)]
mod tests {
    // A failed unwrap here is a failed test, which is what we want.
    #![expect(clippy::unwrap_used)]

    use super::*;

    fn email(raw: &str) -> Email {
        Email::parse(raw).unwrap()
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(email("  Ann.Lee+shop@Example.COM ").as_str(), "ann.lee+shop@example.com");
        assert_eq!(email("ann@mail.example.co.uk").local_part(), "ann");
        assert_eq!(Email::normalize(" Ann@Example.com "), "ann@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@example.c",
            "ann@@example.com",
            "ann example@example.com",
            "ann@exa mple.com",
            ".ann@example.com",
            "ann.@example.com",
            "an..n@example.com",
            "ann@-example.com",
            "ann@example..com",
            "ann@example.123",
            "\"ann\"@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(Email::parse("  ").unwrap_err().0, "Enter your email address.");
    }

    #[test]
    fn emails_longer_than_254_characters_are_refused() {
        let domain = format!("{}.com", ["a".repeat(63), "b".repeat(63), "c".repeat(63)].join("."));
        let fits = format!("{}@{domain}", "x".repeat(Email::MAX_LEN - domain.len() - 1));
        assert_eq!(fits.len(), 254);
        assert!(Email::parse(&fits).is_ok());
        assert!(Email::parse(&format!("x{fits}")).unwrap_err().0.contains("at most 254"));
    }

    #[test]
    fn passwords_need_ten_to_128_characters() {
        let owner = email("ann@example.com");
        assert_eq!(Password::parse("short pw", &owner).unwrap_err().0, "Use at least 10 characters.");
        assert!(Password::parse("correct horse", &owner).is_ok());
        // Counted in characters, not bytes.
        assert!(Password::parse("éàüöäëïçñ", &owner).is_err());
        assert!(Password::parse(&"xy".repeat(64), &owner).is_ok());
        assert!(Password::parse(&"xy".repeat(65), &owner).is_err());
    }

    #[test]
    fn common_and_repetitive_passwords_are_refused() {
        let owner = email("ann@example.com");
        for weak in ["password123", "Password123", "QWERTYUIOP", "1234567890", "aaaaaaaaaaaa", "          "] {
            let err = Password::parse(weak, &owner).unwrap_err();
            assert!(err.0.contains("too easy to guess"), "{weak}: {err}");
        }
    }

    #[test]
    fn passwords_containing_the_email_local_part_are_refused() {
        let owner = email("margaret@example.com");
        let err = Password::parse("Margaret-2026!", &owner).unwrap_err();
        assert_eq!(err.0, "Your password must not contain your email address.");
        // A one- or two-letter local part is not checked: it would refuse
        // almost everything.
        assert!(Password::parse("a long passphrase", &email("a@example.com")).is_ok());
    }

    #[test]
    fn passwords_never_print() {
        let password = Password::parse("secret sauce 42", &email("ann@example.com")).unwrap();
        assert_eq!(format!("{password:?}"), "[redacted]");
        assert_eq!(password.expose_secret(), "secret sauce 42");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ann Lee ").unwrap().as_str(), "Ann Lee");
        assert_eq!(PersonName::parse(" ").unwrap_err().0, "Enter a name.");
        assert!(PersonName::parse(&"n".repeat(101)).is_err());
        assert!(PersonName::parse("Ann\u{0007}").is_err());
    }

    fn address() -> AddressInput {
        AddressInput {
            id: None,
            full_name: "Ann Lee".into(),
            line1: "1 Harbour Road".into(),
            line2: Some("  ".into()),
            city: "Portsmouth".into(),
            region: None,
            postal_code: "po1 2ab".into(),
            country: "gb".into(),
            phone: Some("+44 (0)23 9200 0000".into()),
            is_default: true,
        }
    }

    #[test]
    fn addresses_are_tidied() {
        let valid = ValidAddress::parse(&address()).unwrap();
        assert_eq!(valid.line2, None);
        assert_eq!(valid.postal_code, "PO1 2AB");
        assert_eq!(valid.country, "GB");
        assert!(valid.is_default);
    }

    #[test]
    fn address_errors_name_their_field() {
        let field = |input: AddressInput| match ValidAddress::parse(&input).unwrap_err() {
            AppError::Validation { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(field(AddressInput { full_name: "".into(), ..address() }), "full_name");
        assert_eq!(field(AddressInput { line1: " ".into(), ..address() }), "line1");
        assert_eq!(field(AddressInput { city: "".into(), ..address() }), "city");
        assert_eq!(field(AddressInput { postal_code: "12#45".into(), ..address() }), "postal_code");
        assert_eq!(field(AddressInput { country: "GBR".into(), ..address() }), "country");
        assert_eq!(field(AddressInput { phone: Some("call me".into()), ..address() }), "phone");
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_redirect(Some("/checkout?step=2")), "/checkout?step=2");
        assert_eq!(local_redirect(Some("/")), "/");
        for outside in [None, Some(""), Some("//evil.example"), Some("/\\evil.example"), Some("https://evil.example"), Some("account")] {
            assert_eq!(local_redirect(outside), "/account", "{outside:?}");
        }
    }
}
