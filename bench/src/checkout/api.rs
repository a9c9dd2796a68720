//! The slice of Bazaar's JSON API the benchmark uses (see docs/api.md).
//!
//! A [`Session`] is one customer's browser: its own cookie jar (so the
//! `bazaar_session` cookie set at registration signs in every later call)
//! and its own keep-alive connection pool.

use std::{sync::Arc, time::Duration};

use reqwest::{header, redirect, Client};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};

use crate::{
    error::{ApiError, BenchError},
    target::Target,
};

/// Longest body kept in an error message.
const MAX_ERROR_BODY: usize = 300;
/// The simulated payment provider's always-approved test card.
pub const TEST_CARD: &str = "4242424242424242";

/// One page of `/api/catalog/search`.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchPage {
    /// Product cards on this page.
    pub products: Vec<ProductCard>,
    /// Matching products over all pages.
    pub total: u64,
    /// Page size.
    pub per_page: u64,
}

/// A product as a search result lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductCard {
    /// The product's slug, the key for `/api/catalog/product`.
    pub slug: String,
}

/// `/api/catalog/product`, the parts we use.
#[derive(Debug, Clone, Deserialize)]
pub struct Product {
    /// Display name.
    pub name: String,
    /// The variants with their stock.
    pub variants: Vec<Variant>,
}

/// One variant of a product.
#[derive(Debug, Clone, Deserialize)]
pub struct Variant {
    /// Stock-keeping unit, the key for `/api/cart/add`.
    pub sku: String,
    /// E.g. "Red / M".
    pub label: String,
    /// Units in stock now (signed, so a negative value would be seen).
    pub stock: i64,
}

/// `/api/orders/get`, the parts we use.
#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    /// The order id.
    pub id: i64,
    /// What was bought.
    pub lines: Vec<OrderLine>,
}

/// One line of an order.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderLine {
    /// The variant bought.
    pub sku: String,
    /// Units bought.
    pub quantity: u32,
}

/// One customer's browser session.
#[derive(Debug, Clone)]
pub struct Session {
    client: Client,
    target: Arc<Target>,
}

impl Session {
    /// A fresh session (empty cookie jar, no connection yet) for `target`.
    pub fn new(target: &Arc<Target>, timeout: Duration) -> Result<Self, BenchError> {
        let mut headers = header::HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            header::HeaderValue::from_static("application/json"),
        );
        let client = Client::builder()
            .cookie_store(true)
            // Loopback only: never through a proxy from the environment,
            // and the host name pinned to the address we checked.
            .no_proxy()
            .resolve(&target.host, target.addr)
            .redirect(redirect::Policy::none())
            .http1_only()
            .timeout(timeout)
            .default_headers(headers)
            .user_agent("bazaar-checkout-bench")
            .build()
            .map_err(BenchError::Client)?;
        Ok(Self {
            client,
            target: Arc::clone(target),
        })
    }

    /// POSTs `body` as JSON to `/api/{endpoint}` and decodes a 2xx answer.
    async fn call<T: DeserializeOwned>(&self, endpoint: &str, body: &Value) -> Result<T, ApiError> {
        let response = self
            .client
            .post(self.target.endpoint(endpoint))
            .json(body)
            .send()
            .await
            .map_err(ApiError::Transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(ApiError::Transport)?;
        if !status.is_success() {
            return Err(ApiError::Status {
                status: status.as_u16(),
                body: shorten(&bytes),
            });
        }
        serde_json::from_slice(&bytes).map_err(|source| ApiError::Decode {
            source,
            body: shorten(&bytes),
        })
    }

    /// Registers a customer; the session is signed in afterwards.
    pub async fn register(&self, email: &str, password: &str, name: &str) -> Result<(), ApiError> {
        let body = json!({ "email": email, "password": password, "name": name });
        self.call::<serde::de::IgnoredAny>("auth/register", &body)
            .await
            .map(|_| ())
    }

    /// Page `page` (from 1) of in-stock products, cheapest first.
    pub async fn search_in_stock(&self, page: u64) -> Result<SearchPage, ApiError> {
        let body = json!({ "query": { "in_stock": true, "sort": "price_asc", "page": page } });
        self.call("catalog/search", &body).await
    }

    /// One product with its variants' current stock.
    pub async fn product(&self, slug: &str) -> Result<Product, ApiError> {
        self.call("catalog/product", &json!({ "slug": slug })).await
    }

    /// Adds `quantity` units of `sku` to this session's cart.
    pub async fn add_to_cart(&self, sku: &str, quantity: u32) -> Result<(), ApiError> {
        let body = json!({ "sku": sku, "quantity": quantity });
        self.call::<serde::de::IgnoredAny>("cart/add", &body)
            .await
            .map(|_| ())
    }

    /// Takes `sku`'s line out of this session's cart.
    pub async fn remove_from_cart(&self, sku: &str) -> Result<(), ApiError> {
        self.call::<serde::de::IgnoredAny>("cart/remove", &json!({ "sku": sku }))
            .await
            .map(|_| ())
    }

    /// Places the cart as an order with a new US address and the test
    /// card; returns the order id.
    pub async fn checkout(&self, idempotency_key: &str, full_name: &str) -> Result<i64, ApiError> {
        let body = json!({
            "idempotency_key": idempotency_key,
            "card_number": TEST_CARD,
            "full_name": full_name,
            "line1": "1 Benchmark Way",
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
        });
        self.call("checkout", &body).await
    }

    /// One of this customer's orders.
    pub async fn order(&self, id: i64) -> Result<Order, ApiError> {
        self.call("orders/get", &json!({ "id": id })).await
    }
}

/// The body as text, cut to [`MAX_ERROR_BODY`] characters.
fn shorten(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= MAX_ERROR_BODY {
        text.into_owned()
    } else {
        let mut cut: String = text.chars().take(MAX_ERROR_BODY).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic on failure
mod tests {
    use super::*;

    #[test]
    fn decodes_documented_answers() {
        let page: SearchPage = serde_json::from_str(
            r#"{"products":[{"slug":"aurora-lamp","name":"Aurora Lamp","in_stock":true}],
                "total":31,"page":1,"per_page":24}"#,
        )
        .unwrap();
        assert_eq!(page.products[0].slug, "aurora-lamp");
        assert_eq!((page.total, page.per_page), (31, 24));
        let product: Product = serde_json::from_str(
            r#"{"slug":"aurora-lamp","name":"Aurora Lamp","variants":[
                {"sku":"LMP-1-R","label":"Red","price":{"cents":4599,"currency":"USD"},"stock":3}]}"#,
        )
        .unwrap();
        assert_eq!(product.variants[0].stock, 3);
        let id: i64 = serde_json::from_str("42").unwrap();
        assert_eq!(id, 42);
    }

    #[test]
    fn shortens_long_bodies() {
        assert_eq!(shorten(b"short"), "short");
        let long = "x".repeat(1000);
        assert_eq!(shorten(long.as_bytes()).chars().count(), MAX_ERROR_BODY + 1);
    }
}
