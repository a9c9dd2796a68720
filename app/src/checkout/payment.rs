//! Taking payment. Checkout talks to a [`PaymentProvider`]; the shop ships
//! a simulated one (test cards in docs/payments.md). A real provider
//! (Stripe, Adyen…) implements the same trait and is chosen by
//! configuration; the idempotency key passed with each charge is what such
//! providers use to never charge twice for one checkout.

use super::card::test_cards;
use crate::entity::payment_charge;
use crate::money::Money;
use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, SqlErr};
use std::fmt::{self, Debug};
use std::time::Duration;

/// One charge to make.
#[derive(Clone)]
pub struct ChargeRequest {
    pub amount: Money,
    /// Digits only, already Luhn-checked.
    pub card_number: String,
    /// The same key always yields the same charge, as long as it is paid.
    pub idempotency_key: String,
}

impl Debug for ChargeRequest {
    /// Never prints the card number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChargeRequest")
            .field("amount", &self.amount)
            .field("card", &super::card::masked(&self.card_number))
            .field("idempotency_key", &self.idempotency_key)
            .finish()
    }
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
    /// The key already paid for a different amount (Stripe's rule: a key
    /// belongs to one request).
    #[error("This payment was already made for a different amount.")]
    KeyReused,
    /// A refund named a charge the provider never made.
    #[error("No charge has the reference {0}.")]
    UnknownCharge(String),
    #[error("The payment service is unavailable: {0}")]
    Unavailable(String),
}

/// A payment service.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync + Debug {
    /// Charges the card; charging again with the same idempotency key
    /// returns the first receipt without charging again, unless that
    /// charge was refunded: then it is a new charge with a new reference.
    async fn charge(&self, request: ChargeRequest) -> Result<Receipt, PaymentError>;
    /// Returns the money of a charge (a cancelled order, or a charge whose
    /// order could not be saved). Refunding twice is harmless.
    async fn refund(&self, reference: &str) -> Result<(), PaymentError>;
    /// The paid charge made for `idempotency_key`, if there is one: how a
    /// checkout that never heard the answer to its charge (a timeout, a
    /// crash) learns whether the card was charged.
    async fn find(&self, idempotency_key: &str) -> Result<Option<Receipt>, PaymentError>;
}

const PAID: &str = "paid";
const REFUNDED: &str = "refunded";

/// Inserts lost to a concurrent charge of the same key (or, once in 2⁹⁶,
/// to a reference already taken) before giving up.
const INSERT_ATTEMPTS: usize = 3;

/// The built-in simulated provider: decides by test card number and keeps
/// its charges in the `payment_charges` table, so references stay unique
/// across restarts and across servers sharing the database.
///
/// It writes outside the caller's transactions, as a real provider would
/// (checkout charges between its two transactions, holding none).
#[derive(Debug, Clone)]
pub struct SimulatedPayments {
    db: DatabaseConnection,
    /// How long each charge's answer takes to come back.
    latency: Duration,
}

impl SimulatedPayments {
    /// A provider keeping its charges in `db`, answering at once.
    pub fn new(db: DatabaseConnection) -> Self {
        SimulatedPayments { db, latency: Duration::ZERO }
    }

    /// Answers each charge `latency` after deciding it, as a real provider
    /// across the internet does (100–500 ms): for benchmarks, and for tests
    /// that stop the shop while a charge's answer is on its way.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Charges `request`'s key once: the paid charge it already has, or a
    /// new one.
    async fn charge_once(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        // Most keys are charged once: the first attempt is tried without
        // looking, and the unique (key, attempt) index says when it was
        // made before.
        let mut attempt = 1;
        for _ in 0..INSERT_ATTEMPTS {
            match self.record(request, attempt).await {
                Ok(reference) => return Ok(Receipt { reference }),
                // This key was charged (or this reference taken), maybe
                // just now: look.
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
                Err(err) => return Err(unavailable(err)),
            }
            attempt = match self.latest(&request.idempotency_key).await.map_err(unavailable)? {
                Some(paid) if paid.status == PAID => {
                    let same_amount =
                        paid.amount_cents == request.amount.cents && paid.currency == request.amount.currency;
                    return if same_amount { Ok(Receipt { reference: paid.reference }) } else { Err(PaymentError::KeyReused) };
                }
                // Refunded: that money went back, so this is a new charge.
                Some(refunded) => refunded.attempt + 1,
                None => 1,
            };
        }
        Err(PaymentError::Unavailable("the charge kept colliding with concurrent charges".into()))
    }

    async fn latest(&self, key: &str) -> Result<Option<payment_charge::Model>, DbErr> {
        payment_charge::Entity::find()
            .filter(payment_charge::Column::IdempotencyKey.eq(key))
            .order_by_desc(payment_charge::Column::Attempt)
            .one(&self.db)
            .await
    }

    /// Records a paid charge of `request`; returns its reference.
    async fn record(&self, request: &ChargeRequest, attempt: i32) -> Result<String, DbErr> {
        let reference = new_reference();
        let charge = payment_charge::ActiveModel {
            id: NotSet,
            reference: Set(reference.clone()),
            idempotency_key: Set(request.idempotency_key.clone()),
            attempt: Set(attempt),
            amount_cents: Set(request.amount.cents),
            currency: Set(request.amount.currency),
            card_last4: Set(super::card::last4(&request.card_number).into()),
            status: Set(PAID.into()),
            created_at: Set(Utc::now()),
            refunded_at: Set(None),
        };
        // The ledger shares the shop's database here: in its writers' queue.
        let _turn = crate::db::write_turn(&self.db).await?;
        payment_charge::Entity::insert(charge).exec_without_returning(&self.db).await?;
        Ok(reference)
    }
}

/// `sim_ch_` and 96 random bits, like a real provider's opaque ids: no
/// counter to restart, nothing shared between servers to coordinate.
fn new_reference() -> String {
    use rand::Rng;
    let bytes: [u8; 12] = rand::thread_rng().gen();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sim_ch_{hex}")
}

fn unavailable(err: DbErr) -> PaymentError {
    tracing::error!(error = %err, "simulated payments: database");
    PaymentError::Unavailable("the payment ledger could not be reached".into())
}

#[async_trait::async_trait]
impl PaymentProvider for SimulatedPayments {
    async fn charge(&self, request: ChargeRequest) -> Result<Receipt, PaymentError> {
        let outcome = match request.card_number.as_str() {
            test_cards::DECLINED => Err(PaymentError::Declined),
            test_cards::INSUFFICIENT_FUNDS => Err(PaymentError::InsufficientFunds),
            test_cards::UNREACHABLE => return Err(PaymentError::Unavailable("the payment service did not answer".into())),
            _ => self.charge_once(&request).await,
        };
        if request.card_number == test_cards::ANSWER_LOST && outcome.is_ok() {
            return Err(PaymentError::Unavailable("the payment service's answer was lost".into()));
        }
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        outcome
    }

    async fn refund(&self, reference: &str) -> Result<(), PaymentError> {
        let refunded = payment_charge::Entity::update_many()
            .col_expr(payment_charge::Column::Status, Expr::value(REFUNDED))
            .col_expr(payment_charge::Column::RefundedAt, Expr::value(Utc::now()))
            .filter(payment_charge::Column::Reference.eq(reference))
            .filter(payment_charge::Column::Status.eq(PAID))
            .exec(&self.db)
            .await
            .map_err(unavailable)?
            .rows_affected;
        if refunded == 0 {
            let known = payment_charge::Entity::find()
                .filter(payment_charge::Column::Reference.eq(reference))
                .one(&self.db)
                .await
                .map_err(unavailable)?;
            if known.is_none() {
                return Err(PaymentError::UnknownCharge(reference.into()));
            }
        }
        tracing::info!(reference, "simulated refund");
        Ok(())
    }

    async fn find(&self, idempotency_key: &str) -> Result<Option<Receipt>, PaymentError> {
        let latest = self.latest(idempotency_key).await.map_err(unavailable)?;
        Ok(latest.filter(|charge| charge.status == PAID).map(|charge| Receipt { reference: charge.reference }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use sea_orm::{ConnectionTrait, Database, Schema};

    async fn ledger() -> DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.expect("in-memory SQLite");
        let schema = Schema::new(db.get_database_backend());
        db.execute(db.get_database_backend().build(&schema.create_table_from_entity(payment_charge::Entity)))
            .await
            .expect("payment_charges table");
        // The migration's unique index, which tells the ledger a key's
        // attempt was charged already.
        db.execute_unprepared("CREATE UNIQUE INDEX uq_payment_charges_key_attempt ON payment_charges (idempotency_key, attempt)")
            .await
            .expect("key and attempt index");
        db
    }

    fn request(card: &str, key: &str) -> ChargeRequest {
        ChargeRequest { amount: Money::new(1999, Currency::Usd), card_number: card.into(), idempotency_key: key.into() }
    }

    async fn charge_count(db: &DatabaseConnection) -> usize {
        payment_charge::Entity::find().all(db).await.expect("charges").len()
    }

    #[tokio::test]
    async fn same_key_charges_once() {
        let db = ledger().await;
        let provider = SimulatedPayments::new(db.clone());
        let first = provider.charge(request(test_cards::SUCCESS, "k1")).await;
        let again = provider.charge(request(test_cards::SUCCESS, "k1")).await;
        assert_eq!(first, again);
        assert_eq!(charge_count(&db).await, 1);
        provider.charge(request(test_cards::SUCCESS, "k2")).await.expect("second checkout");
        assert_eq!(charge_count(&db).await, 2);
    }

    #[tokio::test]
    async fn test_cards_decline() {
        let db = ledger().await;
        let provider = SimulatedPayments::new(db.clone());
        assert_eq!(provider.charge(request(test_cards::DECLINED, "a")).await, Err(PaymentError::Declined));
        assert_eq!(provider.charge(request(test_cards::INSUFFICIENT_FUNDS, "b")).await, Err(PaymentError::InsufficientFunds));
        assert_eq!(charge_count(&db).await, 0);
    }

    #[tokio::test]
    async fn find_tells_whether_a_key_was_charged() {
        let db = ledger().await;
        let provider = SimulatedPayments::new(db.clone());
        assert!(matches!(provider.charge(request(test_cards::UNREACHABLE, "u")).await, Err(PaymentError::Unavailable(_))));
        assert_eq!(provider.find("u").await, Ok(None), "an unreachable provider charged nothing");
        assert!(matches!(provider.charge(request(test_cards::ANSWER_LOST, "l")).await, Err(PaymentError::Unavailable(_))));
        let found = provider.find("l").await.expect("found").expect("the lost answer's charge was made");
        assert_eq!(provider.charge(request(test_cards::SUCCESS, "l")).await, Ok(found.clone()), "charging the key again hands it back");
        provider.refund(&found.reference).await.expect("refunded");
        assert_eq!(provider.find("l").await, Ok(None), "a refunded charge is not a payment");
    }

    #[tokio::test]
    async fn a_key_belongs_to_one_amount() {
        let provider = SimulatedPayments::new(ledger().await);
        provider.charge(request(test_cards::SUCCESS, "k")).await.expect("paid");
        let other = ChargeRequest { amount: Money::new(2999, Currency::Usd), ..request(test_cards::SUCCESS, "k") };
        assert_eq!(provider.charge(other).await, Err(PaymentError::KeyReused));
    }

    #[tokio::test]
    async fn a_refunded_charge_is_never_handed_back_as_paid() {
        let db = ledger().await;
        let provider = SimulatedPayments::new(db.clone());
        let first = provider.charge(request(test_cards::SUCCESS, "k")).await.expect("paid");
        provider.refund(&first.reference).await.expect("refunded");
        provider.refund(&first.reference).await.expect("refunding twice is harmless");
        let retried = provider.charge(request(test_cards::SUCCESS, "k")).await.expect("charged again");
        assert_ne!(retried, first, "a retried key gets a new, paid charge");
        assert_eq!(provider.charge(request(test_cards::SUCCESS, "k")).await, Ok(retried), "and keeps it");
        assert_eq!(charge_count(&db).await, 2);
    }

    #[tokio::test]
    async fn references_stay_unique_across_instances_and_restarts() {
        let db = ledger().await;
        let mut references = std::collections::HashSet::new();
        // Two servers sharing the database, then a restart of each.
        for generation in 0..2 {
            for server in 0..2 {
                let provider = SimulatedPayments::new(db.clone());
                for n in 0..3 {
                    let key = format!("g{generation}-s{server}-{n}");
                    let receipt = provider.charge(request(test_cards::SUCCESS, &key)).await.expect("paid");
                    assert!(references.insert(receipt.reference.clone()), "reference reused: {}", receipt.reference);
                }
            }
        }
        assert_eq!(references.len(), 12);
    }

    #[tokio::test]
    async fn refunding_an_unknown_charge_is_an_error() {
        let provider = SimulatedPayments::new(ledger().await);
        assert_eq!(provider.refund("sim_ch_nope").await, Err(PaymentError::UnknownCharge("sim_ch_nope".into())));
    }

    #[test]
    fn debug_hides_the_card_number() {
        let printed = format!("{:?}", request(test_cards::SUCCESS, "k"));
        assert!(!printed.contains(test_cards::SUCCESS), "{printed}");
    }
}
