//! Taking payment. Checkout talks to a [`PaymentProvider`]; the shop ships
//! a simulated one (test cards in docs/payments.md). A real provider
//! (Stripe, Adyen…) implements the same trait and is chosen by
//! configuration; the idempotency key passed with each charge is what such
//! providers use to never charge twice for one checkout.

use super::card::test_cards;
use crate::money::Money;
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Mutex;

/// One charge to make.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    pub amount: Money,
    /// Digits only, already Luhn-checked.
    pub card_number: String,
    /// The same key always yields the same charge.
    pub idempotency_key: String,
}

/// Proof of a successful charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub reference: String,
}

/// Why a payment did not go through. Nothing was charged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("Your card was declined. No payment was taken.")]
    Declined,
    #[error("Your card was declined for insufficient funds. No payment was taken.")]
    InsufficientFunds,
    #[error("The payment service is unavailable: {0}")]
    Unavailable(String),
}

/// A payment service.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync + Debug {
    /// Charges the card; charging again with the same idempotency key
    /// returns the first receipt without charging again.
    async fn charge(&self, request: ChargeRequest) -> Result<Receipt, PaymentError>;
    /// Returns the money of a charge (a cancelled order, or a charge whose
    /// order could not be saved).
    async fn refund(&self, reference: &str) -> Result<(), PaymentError>;
}

/// The built-in simulated provider: decides by test card number, keeps its
/// charges in memory.
#[derive(Debug, Default)]
pub struct SimulatedPayments {
    charges: Mutex<HashMap<String, Receipt>>,
}

impl SimulatedPayments {
    /// Charges made so far (each idempotency key once).
    pub fn charge_count(&self) -> usize {
        self.charges.lock().map_or(0, |charges| charges.len())
    }
}

#[async_trait::async_trait]
impl PaymentProvider for SimulatedPayments {
    async fn charge(&self, request: ChargeRequest) -> Result<Receipt, PaymentError> {
        match request.card_number.as_str() {
            test_cards::DECLINED => return Err(PaymentError::Declined),
            test_cards::INSUFFICIENT_FUNDS => return Err(PaymentError::InsufficientFunds),
            _ => {}
        }
        let mut charges = self.charges.lock().map_err(|_| PaymentError::Unavailable("lock poisoned".into()))?;
        let next = charges.len() + 1;
        let receipt = charges
            .entry(request.idempotency_key)
            .or_insert_with(|| Receipt { reference: format!("sim_ch_{next:08}") });
        Ok(receipt.clone())
    }

    async fn refund(&self, reference: &str) -> Result<(), PaymentError> {
        tracing::info!(reference, "simulated refund");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn request(card: &str, key: &str) -> ChargeRequest {
        ChargeRequest { amount: Money::new(1999, Currency::Usd), card_number: card.into(), idempotency_key: key.into() }
    }

    #[tokio::test]
    async fn same_key_charges_once() {
        let provider = SimulatedPayments::default();
        let first = provider.charge(request(test_cards::SUCCESS, "k1")).await;
        let again = provider.charge(request(test_cards::SUCCESS, "k1")).await;
        assert_eq!(first, again);
        assert_eq!(provider.charge_count(), 1);
        provider.charge(request(test_cards::SUCCESS, "k2")).await.expect("second checkout");
        assert_eq!(provider.charge_count(), 2);
    }

    #[tokio::test]
    async fn test_cards_decline() {
        let provider = SimulatedPayments::default();
        assert_eq!(provider.charge(request(test_cards::DECLINED, "a")).await, Err(PaymentError::Declined));
        assert_eq!(provider.charge(request(test_cards::INSUFFICIENT_FUNDS, "b")).await, Err(PaymentError::InsufficientFunds));
        assert_eq!(provider.charge_count(), 0);
    }
}
