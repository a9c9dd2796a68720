//! The server's command line: no arguments serves the shop;
//! `create-admin EMAIL` creates the first admin (or promotes an account),
//! since a production shop has no demo admin with a well-known password;
//! `seed-orders N` adds N made-up orders for trying out the order desk
//! (see `seed::orders`); `seed-products N` adds N made-up products for
//! trying out search at scale (see `seed::products`); `hash-time` prints how long one password hash
//! takes on this machine (the sign-in bench's yardstick).

use app::account::model::SecretString;
use app::account::ssr::auth::{make_admin, MadeAdmin};
use app::account::ssr::password::HashingLimit;
use app::error::AppError;
use rand::distributions::{Alphanumeric, DistString};
use sea_orm::DatabaseConnection;
use std::io::{BufRead, IsTerminal};

/// How to use the command line.
pub const USAGE: &str = "usage: server                     serve the shop (configuration from the environment)
       server create-admin EMAIL  create an admin, or make an existing account one;
                                  the password is read from stdin when piped,
                                  otherwise one is generated and printed once
       server seed-orders N       add N made-up orders (and their customers) to try
                                  the order desk with; needs a catalog (demo data)
       server seed-products N     add N made-up products (with variants) to search;
                                  needs the demo categories and sellers
       server hash-time           print the milliseconds one password hash takes here";

/// Length of a generated admin password (letters and digits: ~143 bits).
const GENERATED_PASSWORD_LEN: usize = 24;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve the shop.
    Serve,
    /// Create or promote the admin `email`.
    CreateAdmin { email: String },
    /// Add `count` made-up orders.
    SeedOrders { count: usize },
    /// Add `count` made-up products.
    SeedProducts { count: usize },
    /// Time one password hash.
    HashTime,
}

/// Why the command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{USAGE}")]
    Usage,
    #[error("cannot read the password from stdin: {0}")]
    Stdin(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("the password piped on stdin is empty")]
    EmptyPassword,
    #[error("{0}")]
    Refused(AppError),
}

/// Parses the arguments after the program's name.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, CliError> {
    match (args.next().as_deref(), args.next(), args.next()) {
        (None, _, _) => Ok(Command::Serve),
        (Some("create-admin"), Some(email), None) => Ok(Command::CreateAdmin { email }),
        (Some("hash-time"), None, None) => Ok(Command::HashTime),
        (Some("seed-orders"), Some(count), None) => positive(&count).map(|count| Command::SeedOrders { count }),
        (Some("seed-products"), Some(count), None) => positive(&count).map(|count| Command::SeedProducts { count }),
        _ => Err(CliError::Usage),
    }
}

/// A count given on the command line: a whole number above zero.
fn positive(count: &str) -> Result<usize, CliError> {
    count.parse().ok().filter(|&count| count > 0).ok_or(CliError::Usage)
}

/// What `create-admin` did.
#[derive(Debug)]
pub struct AdminReport {
    pub outcome: MadeAdmin,
    /// The password made up for a new account, to print once; `None` when
    /// one was given or the account already existed.
    pub generated_password: Option<SecretString>,
}

/// Makes `email` an admin on `db`: with `password` if given, otherwise a
/// generated one, for a new account; an existing account keeps its own.
pub async fn create_admin(
    db: &DatabaseConnection,
    email: &str,
    password: Option<SecretString>,
) -> Result<AdminReport, CliError> {
    let (password, generated) = match password {
        Some(password) => (password, false),
        None => (generate_password(), true),
    };
    // Nothing else is hashing: one at a time, no deadline worth having.
    let hashing = HashingLimit::new(1, std::time::Duration::from_secs(3600));
    let outcome = make_admin(db, &hashing, email, password.clone()).await.map_err(CliError::Refused)?;
    let generated_password = (generated && outcome == MadeAdmin::Created).then_some(password);
    Ok(AdminReport { outcome, generated_password })
}

/// The password piped on stdin (its first line), or `None` when stdin is a
/// terminal: typing it there would echo it, so one is generated instead.
pub fn password_from_stdin() -> Result<Option<SecretString>, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(CliError::EmptyPassword);
    }
    Ok(Some(SecretString::from(password)))
}

fn generate_password() -> SecretString {
    SecretString::from(Alphanumeric.sample_string(&mut rand::rngs::OsRng, GENERATED_PASSWORD_LEN))
}

/// What to print after `create-admin` succeeded.
pub fn describe(email: &str, report: &AdminReport) -> String {
    match (&report.outcome, &report.generated_password) {
        (MadeAdmin::Created, Some(password)) => format!(
            "Created admin {email} with the password below. It is shown only this once: keep it somewhere safe.\n  {}",
            password.expose_secret()
        ),
        (MadeAdmin::Created, None) => format!("Created admin {email} with the password from stdin."),
        (MadeAdmin::Promoted, _) => format!("{email} is now an admin; their password is unchanged."),
        (MadeAdmin::AlreadyAdmin, _) => format!("{email} was already an admin; nothing changed."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter().map(|a| a.to_string()).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn parses_the_commands() {
        assert_eq!(parse(args(&[])).ok(), Some(Command::Serve));
        assert_eq!(
            parse(args(&["create-admin", "root@example.com"])).ok(),
            Some(Command::CreateAdmin { email: "root@example.com".into() })
        );
        assert!(matches!(parse(args(&["create-admin"])), Err(CliError::Usage)));
        assert!(matches!(parse(args(&["create-admin", "a@b.c", "extra"])), Err(CliError::Usage)));
        assert!(matches!(parse(args(&["serve-please"])), Err(CliError::Usage)));
        assert_eq!(parse(args(&["seed-orders", "100000"])).ok(), Some(Command::SeedOrders { count: 100_000 }));
        assert_eq!(parse(args(&["seed-products", "300"])).ok(), Some(Command::SeedProducts { count: 300 }));
        assert_eq!(parse(args(&["hash-time"])).ok(), Some(Command::HashTime));
        assert!(matches!(parse(args(&["hash-time", "9"])), Err(CliError::Usage)));
        for bad in [
            &["seed-orders"][..],
            &["seed-orders", "0"],
            &["seed-orders", "-5"],
            &["seed-orders", "lots"],
            &["seed-orders", "5", "6"],
            &["seed-products"],
            &["seed-products", "0"],
            &["seed-products", "many"],
        ] {
            assert!(matches!(parse(args(bad)), Err(CliError::Usage)), "{bad:?}");
        }
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (first, second) = (generate_password(), generate_password());
        assert_eq!(first.expose_secret().len(), GENERATED_PASSWORD_LEN);
        assert_ne!(first.expose_secret(), second.expose_secret());
    }
}
