//! Accounts' wire types: what the server sends to pages and API callers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A password as typed into a form, on its way to the server. Its `Debug`
/// prints `[redacted]`, so logging a server function's arguments cannot
/// leak it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// The text, for checking or hashing.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(text: String) -> Self {
        SecretString(text)
    }
}

impl From<&str> for SecretString {
    fn from(text: &str) -> Self {
        SecretString(text.to_string())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A saved shipping address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub id: i32,
    pub full_name: String,
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

impl Address {
    /// The address on one line: "Ann Lee, 1 Harbour Road, Portsmouth, PO1 2AB, GB".
    pub fn one_line(&self) -> String {
        [
            Some(self.full_name.as_str()),
            Some(self.line1.as_str()),
            self.line2.as_deref(),
            Some(self.city.as_str()),
            self.region.as_deref(),
            Some(self.postal_code.as_str()),
            Some(self.country.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// An address to create (`id: None`) or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AddressInput {
    #[serde(default)]
    pub id: Option<i32>,
    pub full_name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default)]
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// Makes this the account's default address (and no other).
    #[serde(default)]
    pub is_default: bool,
}

/// The names of the pages' forms, which tie a form's outcome to the form.
pub mod forms {
    /// `/sign-up`.
    pub const SIGN_UP: &str = "sign-up";
    /// `/sign-in`.
    pub const SIGN_IN: &str = "sign-in";
    /// The account page's password form.
    pub const CHANGE_PASSWORD: &str = "change-password";
    /// The account page's address form.
    pub const SAVE_ADDRESS: &str = "save-address";
    /// An address's delete button.
    pub const DELETE_ADDRESS: &str = "delete-address";
    /// The account page's "Sign out everywhere" button.
    pub const SIGN_OUT_EVERYWHERE: &str = "sign-out-everywhere";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_serialize_as_plain_strings_but_never_print() {
        let secret = SecretString::from("hunter2 hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(serde_json::to_string(&secret).ok().as_deref(), Some("\"hunter2 hunter2\""));
    }

    #[test]
    fn one_line_skips_missing_parts() {
        let address = Address {
            id: 1,
            full_name: "Ann Lee".into(),
            line1: "1 Harbour Road".into(),
            line2: None,
            city: "Portsmouth".into(),
            region: None,
            postal_code: "PO1 2AB".into(),
            country: "GB".into(),
            phone: None,
            is_default: false,
        };
        assert_eq!(address.one_line(), "Ann Lee, 1 Harbour Road, Portsmouth, PO1 2AB, GB");
    }
}
