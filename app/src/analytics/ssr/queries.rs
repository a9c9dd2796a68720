//! The report's figures, each one `GROUP BY` query computed by the
//! database: no order is loaded into memory, only the grouped rows (one
//! per day, product, category, currency or kind of customer). Built with
//! sea-query, so the same code runs on SQLite and PostgreSQL; only the
//! day of a timestamp is spelt differently.
//!
//! A sale is a paid order ([`SALE_STATUSES`]) placed in the period, in the
//! report's currency. Days are UTC days, as the timestamps are stored.
//! Every query logs how long it took at `debug` level
//! (`RUST_LOG=app::analytics=debug`); `bench/analytics.sh` reads those lines.

use crate::analytics::model::{
    CategorySales, CurrencyOrders, Customers, Day, DaySales, Period, ProductSales, Report, Summary, SALE_STATUSES,
    TOP_PRODUCTS,
};
use crate::entity::{category, order, order_item, product, seller, variant};
use crate::money::{Currency, Money};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult};
use std::collections::HashMap;
use std::future::Future;
use std::time::Instant;

/// Whose sales a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every order of the shop; an order's revenue is its total.
    Shop,
    /// The order lines of one seller's products; an order's revenue is the
    /// value of those lines.
    Seller(i32),
}

/// What every query of one report filters on.
#[derive(Debug, Clone, Copy)]
struct Sales {
    scope: Scope,
    /// The first moment of the period's first day.
    start: DateTime<Utc>,
    /// The first moment after the period's last day.
    end: DateTime<Utc>,
    currency: Currency,
    backend: DbBackend,
}

/// Midnight UTC at the start of `day`.
fn midnight(day: Day) -> DateTime<Utc> {
    DateTime::from_timestamp(day.unix_days() * 86_400, 0).unwrap_or_default()
}

fn bigint(expr: impl Into<SimpleExpr>) -> SimpleExpr {
    // PostgreSQL sums BIGINT into NUMERIC; both databases read back an
    // integer this way.
    Func::cast_as(Func::sum(expr.into()), Alias::new("BIGINT")).into()
}

/// A line's value: unit price × quantity.
fn line_value() -> SimpleExpr {
    Expr::col((order_item::Entity, order_item::Column::UnitPriceCents))
        .mul(Expr::col((order_item::Entity, order_item::Column::Quantity)))
}

impl Sales {
    /// Paid orders placed in the period (in any currency), with their lines
    /// joined when `lines` or when the report is a seller's; then only the
    /// seller's lines.
    fn placed(&self, lines: bool) -> SelectStatement {
        let mut query = Query::select();
        query
            .from(order::Entity)
            .and_where(Expr::col((order::Entity, order::Column::Status)).is_in(SALE_STATUSES))
            .and_where(Expr::col((order::Entity, order::Column::CreatedAt)).gte(self.start))
            .and_where(Expr::col((order::Entity, order::Column::CreatedAt)).lt(self.end));
        if lines || matches!(self.scope, Scope::Seller(_)) {
            query.inner_join(
                order_item::Entity,
                Expr::col((order_item::Entity, order_item::Column::OrderId)).equals((order::Entity, order::Column::Id)),
            );
        }
        if let Scope::Seller(seller_id) = self.scope {
            query.and_where(Expr::col((order_item::Entity, order_item::Column::VariantId)).in_subquery(seller_variants(seller_id)));
        }
        query
    }

    /// [`Sales::placed`] in the report's currency.
    fn sales(&self, lines: bool) -> SelectStatement {
        let mut query = self.placed(lines);
        query.and_where(Expr::col((order::Entity, order::Column::Currency)).eq(self.currency));
        query
    }

    /// An order's revenue: its total for the shop, the seller's lines for
    /// a seller (see [`Scope`]).
    fn revenue(&self) -> SimpleExpr {
        match self.scope {
            Scope::Shop => bigint(Expr::col((order::Entity, order::Column::TotalCents))),
            Scope::Seller(_) => bigint(line_value()),
        }
    }

    /// Orders counted once each, however many of their lines are joined.
    fn order_count(&self) -> SimpleExpr {
        let id = Expr::col((order::Entity, order::Column::Id));
        match self.scope {
            Scope::Shop => id.count(),
            Scope::Seller(_) => id.count_distinct(),
        }
    }

    /// The UTC day an order was placed, as `YYYY-MM-DD` text.
    fn day(&self) -> SimpleExpr {
        match self.backend {
            DbBackend::Postgres => Expr::cust(r#"to_char("orders"."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"#),
            // SQLite keeps timestamps as RFC 3339 text, which date() reads
            // (converting any offset to UTC).
            _ => Expr::cust(r#"date("orders"."created_at")"#),
        }
    }
}

/// The ids of the variants of `seller_id`'s products.
fn seller_variants(seller_id: i32) -> SelectStatement {
    Query::select()
        .column((variant::Entity, variant::Column::Id))
        .from(variant::Entity)
        .inner_join(
            product::Entity,
            Expr::col((product::Entity, product::Column::Id)).equals((variant::Entity, variant::Column::ProductId)),
        )
        .and_where(Expr::col((product::Entity, product::Column::SellerId)).eq(seller_id))
        .to_owned()
}

async fn rows<R: FromQueryResult>(db: &impl ConnectionTrait, query: &SelectStatement) -> Result<Vec<R>, DbErr> {
    R::find_by_statement(db.get_database_backend().build(query)).all(db).await
}

/// Runs `query`, logging how long it took under `name`.
async fn timed<T>(name: &'static str, query: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
    let started = Instant::now();
    let result = query.await;
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::debug!(query = name, elapsed_us, "analytics query");
    result
}

#[derive(FromQueryResult)]
struct DayRow {
    day: String,
    orders: i64,
    cents: i64,
}

/// Orders and revenue per day, every day of `period` included.
async fn days(db: &impl ConnectionTrait, sales: &Sales, period: Period) -> Result<Vec<DaySales>, DbErr> {
    let mut query = sales.sales(false);
    query
        .expr_as(sales.day(), Alias::new("day"))
        .expr_as(sales.order_count(), Alias::new("orders"))
        .expr_as(sales.revenue(), Alias::new("cents"))
        .add_group_by([sales.day()]);
    let mut found = HashMap::new();
    for row in rows::<DayRow>(db, &query).await? {
        let day = Day::parse(&row.day).map_err(|_| DbErr::Custom(format!("analytics: unreadable day {:?}", row.day)))?;
        found.insert(day, row);
    }
    Ok(period
        .days()
        .map(|day| {
            let (orders, cents) = found.get(&day).map_or((0, 0), |row| (row.orders, row.cents));
            DaySales { day, orders: count(orders), revenue: Money::new(cents, sales.currency) }
        })
        .collect())
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[derive(FromQueryResult)]
struct ProductRow {
    product_id: i32,
    name: String,
    slug: String,
    units: i64,
    cents: i64,
}

/// What products are ranked by.
#[derive(Debug, Clone, Copy)]
enum Rank {
    Revenue,
    Units,
}

/// The [`TOP_PRODUCTS`] products with the most revenue or units.
async fn top_products(db: &impl ConnectionTrait, sales: &Sales, rank: Rank) -> Result<Vec<ProductSales>, DbErr> {
    let (first, second) = match rank {
        Rank::Revenue => ("cents", "units"),
        Rank::Units => ("units", "cents"),
    };
    let mut query = sales.sales(true);
    query
        .inner_join(
            variant::Entity,
            Expr::col((variant::Entity, variant::Column::Id)).equals((order_item::Entity, order_item::Column::VariantId)),
        )
        .inner_join(
            product::Entity,
            Expr::col((product::Entity, product::Column::Id)).equals((variant::Entity, variant::Column::ProductId)),
        )
        .expr_as(Expr::col((product::Entity, product::Column::Id)), Alias::new("product_id"))
        .expr_as(Expr::col((product::Entity, product::Column::Name)), Alias::new("name"))
        .expr_as(Expr::col((product::Entity, product::Column::Slug)), Alias::new("slug"))
        .expr_as(bigint(Expr::col((order_item::Entity, order_item::Column::Quantity))), Alias::new("units"))
        .expr_as(bigint(line_value()), Alias::new("cents"))
        .group_by_col((product::Entity, product::Column::Id))
        .group_by_col((product::Entity, product::Column::Name))
        .group_by_col((product::Entity, product::Column::Slug))
        .order_by(Alias::new(first), Order::Desc)
        .order_by(Alias::new(second), Order::Desc)
        .order_by((product::Entity, product::Column::Id), Order::Asc)
        .limit(TOP_PRODUCTS);
    Ok(rows::<ProductRow>(db, &query)
        .await?
        .into_iter()
        .map(|row| ProductSales {
            product_id: row.product_id,
            name: row.name,
            slug: row.slug,
            units: count(row.units),
            revenue: Money::new(row.cents, sales.currency),
        })
        .collect())
}

#[derive(FromQueryResult)]
struct CategoryRow {
    category_id: i32,
    name: String,
    units: i64,
    cents: i64,
}

/// Units and revenue per category, highest revenue first.
async fn categories(db: &impl ConnectionTrait, sales: &Sales) -> Result<Vec<CategorySales>, DbErr> {
    let mut query = sales.sales(true);
    query
        .inner_join(
            variant::Entity,
            Expr::col((variant::Entity, variant::Column::Id)).equals((order_item::Entity, order_item::Column::VariantId)),
        )
        .inner_join(
            product::Entity,
            Expr::col((product::Entity, product::Column::Id)).equals((variant::Entity, variant::Column::ProductId)),
        )
        .inner_join(
            category::Entity,
            Expr::col((category::Entity, category::Column::Id)).equals((product::Entity, product::Column::CategoryId)),
        )
        .expr_as(Expr::col((category::Entity, category::Column::Id)), Alias::new("category_id"))
        .expr_as(Expr::col((category::Entity, category::Column::Name)), Alias::new("name"))
        .expr_as(bigint(Expr::col((order_item::Entity, order_item::Column::Quantity))), Alias::new("units"))
        .expr_as(bigint(line_value()), Alias::new("cents"))
        .group_by_col((category::Entity, category::Column::Id))
        .group_by_col((category::Entity, category::Column::Name))
        .order_by(Alias::new("cents"), Order::Desc)
        .order_by((category::Entity, category::Column::Id), Order::Asc);
    Ok(rows::<CategoryRow>(db, &query)
        .await?
        .into_iter()
        .map(|row| CategorySales {
            category_id: row.category_id,
            name: row.name,
            units: count(row.units),
            revenue: Money::new(row.cents, sales.currency),
        })
        .collect())
}

#[derive(FromQueryResult)]
struct CustomerRow {
    returned: i32,
    customers: i64,
    cents: i64,
}

/// New and returning customers, and what each group spent. A customer
/// returns when they had a sale (any currency; the seller's lines for a
/// seller) placed before the period began.
async fn customers(db: &impl ConnectionTrait, sales: &Sales) -> Result<Customers, DbErr> {
    let (buyers, prior, prior_lines, marked) = (Alias::new("buyers"), Alias::new("prior"), Alias::new("prior_lines"), Alias::new("marked"));
    let mut spent = sales.sales(false);
    spent
        .expr_as(Expr::col((order::Entity, order::Column::UserId)), Alias::new("user_id"))
        .expr_as(sales.revenue(), Alias::new("cents"))
        .group_by_col((order::Entity, order::Column::UserId));

    let mut earlier = Query::select();
    earlier
        .expr(Expr::val(1))
        .from_as(order::Entity, prior.clone())
        .and_where(Expr::col((prior.clone(), order::Column::UserId)).equals((buyers.clone(), Alias::new("user_id"))))
        .and_where(Expr::col((prior.clone(), order::Column::Status)).is_in(SALE_STATUSES))
        .and_where(Expr::col((prior.clone(), order::Column::CreatedAt)).lt(sales.start));
    if let Scope::Seller(seller_id) = sales.scope {
        earlier
            .join_as(
                sea_orm::JoinType::InnerJoin,
                order_item::Entity,
                prior_lines.clone(),
                Expr::col((prior_lines.clone(), order_item::Column::OrderId)).equals((prior.clone(), order::Column::Id)),
            )
            .and_where(Expr::col((prior_lines, order_item::Column::VariantId)).in_subquery(seller_variants(seller_id)));
    }

    let mut flagged = Query::select();
    flagged
        .expr_as(Expr::col((buyers.clone(), Alias::new("cents"))), Alias::new("cents"))
        .expr_as(Expr::case(Expr::exists(earlier), 1).finally(0), Alias::new("returned"))
        .from_subquery(spent, buyers);

    let mut query = Query::select();
    query
        .expr_as(Expr::col((marked.clone(), Alias::new("returned"))), Alias::new("returned"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("customers"))
        .expr_as(bigint(Expr::col((marked.clone(), Alias::new("cents")))), Alias::new("cents"))
        .from_subquery(flagged, marked.clone())
        .group_by_col((marked, Alias::new("returned")));

    let money = |cents| Money::new(cents, sales.currency);
    let mut found = Customers { new: 0, returning: 0, new_revenue: money(0), returning_revenue: money(0) };
    for row in rows::<CustomerRow>(db, &query).await? {
        if row.returned == 1 {
            (found.returning, found.returning_revenue) = (count(row.customers), money(row.cents));
        } else {
            (found.new, found.new_revenue) = (count(row.customers), money(row.cents));
        }
    }
    Ok(found)
}

#[derive(FromQueryResult)]
struct CurrencyRow {
    currency: Currency,
    orders: i64,
}

/// Sales of the period in currencies other than the report's.
async fn other_currencies(db: &impl ConnectionTrait, sales: &Sales) -> Result<Vec<CurrencyOrders>, DbErr> {
    let mut query = sales.placed(false);
    query
        .and_where(Expr::col((order::Entity, order::Column::Currency)).ne(sales.currency))
        .expr_as(Expr::col((order::Entity, order::Column::Currency)), Alias::new("currency"))
        .expr_as(sales.order_count(), Alias::new("orders"))
        .group_by_col((order::Entity, order::Column::Currency))
        .order_by((order::Entity, order::Column::Currency), Order::Asc);
    Ok(rows::<CurrencyRow>(db, &query)
        .await?
        .into_iter()
        .map(|row| CurrencyOrders { currency: row.currency, orders: count(row.orders) })
        .collect())
}

/// The report of `scope`'s sales in `period`, in `currency`.
pub async fn report(db: &impl ConnectionTrait, scope: Scope, period: Period, currency: Currency) -> Result<Report, DbErr> {
    let sales = Sales {
        scope,
        start: midnight(period.from()),
        end: midnight(period.to()) + chrono::TimeDelta::days(1),
        currency,
        backend: db.get_database_backend(),
    };
    let seller = match scope {
        Scope::Shop => None,
        Scope::Seller(id) => seller::Entity::find_by_id(id).one(db).await?.map(|row| row.name),
    };
    let days = timed("days", days(db, &sales, period)).await?;
    let top_by_revenue = timed("top_by_revenue", top_products(db, &sales, Rank::Revenue)).await?;
    let top_by_units = timed("top_by_units", top_products(db, &sales, Rank::Units)).await?;
    let categories = timed("categories", categories(db, &sales)).await?;
    let customers = timed("customers", customers(db, &sales)).await?;
    let other_currencies = timed("other_currencies", other_currencies(db, &sales)).await?;
    // Every line belongs to a product of one category, so the categories'
    // units are all the units sold.
    let units = categories.iter().map(|c| c.units).sum();
    Ok(Report {
        period,
        currency,
        seller,
        summary: Summary::of(&days, units, currency),
        days,
        top_by_revenue,
        top_by_units,
        categories,
        customers,
        other_currencies,
    })
}
