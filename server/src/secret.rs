//! Connection URLs that may carry a password (`postgres://user:pw@…`,
//! `smtps://user:pw@…`), wrapped so that printing the configuration —
//! `{:?}` in a log line or a panic — never shows the password.

use std::fmt;

/// A URL whose password must not be printed. `Debug` shows it with the
/// password replaced by `***`, and there is no `Display`. The real value
/// is for connecting: [`SecretUrl::expose`], or a deref to `&str` where a
/// connection function takes one.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// Wraps `url`.
    pub fn new(url: impl Into<String>) -> Self {
        SecretUrl(url.into())
    }

    /// The URL with its password, for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for SecretUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretUrl {
    fn from(url: String) -> Self {
        SecretUrl(url)
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", redacted(&self.0))
    }
}

/// `url` with the password of its user-info part (`user:password@`)
/// replaced by `***`. When in doubt it hides too much rather than too
/// little: everything between the first `:` after the user name and the
/// last `@` counts as password, even if a `/` or `?` (unencoded) or a
/// query containing `@` makes that more than the password. A value that is
/// not `scheme://…` is hidden whole.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_string();
    };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        let url = SecretUrl::new("postgres://shop:s3cr%40t@db.example:5432/bazaar?sslmode=require");
        let printed = format!("{url:?}");
        assert!(!printed.contains("s3cr"), "{printed}");
        assert_eq!(printed, "\"postgres://shop:***@db.example:5432/bazaar?sslmode=require\"");
        assert_eq!(url.expose(), "postgres://shop:s3cr%40t@db.example:5432/bazaar?sslmode=require");
    }

    #[test]
    fn a_password_containing_at_signs_is_hidden_whole() {
        let printed = format!("{:?}", SecretUrl::new("smtps://mail:p@ss@w0rd@smtp.example.com"));
        assert_eq!(printed, "\"smtps://mail:***@smtp.example.com\"");
    }

    #[test]
    fn urls_without_a_password_print_as_they_are() {
        assert_eq!(format!("{:?}", SecretUrl::new("sqlite://data/bazaar.db?mode=rwc")), "\"sqlite://data/bazaar.db?mode=rwc\"");
        assert_eq!(format!("{:?}", SecretUrl::new("postgres://postgres@127.0.0.1/test")), "\"postgres://postgres@127.0.0.1/test\"");
        assert_eq!(format!("{:?}", SecretUrl::new("not a url")), "\"***\"");
    }

    #[test]
    fn unencoded_slashes_in_a_password_do_not_reveal_it() {
        let printed = format!("{:?}", SecretUrl::new("postgres://shop:pa/ss?wd@db.example/bazaar"));
        assert_eq!(printed, "\"postgres://shop:***@db.example/bazaar\"");
    }
}
