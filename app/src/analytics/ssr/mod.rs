//! The reports' server side: the period a request asks for, as of today,
//! and the queries that compute the figures.

pub mod queries;

use super::model::{Day, Period, PeriodError};
use chrono::{DateTime, Utc};

/// The UTC day of `now`.
pub fn today(now: DateTime<Utc>) -> Day {
    // A clock reading lies well inside years 1 to 9999, where every day exists.
    Day::from_unix_days(now.timestamp().div_euclid(86_400)).unwrap_or(Day::EPOCH)
}

/// The period a request asks for (see [`Period::resolve`]), seen at `now`.
pub fn period(from: Option<&str>, to: Option<&str>, days: Option<u32>, now: DateTime<Utc>) -> Result<Period, PeriodError> {
    Period::resolve(from, to, days, today(now))
}
