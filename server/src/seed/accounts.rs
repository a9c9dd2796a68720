//! Demo accounts: an admin, two sellers (each managing one of the demo
//! shops) and a customer, with well-known passwords that the server prints
//! when it creates them. For trying the shop out; never for production.

use app::account::ssr::auth::create_user;
use app::account::ssr::password::HashingLimit;
use app::account::validate::{Email, Password, PersonName};
use app::auth::Role;
use app::entity::{seller, user};
use app::error::AppError;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

/// A demo account's sign-in details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLogin {
    pub email: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub role: Role,
    /// Slug of the seller a seller account manages.
    pub seller_slug: Option<&'static str>,
}

/// Every demo account.
pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin {
        email: "admin@bazaar.test",
        password: "bazaar-demo-overseer",
        name: "Ada Admin",
        role: Role::Admin,
        seller_slug: None,
    },
    DemoLogin {
        email: "seller1@bazaar.test",
        password: "bazaar-demo-northwind",
        name: "Nora Northwind",
        role: Role::Seller,
        seller_slug: Some("northwind-goods"),
    },
    DemoLogin {
        email: "seller2@bazaar.test",
        password: "bazaar-demo-harbor",
        name: "Hal Harbor",
        role: Role::Seller,
        seller_slug: Some("harbor-pine"),
    },
    DemoLogin {
        email: "customer@bazaar.test",
        password: "bazaar-demo-shopper",
        name: "Casey Customer",
        role: Role::Customer,
        seller_slug: None,
    },
];

fn seed_error(login: &DemoLogin, err: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("demo account {}: {err}", login.email))
}

/// Creates the demo accounts if there are no users at all, and returns the
/// logins it created (none when users already existed). All or nothing, in
/// one transaction.
pub async fn seed_demo_accounts(db: &DatabaseConnection) -> Result<Vec<DemoLogin>, DbErr> {
    if user::Entity::find().one(db).await?.is_some() {
        return Ok(Vec::new());
    }
    // Start-up hashes a handful of passwords before any request arrives.
    let hashing = HashingLimit::per_core(std::time::Duration::from_secs(60));
    let txn = db.begin().await?;
    for login in &DEMO_LOGINS {
        let seller_id = match login.seller_slug {
            Some(slug) => Some(
                seller::Entity::find()
                    .filter(seller::Column::Slug.eq(slug))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| seed_error(login, format!("no seller {slug}")))?
                    .id,
            ),
            None => None,
        };
        let email = Email::parse(login.email).map_err(|e| seed_error(login, e))?;
        let password = Password::parse(login.password, &email).map_err(|e| seed_error(login, e))?;
        let name = PersonName::parse(login.name).map_err(|e| seed_error(login, e))?;
        match create_user(&txn, &hashing, &email, password, &name, login.role, seller_id).await {
            Ok(_) => {}
            // Another instance starting at the same moment seeded them first.
            Err(AppError::Validation { .. }) => {
                txn.rollback().await?;
                return Ok(Vec::new());
            }
            Err(err) => return Err(seed_error(login, err)),
        }
    }
    txn.commit().await?;
    tracing::info!(accounts = DEMO_LOGINS.len(), "seeded demo accounts");
    Ok(DEMO_LOGINS.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_logins_pass_the_account_rules() {
        for login in DEMO_LOGINS {
            let email = Email::parse(login.email).expect("valid demo email");
            assert_eq!(email.as_str(), login.email, "demo emails are stored as written");
            assert!(Password::parse(login.password, &email).is_ok(), "{} has a weak demo password", login.email);
            assert_eq!(login.seller_slug.is_some(), login.role == Role::Seller);
        }
    }
}
