//! Shopify's order webhook payload, as much of it as Bazaar reads, and
//! the webhook topics. Money arrives as decimal strings ("199.00") and is
//! read into integer cents exactly, never through floats.

use app::money::Currency;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;

/// The order topics Bazaar handles (`X-Shopify-Topic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookTopic {
    OrdersCreate,
    /// `orders/updated`, also sent as `orders/update`.
    OrdersUpdated,
    OrdersCancelled,
    OrdersFulfilled,
    OrdersPaid,
}

impl WebhookTopic {
    /// The topic named `name`, or `None` for one Bazaar ignores.
    pub fn parse(name: &str) -> Option<WebhookTopic> {
        match name.trim() {
            "orders/create" => Some(WebhookTopic::OrdersCreate),
            "orders/updated" | "orders/update" => Some(WebhookTopic::OrdersUpdated),
            "orders/cancelled" => Some(WebhookTopic::OrdersCancelled),
            "orders/fulfilled" => Some(WebhookTopic::OrdersFulfilled),
            "orders/paid" => Some(WebhookTopic::OrdersPaid),
            _ => None,
        }
    }
}

/// Why a payload is not an order Bazaar can read.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("not a Shopify order: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{field}: {value:?} is not an amount of money")]
    Amount { field: &'static str, value: String },
}

/// An amount as Shopify writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Decimal(String);

impl Decimal {
    /// The amount in cents: "199.00" → 19900, "5.5" → 550, "3" → 300.
    /// Digits past the second decimal must be zeros.
    pub fn cents(&self, field: &'static str) -> Result<i64, PayloadError> {
        let refused = || PayloadError::Amount { field, value: self.0.chars().take(40).collect() };
        let text = self.0.trim();
        let text = match text.split_once('.') {
            Some((whole, fraction)) if fraction.len() > 2 => {
                let (kept, rest) = fraction.split_at(2);
                if !rest.chars().all(|c| c == '0') {
                    return Err(refused());
                }
                format!("{whole}.{kept}")
            }
            _ => text.to_string(),
        };
        app::money::parse_amount(&text).map_err(|_| refused())
    }
}

/// Part of `total_shipping_price_set`.
#[derive(Debug, Clone, Deserialize)]
pub struct MoneySet {
    pub shop_money: ShopMoney,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShopMoney {
    pub amount: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LineItem {
    #[serde(default)]
    pub sku: Option<String>,
    pub title: String,
    #[serde(default)]
    pub variant_title: Option<String>,
    pub quantity: i32,
    pub price: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Customer {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address1: Option<String>,
    #[serde(default)]
    pub address2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Fulfillment {
    #[serde(default)]
    pub tracking_number: Option<String>,
}

/// A Shopify order (the `orders/*` webhook body).
#[derive(Debug, Clone, Deserialize)]
pub struct ShopifyOrder {
    pub id: i64,
    #[serde(default)]
    pub email: Option<String>,
    pub updated_at: DateTime<FixedOffset>,
    pub currency: String,
    #[serde(default)]
    pub financial_status: Option<String>,
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    #[serde(default)]
    pub cancelled_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub total_shipping_price_set: Option<MoneySet>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub customer: Option<Customer>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
}

impl ShopifyOrder {
    /// Reads a webhook body.
    pub fn parse(body: &[u8]) -> Result<ShopifyOrder, PayloadError> {
        Ok(serde_json::from_slice(body)?)
    }

    /// When Shopify last changed the order, in UTC.
    pub fn updated_at_utc(&self) -> DateTime<Utc> {
        self.updated_at.with_timezone(&Utc)
    }

    /// The order's currency, if the shop prices in it.
    pub fn shop_currency(&self) -> Option<Currency> {
        serde_json::from_value(serde_json::Value::String(self.currency.trim().to_ascii_uppercase())).ok()
    }

    /// The customer's email: the order's, else the customer record's;
    /// trimmed and lower-cased.
    pub fn customer_email(&self) -> Option<String> {
        self.email
            .as_deref()
            .or(self.customer.as_ref().and_then(|c| c.email.as_deref()))
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
    }

    /// The newest tracking number among the fulfillments.
    pub fn tracking_number(&self) -> Option<String> {
        self.fulfillments.iter().rev().find_map(|f| f.tracking_number.clone()).filter(|t| !t.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_cents_exactly() {
        let cents = |s: &str| Decimal(s.to_string()).cents("price");
        assert_eq!(cents("199.00").ok(), Some(19_900));
        assert_eq!(cents("0.10").ok(), Some(10));
        assert_eq!(cents("5.5").ok(), Some(550));
        assert_eq!(cents("3").ok(), Some(300));
        assert_eq!(cents("19.990").ok(), Some(1_999), "a trailing zero past the cents is harmless");
        assert!(cents("19.999").is_err(), "a fraction of a cent is refused");
        assert!(cents("abc").is_err());
        assert!(cents("-1.00").is_err());
    }

    #[test]
    fn topics_include_the_update_alias() {
        assert_eq!(WebhookTopic::parse("orders/update"), Some(WebhookTopic::OrdersUpdated));
        assert_eq!(WebhookTopic::parse("orders/updated"), Some(WebhookTopic::OrdersUpdated));
        assert_eq!(WebhookTopic::parse("products/create"), None);
    }

    #[test]
    fn reads_a_published_order_shape() {
        let body = br#"{"id":450789469,"email":"Bob@Example.com","updated_at":"2008-01-10T11:00:00-05:00","currency":"usd",
            "financial_status":"paid","fulfillment_status":null,"cancelled_at":null,
            "total_shipping_price_set":{"shop_money":{"amount":"4.00","currency_code":"USD"}},
            "line_items":[{"id":1,"sku":"IPOD2008PINK","title":"IPod Nano","variant_title":"Pink","quantity":2,"price":"199.00"}],
            "fulfillments":[{"tracking_number":null},{"tracking_number":"1Z999"}]}"#;
        let order = ShopifyOrder::parse(body).expect("parses");
        assert_eq!(order.customer_email().as_deref(), Some("bob@example.com"));
        assert_eq!(order.shop_currency(), Some(Currency::Usd));
        assert_eq!(order.updated_at_utc().to_rfc3339(), "2008-01-10T16:00:00+00:00");
        assert_eq!(order.tracking_number().as_deref(), Some("1Z999"));
        assert_eq!(order.line_items[0].price.cents("price").ok(), Some(19_900));
        assert!(ShopifyOrder::parse(b"{\"id\":\"x\"}").is_err());
    }
}
