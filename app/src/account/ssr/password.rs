//! Password hashing with argon2id at OWASP's recommended parameters
//! (19 MiB of memory, 2 iterations, 1 lane). Hashing and verifying take tens
//! of milliseconds of CPU, so both run on tokio's blocking pool, never on
//! the async worker threads. Neither the password nor its hash can be
//! serialized or printed.

use crate::account::model::SecretString;
use crate::account::validate::Password;
use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::fmt;

/// Memory cost in KiB (OWASP: 19 MiB).
const MEMORY_KIB: u32 = 19_456;
/// Iterations (OWASP: 2 with 19 MiB).
const ITERATIONS: u32 = 2;
/// Degree of parallelism (OWASP: 1).
const LANES: u32 = 1;

/// The hash of a password no one knows, made with the same parameters as
/// real hashes. Verifying against it when an email is unknown makes a
/// failed sign-in take as long whether or not the account exists.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$0dMPHNQ+cgzNc76kESDvAQ$Xj5WE6tXOqY5Db+W6Cp0AqZp3ivYT8XJoj8IBN99o3o";

/// A password in plain text on its way to be hashed or checked.
pub struct Plaintext(String);

impl Plaintext {
    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<Password> for Plaintext {
    fn from(password: Password) -> Self {
        Plaintext(password.expose_secret().to_string())
    }
}

impl From<SecretString> for Plaintext {
    fn from(password: SecretString) -> Self {
        Plaintext(password.expose_secret().to_string())
    }
}

impl From<&str> for Plaintext {
    fn from(password: &str) -> Self {
        Plaintext(password.to_string())
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A password hash as a PHC string (`$argon2id$v=19$m=…`), as stored in
/// `users.password_hash`.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash read from the database.
    pub fn from_stored(phc: String) -> Self {
        PasswordHash(phc)
    }

    /// The PHC string, to store.
    pub fn into_stored(self) -> String {
        self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

fn hasher() -> Result<Argon2<'static>, password_hash::Error> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn internal(context: &'static str) -> impl FnOnce(String) -> AppError {
    move |detail| {
        tracing::error!(error = %detail, "{context}");
        AppError::Internal
    }
}

/// Hashes `password` with a fresh random salt.
pub async fn hash(password: Plaintext) -> Result<PasswordHash, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| e.to_string())
        .and_then(|hashed| hashed.map_err(|e| e.to_string()))
        .map_err(internal("cannot hash password"))
}

fn hash_blocking(password: &Plaintext) -> Result<PasswordHash, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let phc = hasher()?.hash_password(password.as_bytes(), &salt)?.to_string();
    Ok(PasswordHash(phc))
}

/// Whether `password` is the one `hash` was made from.
pub async fn verify(password: Plaintext, hash: PasswordHash) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
        .await
        .map_err(|e| e.to_string())
        .and_then(|checked| checked.map_err(|e| e.to_string()))
        .map_err(internal("cannot verify password"))
}

/// Spends the time a real verification takes, for an unknown account.
pub async fn verify_dummy(password: Plaintext) -> Result<(), AppError> {
    verify(password, PasswordHash(DUMMY_HASH.to_string())).await.map(|_| ())
}

fn verify_blocking(password: &Plaintext, hash: &PasswordHash) -> Result<bool, password_hash::Error> {
    let parsed = password_hash::PasswordHash::new(&hash.0)?;
    match hasher()?.verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    // A failed unwrap here is a failed test, which is what we want.
    #![expect(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hashed = hash(Plaintext::from("correct horse battery")).await.unwrap();
        assert!(hashed.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", hashed.0);
        assert!(verify(Plaintext::from("correct horse battery"), hashed.clone()).await.unwrap());
        assert!(!verify(Plaintext::from("correct horse battery!"), hashed).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let first = hash(Plaintext::from("correct horse battery")).await.unwrap();
        let second = hash(Plaintext::from("correct horse battery")).await.unwrap();
        assert_ne!(first.0, second.0);
    }

    #[test]
    fn the_dummy_hash_costs_as_much_as_a_real_one() {
        let parsed = password_hash::PasswordHash::new(DUMMY_HASH).unwrap();
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (MEMORY_KIB, ITERATIONS, LANES));
    }

    #[tokio::test]
    async fn verifying_against_the_dummy_hash_runs_without_error() {
        verify_dummy(Plaintext::from("anything at all")).await.unwrap();
    }

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", Plaintext::from("hunter2")), "[redacted]");
        assert_eq!(format!("{:?}", PasswordHash::from_stored(DUMMY_HASH.to_string())), "[redacted]");
    }
}
