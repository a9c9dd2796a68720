//! The desk's reads, computed by the database: a filtered, sorted window of
//! orders (the client never loads them all), counts per status, one order
//! with its audit log, and the KPI figures.

use crate::auth::CurrentUser;
use crate::admin::model::{AdminOrder, AuditEntry, KpiPeriod, Kpis, OrderEdit, OrderPage, OrderQuery, OrderSort, SortDir, StatusCount};
use crate::entity::{order, order_audit, user};
use crate::error::AppError;
use crate::live::ssr::catch_up::head;
use crate::live::topic::Topic;
use crate::money::Money;
use crate::orders::change::{admin_row, timestamp, update, Actor, Change, ChangeError, Services};
use crate::orders::status::OrderStatus;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, JoinType, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait, Select, Statement,
};
use std::collections::HashMap;

fn day(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest(format!("`{field}` must be a date written YYYY-MM-DD, not \"{value}\".")))
}

fn start_of(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// `%`, `_` and `\` match themselves.
fn like_pattern(text: &str) -> String {
    let escaped: String = text.to_lowercase().chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

fn lower_like(column: user::Column, pattern: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col((user::Entity, column)))).like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))
}

/// Orders joined to their customer, filtered by everything in `query` but
/// the status when `with_status` is false. Shared by the table, its counts
/// and the CSV export, so all three select the same orders.
pub fn filtered(query: &OrderQuery, with_status: bool) -> Result<Select<order::Entity>, AppError> {
    let mut select = order::Entity::find().join(JoinType::InnerJoin, order::Relation::User.def());
    if let Some(text) = &query.q {
        let pattern = like_pattern(text);
        let mut any = Condition::any().add(lower_like(user::Column::Name, &pattern)).add(lower_like(user::Column::Email, &pattern));
        if let Ok(number) = text.trim_start_matches('#').parse::<i32>() {
            any = any.add(order::Column::Id.eq(number));
        }
        select = select.filter(any);
    }
    if with_status {
        if let Some(status) = query.status {
            select = select.filter(order::Column::Status.eq(status));
        }
    }
    if let Some(from) = &query.from {
        select = select.filter(order::Column::CreatedAt.gte(start_of(day("from", from)?)));
    }
    if let Some(to) = &query.to {
        select = select.filter(order::Column::CreatedAt.lt(start_of(day("to", to)?) + Duration::days(1)));
    }
    Ok(select)
}

/// The window `query.offset .. + query.limit` of the orders `query`
/// selects, and how many it selects in all.
pub async fn list(db: &impl ConnectionTrait, query: OrderQuery) -> Result<OrderPage, AppError> {
    let query = query.normalized();
    // Read first: an order changed after it reaches the client as an event.
    let seq = head(db, &Topic::Orders.to_string()).await?;
    let select = filtered(&query, true)?;
    let total = select.clone().count(db).await?;
    let order = match query.dir {
        SortDir::Asc => Order::Asc,
        SortDir::Desc => Order::Desc,
    };
    let column = match query.sort {
        OrderSort::Updated => order::Column::UpdatedAt,
        OrderSort::Created => order::Column::CreatedAt,
        OrderSort::Total => order::Column::TotalCents,
        OrderSort::Status => order::Column::Status,
    };
    // The id breaks ties, so windows never overlap or skip a row.
    let rows = select
        .order_by(column, order.clone())
        .order_by(order::Column::Id, order)
        .offset(u64::from(query.offset))
        .limit(u64::from(query.limit))
        .select_also(user::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(order, customer)| customer.map(|c| admin_row(&order, &c)))
        .collect();
    Ok(OrderPage { total, seq, rows })
}

#[derive(FromQueryResult)]
struct StatusRow {
    status: OrderStatus,
    count: i64,
}

/// How many orders match `query`'s filters other than status, per status
/// (every status listed, zeros included).
pub async fn counts(db: &impl ConnectionTrait, query: OrderQuery) -> Result<Vec<StatusCount>, AppError> {
    let query = query.normalized();
    let rows: HashMap<OrderStatus, i64> = filtered(&query, false)?
        .select_only()
        .column(order::Column::Status)
        .column_as(order::Column::Id.count(), "count")
        .group_by(order::Column::Status)
        .into_model::<StatusRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.status, row.count))
        .collect();
    Ok(OrderStatus::ALL
        .into_iter()
        .map(|status| StatusCount { status, count: u64::try_from(rows.get(&status).copied().unwrap_or(0)).unwrap_or(0) })
        .collect())
}

/// Order `id` with its notes and audit log, newest change first.
pub async fn detail(db: &impl ConnectionTrait, id: i32) -> Result<AdminOrder, AppError> {
    let (row, customer) = order::Entity::find_by_id(id)
        .find_also_related(user::Entity)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Order".into()))?;
    let customer = customer.ok_or(AppError::Internal)?;
    let entries = order_audit::Entity::find()
        .filter(order_audit::Column::OrderId.eq(id))
        .order_by_desc(order_audit::Column::Id)
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    let audit = entries
        .into_iter()
        .map(|(entry, actor)| AuditEntry {
            actor: actor.map(|a| a.name).or(entry.actor_name),
            at: timestamp(entry.changed_at),
            field: entry.field,
            old_value: entry.old_value,
            new_value: entry.new_value,
        })
        .collect();
    Ok(AdminOrder { row: admin_row(&row, &customer), notes: row.notes, audit })
}

/// Saves `admin`'s `edit` of order `id`. An edit from an old version is
/// refused with the order as it is now ([`AppError::OrderChanged`]); a
/// transition the lifecycle forbids is a validation error on `status`.
pub async fn save(services: Services<'_>, admin: &CurrentUser, id: i32, edit: OrderEdit) -> Result<AdminOrder, AppError> {
    let change = Change { status: edit.status, tracking_number: edit.tracking_number, notes: edit.notes, insist: false, leap: false };
    match update(services, id, Some(edit.version), &change, Actor::User(admin), |_| true).await {
        Ok(_) => detail(services.db, id).await,
        Err(ChangeError::Stale(_)) => Err(AppError::OrderChanged { current: Box::new(detail(services.db, id).await?) }),
        Err(err) => Err(err.into()),
    }
}

/// When `period` began, seen at `now`; `None` for all time.
fn since(period: KpiPeriod, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match period {
        KpiPeriod::Today => Some(start_of(now.date_naive())),
        KpiPeriod::Week => Some(now - Duration::days(7)),
        KpiPeriod::Month => Some(now - Duration::days(30)),
        KpiPeriod::All => None,
    }
}

#[derive(FromQueryResult)]
struct RevenueRow {
    currency: crate::money::Currency,
    cents: i64,
}

#[derive(FromQueryResult)]
struct AverageRow {
    seconds: Option<f64>,
}

/// The KPI figures for orders placed in `period` (delivery time: orders
/// delivered in it), as of `now`.
pub async fn kpis(db: &impl ConnectionTrait, period: KpiPeriod, now: DateTime<Utc>) -> Result<Kpis, AppError> {
    let since = since(period, now);
    let placed = || {
        let select = order::Entity::find();
        match since {
            Some(since) => select.filter(order::Column::CreatedAt.gte(since)),
            None => select,
        }
    };
    let total_orders = placed().count(db).await?;
    let active_shipments =
        placed().filter(order::Column::Status.is_in([OrderStatus::Confirmed, OrderStatus::Shipped])).count(db).await?;
    let revenue = placed()
        .filter(order::Column::Status.is_in([OrderStatus::Confirmed, OrderStatus::Shipped, OrderStatus::Delivered]))
        .select_only()
        .column(order::Column::Currency)
        .column_as(Expr::expr(Func::coalesce([Expr::col(order::Column::TotalCents).sum(), Expr::val(0i64).into()])).cast_as(sea_orm::sea_query::Alias::new("BIGINT")), "cents")
        .group_by(order::Column::Currency)
        .into_model::<RevenueRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|row| Money::new(row.cents, row.currency))
        .collect();
    // Subtracting timestamps is the one thing the two databases spell
    // differently.
    let backend = db.get_database_backend();
    let seconds = match backend {
        DbBackend::Postgres => "EXTRACT(EPOCH FROM (delivered_at - shipped_at))::float8",
        _ => "(julianday(delivered_at) - julianday(shipped_at)) * 86400.0",
    };
    let mut sql = format!("SELECT AVG({seconds}) AS seconds FROM orders WHERE delivered_at IS NOT NULL AND shipped_at IS NOT NULL");
    let mut values = Vec::new();
    if let Some(since) = since {
        sql.push_str(if backend == DbBackend::Postgres { " AND delivered_at >= $1" } else { " AND delivered_at >= ?" });
        values.push(since.into());
    }
    let average = AverageRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).one(db).await?;
    // Whole seconds are plenty for "2 d 4 h".
    #[expect(clippy::cast_possible_truncation, reason = "an average of durations in seconds fits an i64")]
    let average_delivery_secs = average.and_then(|row| row.seconds).map(|secs| secs.round() as i64);
    Ok(Kpis { total_orders, active_shipments, revenue, average_delivery_secs })
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn search_text_matches_itself_only() {
        assert_eq!(like_pattern("Ann"), "%ann%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
