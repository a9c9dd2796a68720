//! The wire types of `/admin/analytics` and `/seller/analytics`, shared by
//! the server and the browser: the calendar [`Day`], the [`Period`] a
//! report covers (parsed and validated the same way on both sides), and
//! the [`Report`] itself. Every figure is computed by the database (see
//! `analytics::ssr::queries`); money is integer cents.

use crate::error::AppError;
use crate::money::{Currency, Money};
use crate::orders::status::OrderStatus;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The statuses of an order that counts as a sale: paid and not
/// cancelled. A pending order's payment has not been captured and a
/// cancelled one was refunded, so neither is revenue. An order counts on
/// the day it was placed, so a past day's figures drop when one of its
/// orders is cancelled later.
pub const SALE_STATUSES: [OrderStatus; 3] = [OrderStatus::Confirmed, OrderStatus::Shipped, OrderStatus::Delivered];

/// How many products each "top products" list holds.
pub const TOP_PRODUCTS: u64 = 10;

/// A calendar day in UTC, written `YYYY-MM-DD` on the wire and in URLs.
/// Kept as the number of days since 1970-01-01, so that periods can be
/// counted and stepped through without a date library in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

/// Why a day could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Write the date as YYYY-MM-DD, e.g. 2026-12-03.")]
pub struct DayError;

/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
const EPOCH_SHIFT: i64 = 719_468;
const DAYS_PER_ERA: i64 = 146_097;

impl Day {
    /// 1970-01-01.
    pub const EPOCH: Day = Day(0);

    /// The day `year-month-day`, if it exists in years 1 to 9999.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // Howard Hinnant's `days_from_civil`: years start in March, so the
        // leap day is the last of the year.
        let (month, day) = (i64::from(month), i64::from(day));
        let year = i64::from(year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        i32::try_from(era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT).ok().map(Day)
    }

    /// The day `days` days after 1970-01-01 (before it when negative), if
    /// it lies in years 1 to 9999.
    pub fn from_unix_days(days: i64) -> Option<Day> {
        let day = Day(i32::try_from(days).ok()?);
        let (year, _, _) = day.ymd();
        (1..=9999).contains(&year).then_some(day)
    }

    /// Days since 1970-01-01.
    pub fn unix_days(self) -> i64 {
        i64::from(self.0)
    }

    /// Year, month (1–12) and day of the month (1–31).
    pub fn ymd(self) -> (i32, u32, u32) {
        // Hinnant's `civil_from_days`, the inverse of `from_ymd`.
        let days = i64::from(self.0) + EPOCH_SHIFT;
        let era = days.div_euclid(DAYS_PER_ERA);
        let day_of_era = days - era * DAYS_PER_ERA;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        // In range by construction: a `Day` lies in years 1 to 9999.
        (i32::try_from(year).unwrap_or_default(), u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
    }

    /// The day `days` later (earlier when negative), if it lies in years 1
    /// to 9999.
    pub fn add_days(self, days: i64) -> Option<Day> {
        Day::from_unix_days(self.unix_days() + days)
    }

    /// Reads `YYYY-MM-DD` (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Day, DayError> {
        let text = text.trim();
        let bytes = text.as_bytes();
        if !text.is_ascii() || bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(DayError);
        }
        let number = |range: std::ops::Range<usize>| {
            let part = &text[range];
            if part.bytes().all(|b| b.is_ascii_digit()) { part.parse::<u32>().ok() } else { None }
        };
        match (number(0..4), number(5..7), number(8..10)) {
            (Some(year), Some(month), Some(day)) => {
                Day::from_ymd(i32::try_from(year).map_err(|_| DayError)?, month, day).ok_or(DayError)
            }
            _ => Err(DayError),
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl std::str::FromStr for Day {
    type Err = DayError;

    fn from_str(text: &str) -> Result<Day, DayError> {
        Day::parse(text)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Day, D::Error> {
        let text = String::deserialize(deserializer)?;
        Day::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The days a report covers, `from` to `to` inclusive: at least one day
/// and at most [`Period::MAX_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPeriod")]
pub struct Period {
    from: Day,
    to: Day,
}

/// A period as it arrives, before it is checked.
#[derive(Deserialize)]
struct RawPeriod {
    from: Day,
    to: Day,
}

impl TryFrom<RawPeriod> for Period {
    type Error = PeriodError;

    fn try_from(raw: RawPeriod) -> Result<Period, PeriodError> {
        Period::new(raw.from, raw.to)
    }
}

/// Why a period was refused; each names the field to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("The start date must be on or before the end date.")]
    Reversed,
    #[error("A period can be at most {} days long; choose a later start date.", Period::MAX_DAYS)]
    TooLong,
    #[error("Choose between 1 and {} days.", Period::MAX_DAYS)]
    DaysOutOfRange,
    #[error("Give either a number of days or dates, not both.")]
    DaysAndDates,
    #[error("The {0} date: write it as YYYY-MM-DD, e.g. 2026-12-03.")]
    Malformed(&'static str),
}

impl PeriodError {
    /// The form field (and API argument) the error belongs to.
    pub fn field(self) -> &'static str {
        match self {
            PeriodError::Reversed | PeriodError::TooLong => "from",
            PeriodError::DaysOutOfRange | PeriodError::DaysAndDates => "days",
            PeriodError::Malformed(field) => field,
        }
    }
}

impl From<PeriodError> for AppError {
    fn from(err: PeriodError) -> AppError {
        AppError::Validation { field: err.field().to_string(), message: err.to_string() }
    }
}

impl Period {
    /// The longest period a report covers: a leap year.
    pub const MAX_DAYS: u32 = 366;

    /// The period a report covers when none is asked for: the last 30 days.
    pub const DEFAULT_DAYS: u32 = 30;

    /// The "last N days" links offered on the page.
    pub const PRESETS: [u32; 3] = [7, 30, 90];

    /// `from` to `to`, both included.
    pub fn new(from: Day, to: Day) -> Result<Period, PeriodError> {
        if from > to {
            return Err(PeriodError::Reversed);
        }
        if to.unix_days() - from.unix_days() >= i64::from(Period::MAX_DAYS) {
            return Err(PeriodError::TooLong);
        }
        Ok(Period { from, to })
    }

    /// The `days` days that end with `to`.
    pub fn ending(to: Day, days: u32) -> Result<Period, PeriodError> {
        if !(1..=Period::MAX_DAYS).contains(&days) {
            return Err(PeriodError::DaysOutOfRange);
        }
        let from = to.add_days(1 - i64::from(days)).ok_or(PeriodError::Malformed("from"))?;
        Period::new(from, to)
    }

    /// The period a request asks for, seen on `today`: `from`/`to` dates
    /// (`to` defaults to today, `from` to [`Period::DEFAULT_DAYS`] days
    /// before `to`), or the last `days` days, or the last 30 days.
    pub fn resolve(from: Option<&str>, to: Option<&str>, days: Option<u32>, today: Day) -> Result<Period, PeriodError> {
        let date = |text: Option<&str>, field: &'static str| {
            text.map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| Day::parse(t).map_err(|_| PeriodError::Malformed(field)))
                .transpose()
        };
        let (from, to) = (date(from, "from")?, date(to, "to")?);
        match (from, to, days) {
            (None, None, days) => Period::ending(today, days.unwrap_or(Period::DEFAULT_DAYS)),
            (_, _, Some(_)) => Err(PeriodError::DaysAndDates),
            (Some(from), to, None) => Period::new(from, to.unwrap_or(today)),
            (None, Some(to), None) => Period::ending(to, Period::DEFAULT_DAYS),
        }
    }

    /// The first day.
    pub fn from(self) -> Day {
        self.from
    }

    /// The last day, included.
    pub fn to(self) -> Day {
        self.to
    }

    /// How many days it covers.
    pub fn day_count(self) -> u32 {
        // At most MAX_DAYS by construction.
        u32::try_from(self.to.unix_days() - self.from.unix_days() + 1).unwrap_or(Period::MAX_DAYS)
    }

    /// Every day, first to last.
    pub fn days(self) -> impl Iterator<Item = Day> {
        (self.from.0..=self.to.0).map(Day)
    }

    /// "2026-11-04 to 2026-12-03", or one date for a one-day period.
    pub fn label(self) -> String {
        if self.from == self.to {
            self.from.to_string()
        } else {
            format!("{} to {}", self.from, self.to)
        }
    }
}

/// Sales on one day of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySales {
    pub day: Day,
    pub orders: u64,
    pub revenue: Money,
}

/// Sales of one product in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSales {
    pub product_id: i32,
    /// The product's current name.
    pub name: String,
    pub slug: String,
    /// Units sold (the lines' quantities).
    pub units: u64,
    /// The lines' value: unit price × quantity, before shipping.
    pub revenue: Money,
}

/// Sales of the products of one category (the product's own category,
/// not its parents) in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySales {
    pub category_id: i32,
    pub name: String,
    pub units: u64,
    pub revenue: Money,
}

/// Who bought in the period: customers whose first sale it was, and
/// customers who had bought before it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customers {
    /// No sale before the period.
    pub new: u64,
    /// At least one sale before the period.
    pub returning: u64,
    /// What new customers spent in the period.
    pub new_revenue: Money,
    /// What returning customers spent in the period.
    pub returning_revenue: Money,
}

/// The totals of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub orders: u64,
    pub revenue: Money,
    /// Revenue ÷ orders, to the nearest cent; `None` without orders.
    pub average_order: Option<Money>,
    /// Units sold.
    pub units: u64,
}

impl Summary {
    /// The totals of `days`, with `units` sold.
    pub fn of(days: &[DaySales], units: u64, currency: Currency) -> Summary {
        let orders = days.iter().map(|d| d.orders).sum();
        let cents = days.iter().map(|d| d.revenue.cents).sum();
        Summary {
            orders,
            revenue: Money::new(cents, currency),
            average_order: average(cents, orders).map(|cents| Money::new(cents, currency)),
            units,
        }
    }
}

/// `cents / count`, rounded half away from zero; `None` for no count.
pub fn average(cents: i64, count: u64) -> Option<i64> {
    let count = i64::try_from(count).ok().filter(|&c| c > 0)?;
    let half = count / 2;
    Some(if cents >= 0 { (cents + half) / count } else { (cents - half) / count })
}

/// Paid orders of the period in a currency other than the report's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyOrders {
    pub currency: Currency,
    pub orders: u64,
}

/// Everything the analytics page shows for one period, in one currency.
///
/// On `/api/admin/analytics` (the whole shop) an order's revenue is its
/// total, shipping included; on `/api/seller/analytics` it is the value of
/// the seller's own lines in it, and `orders` counts the orders holding
/// one of them. Products and categories are always the lines' value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub period: Period,
    pub currency: Currency,
    /// The seller the figures are limited to; `None` for the whole shop.
    pub seller: Option<String>,
    pub summary: Summary,
    /// Every day of the period, first to last, days without sales included.
    pub days: Vec<DaySales>,
    /// At most [`TOP_PRODUCTS`], highest revenue first.
    pub top_by_revenue: Vec<ProductSales>,
    /// At most [`TOP_PRODUCTS`], most units first.
    pub top_by_units: Vec<ProductSales>,
    /// Every category with sales, highest revenue first.
    pub categories: Vec<CategorySales>,
    pub customers: Customers,
    /// Sales in other currencies, left out of every figure above.
    pub other_currencies: Vec<CurrencyOrders>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        Day::parse(text).expect("a valid day")
    }

    #[test]
    fn days_round_trip_through_their_text() {
        for text in ["1970-01-01", "2000-02-29", "2026-12-03", "0001-01-01", "9999-12-31", "1969-12-31", "2024-03-01"] {
            assert_eq!(day(text).to_string(), text);
        }
        assert_eq!(day("1970-01-01").unix_days(), 0);
        assert_eq!(day("1970-01-02").unix_days(), 1);
        assert_eq!(day("1969-12-31").unix_days(), -1);
        // 2026-12-03T00:00:00Z is 1,796,256,000 seconds after the epoch.
        assert_eq!(day("2026-12-03").unix_days() * 86_400, 1_796_256_000);
        assert_eq!(day(" 2026-12-03 ").to_string(), "2026-12-03");
    }

    #[test]
    fn every_day_of_four_centuries_counts_up_by_one() {
        let mut expected = day("1900-01-01").unix_days();
        for year in 1900..2300 {
            for month in 1..=12 {
                for d in 1..=days_in_month(year, month) {
                    let found = Day::from_ymd(year, month, d).expect("exists");
                    assert_eq!(found.unix_days(), expected, "{year}-{month}-{d}");
                    assert_eq!(found.ymd(), (year, month, d));
                    expected += 1;
                }
            }
        }
    }

    #[test]
    fn impossible_or_misspelt_days_are_refused() {
        for text in ["2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01",
            "2026/01/01", "2026-01-0x", "+026-01-01", "2é6-01-01", "0000-01-01", "", "yesterday", "2026-01-01T00:00"]
        {
            assert_eq!(Day::parse(text), Err(DayError), "{text:?}");
        }
        assert!(Day::parse("2000-02-29").is_ok(), "a leap day of a 400th year");
        assert_eq!(Day::from_unix_days(-719_162), Day::from_ymd(1, 1, 1));
        assert_eq!(Day::from_unix_days(-719_163), None, "year 0");
    }

    #[test]
    fn days_travel_as_text() {
        let json = serde_json::to_string(&day("2026-12-03")).expect("serializes");
        assert_eq!(json, "\"2026-12-03\"");
        assert_eq!(serde_json::from_str::<Day>(&json).ok(), Some(day("2026-12-03")));
        assert!(serde_json::from_str::<Day>("\"2026-02-30\"").is_err());
    }

    #[test]
    fn a_period_is_one_to_366_days_in_order() {
        let period = Period::new(day("2026-11-01"), day("2026-11-30")).expect("valid");
        assert_eq!(period.day_count(), 30);
        assert_eq!(period.days().count(), 30);
        assert_eq!(period.days().last(), Some(day("2026-11-30")));
        assert_eq!(period.label(), "2026-11-01 to 2026-11-30");
        assert_eq!(Period::new(day("2026-11-01"), day("2026-11-01")).map(Period::day_count), Ok(1));
        assert_eq!(Period::new(day("2026-11-02"), day("2026-11-01")), Err(PeriodError::Reversed));
        assert_eq!(Period::new(day("2024-01-01"), day("2024-12-31")).map(Period::day_count), Ok(366));
        assert_eq!(Period::new(day("2024-01-01"), day("2025-01-01")), Err(PeriodError::TooLong));
    }

    #[test]
    fn requests_resolve_to_a_period() {
        let today = day("2026-12-03");
        let resolve = |from, to, days| Period::resolve(from, to, days, today);
        let period = |from, to| Period::new(day(from), day(to)).expect("valid");
        assert_eq!(resolve(None, None, None), Ok(period("2026-11-04", "2026-12-03")), "the last 30 days");
        assert_eq!(resolve(None, None, Some(7)), Ok(period("2026-11-27", "2026-12-03")));
        assert_eq!(resolve(Some(""), Some(" "), Some(90)).map(Period::day_count), Ok(90), "empty form fields are absent");
        assert_eq!(resolve(Some("2026-11-01"), None, None), Ok(period("2026-11-01", "2026-12-03")), "to defaults to today");
        assert_eq!(resolve(None, Some("2026-06-30"), None), Ok(period("2026-06-01", "2026-06-30")));
        assert_eq!(resolve(Some("2026-12-01"), Some("2026-11-01"), None), Err(PeriodError::Reversed));
        assert_eq!(resolve(Some("2025-01-01"), Some("2026-12-03"), None), Err(PeriodError::TooLong));
        assert_eq!(resolve(None, None, Some(0)), Err(PeriodError::DaysOutOfRange));
        assert_eq!(resolve(None, None, Some(367)), Err(PeriodError::DaysOutOfRange));
        assert_eq!(resolve(Some("2026-11-01"), None, Some(7)), Err(PeriodError::DaysAndDates));
        assert_eq!(resolve(Some("November"), None, None), Err(PeriodError::Malformed("from")));
        assert_eq!(resolve(None, Some("2026-02-30"), None), Err(PeriodError::Malformed("to")));
    }

    #[test]
    fn period_errors_become_field_errors() {
        let err: AppError = PeriodError::Reversed.into();
        assert_eq!(err.status_code(), 422);
        assert!(matches!(err, AppError::Validation { ref field, .. } if field == "from"));
        assert_eq!(PeriodError::Malformed("to").field(), "to");
        assert_eq!(PeriodError::DaysOutOfRange.field(), "days");
        assert_eq!(PeriodError::TooLong.to_string(), "A period can be at most 366 days long; choose a later start date.");
    }

    #[test]
    fn periods_are_checked_when_they_arrive() {
        let ok = serde_json::from_str::<Period>(r#"{"from":"2026-11-01","to":"2026-11-02"}"#);
        assert_eq!(ok.map(Period::day_count).ok(), Some(2));
        assert!(serde_json::from_str::<Period>(r#"{"from":"2026-11-02","to":"2026-11-01"}"#).is_err());
    }

    #[test]
    fn averages_round_to_the_nearest_cent() {
        assert_eq!(average(1000, 3), Some(333));
        assert_eq!(average(1001, 2), Some(501), "half a cent rounds up");
        assert_eq!(average(2000, 3), Some(667));
        assert_eq!(average(0, 5), Some(0));
        assert_eq!(average(-1001, 2), Some(-501));
        assert_eq!(average(1000, 0), None);
    }

    #[test]
    fn the_summary_adds_up_the_days() {
        let usd = |cents| Money::new(cents, Currency::Usd);
        let days = [
            DaySales { day: day("2026-12-01"), orders: 2, revenue: usd(3000) },
            DaySales { day: day("2026-12-02"), orders: 0, revenue: usd(0) },
            DaySales { day: day("2026-12-03"), orders: 1, revenue: usd(1001) },
        ];
        let summary = Summary::of(&days, 7, Currency::Usd);
        assert_eq!(summary, Summary { orders: 3, revenue: usd(4001), average_order: Some(usd(1334)), units: 7 });
        assert_eq!(Summary::of(&[], 0, Currency::Usd).average_order, None);
    }
}
