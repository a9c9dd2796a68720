//! The report's figures, computed by the database in four `GROUP BY`
//! statements (days, products and categories, customers, other
//! currencies): no order is loaded into memory, only the grouped rows (one
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
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, Func, Order, Query, SelectStatement, SimpleExpr, UnionType, WithClause,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, JoinType};
use std::cmp::Reverse;
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

/// `SUM(expr)` as a BIGINT.
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

/// Joins each order's lines.
fn join_lines(query: &mut SelectStatement) {
    query.inner_join(
        order_item::Entity,
        Expr::col((order_item::Entity, order_item::Column::OrderId)).equals((order::Entity, order::Column::Id)),
    );
}

impl Sales {
    /// Paid orders placed in the period, in any currency.
    fn placed(&self) -> SelectStatement {
        Query::select()
            .from(order::Entity)
            .and_where(Expr::col((order::Entity, order::Column::Status)).is_in(SALE_STATUSES))
            .and_where(Expr::col((order::Entity, order::Column::CreatedAt)).gte(self.start))
            .and_where(Expr::col((order::Entity, order::Column::CreatedAt)).lt(self.end))
            .to_owned()
    }

    /// [`Sales::placed`] within the report's scope: for a seller, the
    /// orders' lines of the seller's products, joined through their
    /// variants. (Joined, not `variant_id IN (…)`: SQLite would probe the
    /// line index once per listed variant for every order.)
    fn scoped(&self) -> SelectStatement {
        let mut query = self.placed();
        if let Scope::Seller(seller_id) = self.scope {
            join_lines(&mut query);
            query
                .inner_join(
                    variant::Entity,
                    Expr::col((variant::Entity, variant::Column::Id)).equals((order_item::Entity, order_item::Column::VariantId)),
                )
                .inner_join(
                    product::Entity,
                    Expr::col((product::Entity, product::Column::Id)).equals((variant::Entity, variant::Column::ProductId)),
                )
                .and_where(Expr::col((product::Entity, product::Column::SellerId)).eq(seller_id));
        }
        query
    }

    /// Keeps `query` to the report's currency.
    fn in_currency(&self, query: &mut SelectStatement) {
        query.and_where(Expr::col((order::Entity, order::Column::Currency)).eq(self.currency));
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
    let mut query = sales.scoped();
    sales.in_currency(&mut query);
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
struct LineRow {
    /// Which list the row is in: [`BY_REVENUE`], [`BY_UNITS`] or [`BY_CATEGORY`].
    list: String,
    /// A product's id, or a category's.
    id: i32,
    name: String,
    /// A product's slug; empty for a category.
    slug: String,
    units: i64,
    cents: i64,
}

const BY_REVENUE: &str = "by_revenue";
const BY_UNITS: &str = "by_units";
const BY_CATEGORY: &str = "by_category";

/// The product and category figures, all of the lines' value.
struct LineFigures {
    top_by_revenue: Vec<ProductSales>,
    top_by_units: Vec<ProductSales>,
    categories: Vec<CategorySales>,
}

/// The top products by revenue and by units, and every category's sales,
/// in one statement with a single pass over the period's lines: a common
/// table expression sums the lines per variant (an integer key, read from
/// the covering line index), and the three lists group those few rows by
/// product or category. Both databases compute a CTE used more than once
/// only once. A seller's report keeps only their products' variants.
async fn line_figures(db: &impl ConnectionTrait, sales: &Sales) -> Result<LineFigures, DbErr> {
    let sold = Alias::new("sold");
    let mut per_variant = sales.placed();
    join_lines(&mut per_variant);
    sales.in_currency(&mut per_variant);
    per_variant
        .expr_as(Expr::col((order_item::Entity, order_item::Column::VariantId)), Alias::new("variant_id"))
        .expr_as(bigint(Expr::col((order_item::Entity, order_item::Column::Quantity))), Alias::new("units"))
        .expr_as(bigint(line_value()), Alias::new("cents"))
        .group_by_col((order_item::Entity, order_item::Column::VariantId));
    let with = WithClause::new().cte(CommonTableExpression::new().query(per_variant).table_name(sold.clone()).to_owned()).to_owned();

    // The sold variants' products (only the seller's for a seller), and
    // the sums over them.
    let of_products = |query: &mut SelectStatement| {
        query
            .from(sold.clone())
            .inner_join(
                variant::Entity,
                Expr::col((variant::Entity, variant::Column::Id)).equals((sold.clone(), Alias::new("variant_id"))),
            )
            .inner_join(
                product::Entity,
                Expr::col((product::Entity, product::Column::Id)).equals((variant::Entity, variant::Column::ProductId)),
            )
            .expr_as(bigint(Expr::col((sold.clone(), Alias::new("units")))), Alias::new("units"))
            .expr_as(bigint(Expr::col((sold.clone(), Alias::new("cents")))), Alias::new("cents"));
        if let Scope::Seller(seller_id) = sales.scope {
            query.and_where(Expr::col((product::Entity, product::Column::SellerId)).eq(seller_id));
        }
    };
    // A UNION matches columns by position, and a branch's ORDER BY and
    // LIMIT must stand in a subquery: each branch is wrapped in one that
    // names the columns in order.
    let wrapped = |branch: SelectStatement, alias: &str| {
        Query::select()
            .columns([Alias::new("list"), Alias::new("id"), Alias::new("name"), Alias::new("slug"), Alias::new("units"), Alias::new("cents")])
            .from_subquery(branch, Alias::new(alias))
            .to_owned()
    };
    let top = |list: &'static str, first: &str, second: &str| {
        let mut ranked = Query::select();
        of_products(&mut ranked);
        ranked
            .expr_as(Expr::val(list), Alias::new("list"))
            .expr_as(Expr::col((product::Entity, product::Column::Id)), Alias::new("id"))
            .expr_as(Expr::col((product::Entity, product::Column::Name)), Alias::new("name"))
            .expr_as(Expr::col((product::Entity, product::Column::Slug)), Alias::new("slug"))
            .group_by_col((product::Entity, product::Column::Id))
            .group_by_col((product::Entity, product::Column::Name))
            .group_by_col((product::Entity, product::Column::Slug))
            .order_by(Alias::new(first), Order::Desc)
            .order_by(Alias::new(second), Order::Desc)
            .order_by((product::Entity, product::Column::Id), Order::Asc)
            .limit(TOP_PRODUCTS);
        wrapped(ranked, list)
    };
    let mut per_category = Query::select();
    of_products(&mut per_category);
    per_category
        .inner_join(
            category::Entity,
            Expr::col((category::Entity, category::Column::Id)).equals((product::Entity, product::Column::CategoryId)),
        )
        .expr_as(Expr::val(BY_CATEGORY), Alias::new("list"))
        .expr_as(Expr::col((category::Entity, category::Column::Id)), Alias::new("id"))
        .expr_as(Expr::col((category::Entity, category::Column::Name)), Alias::new("name"))
        .expr_as(Expr::val(""), Alias::new("slug"))
        .group_by_col((category::Entity, category::Column::Id))
        .group_by_col((category::Entity, category::Column::Name));
    let mut lists = top(BY_REVENUE, "cents", "units");
    lists.union(UnionType::All, top(BY_UNITS, "units", "cents")).union(UnionType::All, wrapped(per_category, BY_CATEGORY));
    let query = lists.with(with);

    let mut figures = LineFigures { top_by_revenue: Vec::new(), top_by_units: Vec::new(), categories: Vec::new() };
    let money = |cents| Money::new(cents, sales.currency);
    let rows = LineRow::find_by_statement(db.get_database_backend().build(&query)).all(db).await?;
    for row in rows {
        let product = |row: LineRow| ProductSales {
            product_id: row.id,
            name: row.name,
            slug: row.slug,
            units: count(row.units),
            revenue: money(row.cents),
        };
        match row.list.as_str() {
            BY_REVENUE => figures.top_by_revenue.push(product(row)),
            BY_UNITS => figures.top_by_units.push(product(row)),
            _ => figures.categories.push(CategorySales {
                category_id: row.id,
                name: row.name,
                units: count(row.units),
                revenue: money(row.cents),
            }),
        }
    }
    // A UNION keeps no order: each list is sorted again as its query
    // ranked it.
    figures.top_by_revenue.sort_by_key(|p| (Reverse(p.revenue.cents), Reverse(p.units), p.product_id));
    figures.top_by_units.sort_by_key(|p| (Reverse(p.units), Reverse(p.revenue.cents), p.product_id));
    figures.categories.sort_by_key(|c| (Reverse(c.revenue.cents), c.category_id));
    Ok(figures)
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
    let (buyers, prior, marked) = (Alias::new("buyers"), Alias::new("prior"), Alias::new("marked"));
    let (prior_lines, prior_variants, prior_products) =
        (Alias::new("prior_lines"), Alias::new("prior_variants"), Alias::new("prior_products"));
    let mut spent = sales.scoped();
    sales.in_currency(&mut spent);
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
                JoinType::InnerJoin,
                order_item::Entity,
                prior_lines.clone(),
                Expr::col((prior_lines.clone(), order_item::Column::OrderId)).equals((prior.clone(), order::Column::Id)),
            )
            .join_as(
                JoinType::InnerJoin,
                variant::Entity,
                prior_variants.clone(),
                Expr::col((prior_variants.clone(), variant::Column::Id)).equals((prior_lines, order_item::Column::VariantId)),
            )
            .join_as(
                JoinType::InnerJoin,
                product::Entity,
                prior_products.clone(),
                Expr::col((prior_products.clone(), product::Column::Id)).equals((prior_variants, variant::Column::ProductId)),
            )
            .and_where(Expr::col((prior_products, product::Column::SellerId)).eq(seller_id));
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
    let mut query = sales.scoped();
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
    let LineFigures { top_by_revenue, top_by_units, categories } = timed("products_and_categories", line_figures(db, &sales)).await?;
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
