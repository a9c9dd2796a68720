//! Shopify's webhook signature: `X-Shopify-Hmac-Sha256` is the base64 of
//! the HMAC-SHA256 of the raw request body, keyed with the shop's webhook
//! secret. It is checked before the body is read as anything, in constant
//! time, against the current secret and, during a rotation, the previous
//! one.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-shopify-hmac-sha256";

/// A webhook signing secret. It has no `Display`, and `Debug` never shows
/// it, so printing the configuration cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// Wraps `secret` (Shopify shows it as text; its bytes are the key).
    pub fn new(secret: impl Into<String>) -> Self {
        WebhookSecret(secret.into().into_bytes())
    }

    /// The signature Shopify would send for `body`: base64 of the
    /// HMAC-SHA256. For senders (tests, the sample script, the bench).
    pub fn sign(&self, body: &[u8]) -> String {
        BASE64.encode(self.mac(body).finalize().into_bytes())
    }

    fn mac(&self, body: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(body);
        mac
    }

    /// Whether `signature` (already base64-decoded) is this secret's MAC of
    /// `body`, compared in constant time.
    fn signed(&self, body: &[u8], signature: &[u8]) -> bool {
        self.mac(body).verify_slice(signature).is_ok()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

/// Why a delivery's signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Shopify-Hmac-Sha256 header is missing")]
    Missing,
    #[error("the X-Shopify-Hmac-Sha256 header is not a base64 HMAC-SHA256")]
    Unreadable,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks `header` (the value of `X-Shopify-Hmac-Sha256`) against `body`
/// with each of `secrets`. Every secret is tried, whichever matches, so the
/// time taken does not tell which one did.
pub fn verify(secrets: &[&WebhookSecret], body: &[u8], header: Option<&[u8]>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let signature = BASE64.decode(header.trim_ascii()).map_err(|_| SignatureError::Unreadable)?;
    if signature.len() != 32 {
        return Err(SignatureError::Unreadable);
    }
    let matched = secrets.iter().fold(false, |matched, secret| secret.signed(body, &signature) | matched);
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2, in base64.
    const JEFE: &str = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";

    #[test]
    fn signs_the_rfc_4231_vector() {
        assert_eq!(WebhookSecret::new("Jefe").sign(b"what do ya want for nothing?"), JEFE);
        assert_eq!(WebhookSecret::new("test-shopify-secret").sign(br#"{"id":1}"#), "R6m95VE2/wFaxoSpt+K0mYMom5KUMtaEeWfAlyTE4DI=");
    }

    #[test]
    fn accepts_the_right_signature_only() {
        let secret = WebhookSecret::new("Jefe");
        let body = b"what do ya want for nothing?";
        assert_eq!(verify(&[&secret], body, Some(JEFE.as_bytes())), Ok(()));
        assert_eq!(verify(&[&secret], b"what do ya want for nothing!", Some(JEFE.as_bytes())), Err(SignatureError::Mismatch));
        assert_eq!(verify(&[&WebhookSecret::new("jefe")], body, Some(JEFE.as_bytes())), Err(SignatureError::Mismatch));
        assert_eq!(verify(&[&secret], body, None), Err(SignatureError::Missing));
        assert_eq!(verify(&[&secret], body, Some(b"not base64!")), Err(SignatureError::Unreadable));
        assert_eq!(verify(&[&secret], body, Some(b"c2hvcnQ=")), Err(SignatureError::Unreadable));
        assert_eq!(verify(&[], body, Some(JEFE.as_bytes())), Err(SignatureError::Mismatch));
    }

    #[test]
    fn either_secret_is_accepted_during_a_rotation() {
        let (current, previous) = (WebhookSecret::new("new-secret"), WebhookSecret::new("Jefe"));
        let body = b"what do ya want for nothing?";
        assert_eq!(verify(&[&current, &previous], body, Some(JEFE.as_bytes())), Ok(()));
        let signed_with_new = current.sign(body);
        assert_eq!(verify(&[&current, &previous], body, Some(signed_with_new.as_bytes())), Ok(()));
        assert_eq!(verify(&[&current], body, Some(JEFE.as_bytes())), Err(SignatureError::Mismatch));
    }

    #[test]
    fn secrets_never_print() {
        let printed = format!("{:?} {:#?}", WebhookSecret::new("hunter2"), Some(WebhookSecret::new("hunter2")));
        assert!(!printed.contains("hunter2"), "{printed}");
    }
}
