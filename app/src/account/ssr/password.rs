//! Password hashing with argon2id at OWASP's recommended parameters
//! (19 MiB of memory, 2 iterations, 1 lane). Hashing and verifying take tens
//! of milliseconds of CPU, so both run on tokio's blocking pool, never on
//! the async worker threads. Neither the password nor its hash can be
//! serialized or printed.
//!
//! The blocking pool grows to 512 threads, and each hash holds its 19 MiB
//! until it finishes: 200 concurrent sign-ins once took the server to
//! 3.8 GB. So every hash first takes a permit from a [`HashingLimit`]
//! (one per core by default); a request that waits too long for one is
//! answered `Busy` (503 with `Retry-After`).
//!
//! Bounding alone is not enough: glibc serves small allocations from the
//! freed 19 MiB blocks, so the next hash needs fresh memory and the heap
//! keeps growing (100 sign-ins, two at a time, still grew the process by
//! 250–700 MB). So each permit comes with its own argon2 working memory,
//! allocated once and reused: hashing holds permits × 19 MiB, no more.

use crate::account::model::SecretString;
use crate::account::validate::Password;
use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, Output, ParamsString, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Semaphore;

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

/// How many password hashes may run at once, and how long a request waits
/// for its turn. Cloning shares the permits and their working memory.
#[derive(Clone)]
pub struct HashingLimit {
    /// `None` runs every hash at once, each with memory of its own (the
    /// unbounded baseline, for benchmarks only).
    bound: Option<Arc<Bound>>,
    max_wait: Duration,
}

/// The permits, and the argon2 working memory of the hashes holding them.
struct Bound {
    permits: Semaphore,
    /// At most one buffer per permit: a hash takes one (or allocates it the
    /// first time) and puts it back when done.
    memory: Mutex<Vec<Vec<Block>>>,
}

/// A permit and its working memory, both given back when dropped (even
/// should the hash panic).
struct Lease {
    bound: Arc<Bound>,
    memory: Vec<Block>,
}

impl Lease {
    /// The memory for a permit already taken (and forgotten) from `bound`.
    fn take(bound: Arc<Bound>) -> Self {
        let memory = bound.memory.lock().unwrap_or_else(PoisonError::into_inner).pop();
        Lease { memory: memory.unwrap_or_else(working_memory), bound }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let memory = std::mem::take(&mut self.memory);
        self.bound.memory.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
        self.bound.permits.add_permits(1);
    }
}

impl fmt::Debug for HashingLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashingLimit")
            .field("available", &self.bound.as_ref().map(|bound| bound.permits.available_permits()))
            .field("max_wait", &self.max_wait)
            .finish()
    }
}

impl HashingLimit {
    /// At most `concurrency` hashes at once (0: no limit), each request
    /// waiting at most `max_wait` for its turn.
    pub fn new(concurrency: usize, max_wait: Duration) -> Self {
        let bound = (concurrency > 0)
            .then(|| Arc::new(Bound { permits: Semaphore::new(concurrency), memory: Mutex::new(Vec::new()) }));
        HashingLimit { bound, max_wait }
    }

    /// One hash per core: argon2 is pure CPU, so more at once only holds
    /// more memory without finishing sooner.
    pub fn per_core(max_wait: Duration) -> Self {
        HashingLimit::new(cores(), max_wait)
    }

    /// Runs `job` on the blocking pool once a permit is free. The permit is
    /// held by the job itself, so a request abandoned by its client still
    /// counts until its hash is done.
    async fn run<T: Send + 'static>(
        &self,
        context: &'static str,
        job: impl FnOnce(&mut [Block]) -> Result<T, password_hash::Error> + Send + 'static,
    ) -> Result<T, AppError> {
        if let Some(bound) = &self.bound {
            match tokio::time::timeout(self.max_wait, bound.permits.acquire()).await {
                // Forgotten here, given back by the blocking job when done.
                Ok(Ok(permit)) => permit.forget(),
                Ok(Err(closed)) => return Err(internal(context)(closed.to_string())),
                Err(_elapsed) => {
                    tracing::warn!(waited = ?self.max_wait, "password hashing is saturated; answering 503");
                    return Err(AppError::Busy { retry_after_secs: retry_after(self.max_wait) });
                }
            }
        }
        let bound = self.bound.clone();
        tokio::task::spawn_blocking(move || {
            let Some(bound) = bound else {
                return job(&mut working_memory());
            };
            let mut lease = Lease::take(bound);
            job(&mut lease.memory)
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|done| done.map_err(|e| e.to_string()))
        .map_err(internal(context))
    }
}

/// The number of cores this process may use (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// What to tell a client turned away after waiting `max_wait`: try again
/// after about as long (at least a second).
fn retry_after(max_wait: Duration) -> u32 {
    u32::try_from(max_wait.as_secs()).unwrap_or(u32::MAX).max(1)
}

fn params() -> Result<Params, argon2::Error> {
    Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
}

fn hasher() -> Result<Argon2<'static>, password_hash::Error> {
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params()?))
}

/// Working memory for one hash at our parameters (19 MiB).
fn working_memory() -> Vec<Block> {
    vec![Block::default(); params().map_or(MEMORY_KIB as usize, |params| params.block_count())]
}

/// Argon2id of `password` with our parameters and `salt`, computed in
/// `memory`, as a PHC string.
fn hash_in(memory: &mut [Block], password: &[u8], salt: password_hash::Salt<'_>) -> Result<String, password_hash::Error> {
    let argon2 = hasher()?;
    let params = argon2.params();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output = Output::init_with(params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN), |out| {
        Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut *memory)?)
    })?;
    let phc = password_hash::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// How long one hash at our parameters takes here, one core, nothing
/// else waiting: the median of `samples` hashes in a row (at least one).
/// What `server hash-time` prints, for the sign-in bench's target.
pub fn time_one_hash(samples: usize) -> Result<std::time::Duration, password_hash::Error> {
    let mut memory = working_memory();
    let mut times = Vec::with_capacity(samples.max(1));
    for _ in 0..samples.max(1) {
        let started = std::time::Instant::now();
        hash_blocking(&mut memory, &Plaintext("a password to time the hash with".into()))?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn internal(context: &'static str) -> impl FnOnce(String) -> AppError {
    move |detail| {
        tracing::error!(error = %detail, "{context}");
        AppError::Internal
    }
}

/// Hashes `password` with a fresh random salt, within `limit`.
pub async fn hash(limit: &HashingLimit, password: Plaintext) -> Result<PasswordHash, AppError> {
    limit.run("cannot hash password", move |memory| hash_blocking(memory, &password)).await
}

fn hash_blocking(memory: &mut [Block], password: &Plaintext) -> Result<PasswordHash, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    hash_in(memory, password.as_bytes(), salt.as_salt()).map(PasswordHash)
}

/// Whether `password` is the one `hash` was made from, within `limit`.
pub async fn verify(limit: &HashingLimit, password: Plaintext, hash: PasswordHash) -> Result<bool, AppError> {
    limit.run("cannot verify password", move |memory| verify_blocking(memory, &password, &hash)).await
}

/// Spends the time (and the turn) a real verification takes, for an
/// unknown account.
pub async fn verify_dummy(limit: &HashingLimit, password: Plaintext) -> Result<(), AppError> {
    verify(limit, password, PasswordHash(DUMMY_HASH.to_string())).await.map(|_| ())
}

fn verify_blocking(memory: &mut [Block], password: &Plaintext, hash: &PasswordHash) -> Result<bool, password_hash::Error> {
    let parsed = password_hash::PasswordHash::new(&hash.0)?;
    // A hash made with our parameters (all of them, today) is recomputed in
    // the permit's memory and compared in constant time (`Output`'s `==`).
    let costs = |p: &Params| (p.m_cost(), p.t_cost(), p.p_cost());
    let ours = parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13.into())
        && Params::try_from(&parsed).ok().map(|p| costs(&p)) == params().ok().map(|p| costs(&p))
        && parsed.hash.is_some_and(|hash| hash.len() == Params::DEFAULT_OUTPUT_LEN);
    if let (true, Some(salt), Some(expected)) = (ours, parsed.salt, parsed.hash) {
        let computed = hash_in(memory, password.as_bytes(), salt)?;
        let computed = password_hash::PasswordHash::new(&computed)?;
        return Ok(computed.hash.is_some_and(|computed| computed == expected));
    }
    // Anything else (other parameters, should they ever change) is checked
    // by the library, in memory of its own.
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
    use argon2::password_hash::PasswordHasher;

    fn limit() -> HashingLimit {
        HashingLimit::per_core(Duration::from_secs(10))
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hashed = hash(&limit(), Plaintext::from("correct horse battery")).await.unwrap();
        assert!(hashed.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", hashed.0);
        assert!(verify(&limit(), Plaintext::from("correct horse battery"), hashed.clone()).await.unwrap());
        assert!(!verify(&limit(), Plaintext::from("correct horse battery!"), hashed).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let first = hash(&limit(), Plaintext::from("correct horse battery")).await.unwrap();
        let second = hash(&limit(), Plaintext::from("correct horse battery")).await.unwrap();
        assert_ne!(first.0, second.0);
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_for_its_turn_is_told_to_come_back() {
        let limit = HashingLimit::new(1, Duration::from_millis(50));
        let bound = limit.bound.clone().unwrap();
        let busy = bound.permits.acquire().await.unwrap();
        let answer = hash(&limit, Plaintext::from("correct horse battery")).await;
        assert_eq!(answer.unwrap_err(), AppError::Busy { retry_after_secs: 1 });
        drop(busy);
        assert!(hash(&limit, Plaintext::from("correct horse battery")).await.is_ok());
    }

    #[test]
    fn the_default_limit_is_one_hash_per_core() {
        let limit = HashingLimit::per_core(Duration::from_secs(10));
        assert_eq!(limit.bound.unwrap().permits.available_permits(), cores());
        assert!(HashingLimit::new(0, Duration::ZERO).bound.is_none());
    }

    #[tokio::test]
    async fn hashes_reuse_one_working_memory_per_permit() {
        let limit = HashingLimit::new(1, Duration::from_secs(10));
        for _ in 0..3 {
            let hashed = hash(&limit, Plaintext::from("correct horse battery")).await.unwrap();
            assert!(verify(&limit, Plaintext::from("correct horse battery"), hashed).await.unwrap());
        }
        let bound = limit.bound.unwrap();
        assert_eq!(bound.memory.lock().unwrap().len(), 1);
        assert_eq!(bound.permits.available_permits(), 1, "every permit came back");
    }

    #[tokio::test]
    async fn pooled_and_library_hashes_agree() {
        let limit = HashingLimit::new(1, Duration::from_secs(10));
        let ours = hash(&limit, Plaintext::from("correct horse battery")).await.unwrap();
        let parsed = password_hash::PasswordHash::new(&ours.0).unwrap();
        assert!(hasher().unwrap().verify_password(b"correct horse battery", &parsed).is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = hasher().unwrap().hash_password(b"correct horse battery", &salt).unwrap();
        let theirs = PasswordHash::from_stored(theirs.to_string());
        assert!(verify(&limit, Plaintext::from("correct horse battery"), theirs.clone()).await.unwrap());
        assert!(!verify(&limit, Plaintext::from("wrong horse battery"), theirs).await.unwrap());
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
        verify_dummy(&limit(), Plaintext::from("anything at all")).await.unwrap();
    }

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", Plaintext::from("hunter2")), "[redacted]");
        assert_eq!(format!("{:?}", PasswordHash::from_stored(DUMMY_HASH.to_string())), "[redacted]");
    }
}
