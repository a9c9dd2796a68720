//! The Shopify webhook endpoint's settings, read from the environment
//! (documented in README.md).

use super::signature::WebhookSecret;
use crate::config::{number_from_env, EnvValueError};
use crate::edge::Rate;
use std::env;

/// Largest webhook body accepted when `BAZAAR_SHOPIFY_MAX_BODY_BYTES` is
/// not set. Shopify's order payloads are a few KiB; a large order with
/// hundreds of lines stays well under this.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Webhooks per second per client address when `BAZAAR_SHOPIFY_RATE_PER_SEC`
/// is not set: far above what one shop sends (Shopify delivers from a
/// handful of addresses), low enough that a flood from one address cannot
/// fill the queue unchecked.
pub const DEFAULT_RATE_PER_SEC: u32 = 2000;

/// How `POST /webhooks/shopify` authenticates and bounds deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopifyConfig {
    /// The shop's webhook signing secret (`BAZAAR_SHOPIFY_WEBHOOK_SECRET`).
    /// Without it (and without `previous_secret`) the endpoint answers 503.
    pub secret: Option<WebhookSecret>,
    /// The secret being rotated out, still accepted
    /// (`BAZAAR_SHOPIFY_WEBHOOK_SECRET_PREVIOUS`).
    pub previous_secret: Option<WebhookSecret>,
    /// Larger bodies are answered 413 (`BAZAAR_SHOPIFY_MAX_BODY_BYTES`,
    /// default 1 MiB).
    pub max_body_bytes: usize,
    /// Deliveries per client address (`BAZAAR_SHOPIFY_RATE_PER_SEC`,
    /// default 2000, and `BAZAAR_SHOPIFY_BURST`, default twice the rate; a
    /// rate of 0 turns it off). Over it: 429 with `Retry-After`.
    pub rate: Option<Rate>,
}

impl Default for ShopifyConfig {
    /// No secret (the endpoint is off), 1 MiB, 2000/s.
    fn default() -> Self {
        ShopifyConfig {
            secret: None,
            previous_secret: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            rate: Some(Rate::per_second(DEFAULT_RATE_PER_SEC, DEFAULT_RATE_PER_SEC * 2)),
        }
    }
}

impl ShopifyConfig {
    /// The endpoint on, signed with `secret`, otherwise the defaults.
    pub fn with_secret(secret: &str) -> Self {
        ShopifyConfig { secret: Some(WebhookSecret::new(secret)), ..ShopifyConfig::default() }
    }

    /// The secrets a delivery may be signed with: the current one, then
    /// the previous one. Empty: the endpoint is off.
    pub fn secrets(&self) -> Vec<&WebhookSecret> {
        self.secret.iter().chain(self.previous_secret.iter()).collect()
    }

    /// Reads the `BAZAAR_SHOPIFY_*` variables.
    pub fn from_env() -> Result<Self, EnvValueError> {
        let secret = |name| env::var(name).ok().filter(|value| !value.trim().is_empty()).map(WebhookSecret::new);
        let defaults = ShopifyConfig::default();
        let max_body_bytes = number_from_env("BAZAAR_SHOPIFY_MAX_BODY_BYTES")?
            .map_or(defaults.max_body_bytes, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let rate = match number_from_env("BAZAAR_SHOPIFY_RATE_PER_SEC")? {
            None => defaults.rate,
            Some(0) => None,
            Some(per_sec) => {
                let per_sec = u32::try_from(per_sec).unwrap_or(u32::MAX);
                let burst = number_from_env("BAZAAR_SHOPIFY_BURST")?
                    .map_or(per_sec.saturating_mul(2), |b| u32::try_from(b).unwrap_or(u32::MAX));
                Some(Rate::per_second(per_sec, burst.max(1)))
            }
        };
        Ok(ShopifyConfig {
            secret: secret("BAZAAR_SHOPIFY_WEBHOOK_SECRET"),
            previous_secret: secret("BAZAAR_SHOPIFY_WEBHOOK_SECRET_PREVIOUS"),
            max_body_bytes,
            rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_the_config_never_shows_a_secret() {
        let config = ShopifyConfig {
            previous_secret: Some(WebhookSecret::new("old-hunter2")),
            ..ShopifyConfig::with_secret("hunter2")
        };
        let printed = format!("{config:?} {config:#?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(config.secrets().len(), 2);
        assert!(ShopifyConfig::default().secrets().is_empty());
    }
}
