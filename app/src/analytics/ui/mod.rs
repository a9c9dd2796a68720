//! The analytics pages: `/admin/analytics` (the whole shop, admins only)
//! and `/seller/analytics` (a seller's own products). The period is in the
//! URL (`?days=7`, or `?from=…&to=…`), chosen by preset links or a plain
//! GET form, so every state can be linked to and works without
//! JavaScript; each chart has a table with the same figures.
//!
//! The server functions refuse anyone who may not see a report; the page
//! itself only chooses what to show: a sign-in prompt for guests and
//! "Not allowed" (HTTP 403) for other users.

pub mod chart;

use self::chart::{BarChart, Point, Shape, TimeChart};
use super::api::{admin_analytics, seller_analytics};
use super::model::{Customers, DaySales, Period, PeriodError, ProductSales, Report, Summary};
use crate::auth::{use_auth, CurrentUser, Role};
use crate::error::AppError;
use crate::money::{Currency, Money};
use crate::ui::forbidden::Forbidden;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Who a page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Admin,
    Seller,
}

impl Audience {
    fn path(self) -> &'static str {
        match self {
            Audience::Admin => "/admin/analytics",
            Audience::Seller => "/seller/analytics",
        }
    }

    /// The role the page needs (admins hold every role).
    fn role(self) -> Role {
        match self {
            Audience::Admin => Role::Admin,
            Audience::Seller => Role::Seller,
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Audience::Admin => "Sales analytics",
            Audience::Seller => "Your sales",
        }
    }
}

/// What the URL asks for, as typed: nothing is lost when it is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Ask {
    from: Option<String>,
    to: Option<String>,
    days: Option<String>,
    currency: Option<String>,
}

impl Ask {
    /// The URL's parameters; empty ones (an empty form field) are absent.
    fn read(get: impl Fn(&str) -> Option<String>) -> Ask {
        let field = |key: &str| get(key).map(|value| value.trim().to_string()).filter(|value| !value.is_empty());
        Ask { from: field("from"), to: field("to"), days: field("days"), currency: field("currency") }
    }

    /// The address of the last `days` days on `path`, in the same currency.
    fn preset_href(&self, path: &str, days: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("days", &days.to_string());
        if let Some(currency) = &self.currency {
            query.append_pair("currency", currency);
        }
        format!("{path}?{}", query.finish())
    }

    /// Whether this asks for the last `days` days (no dates and no days
    /// mean the default period).
    fn is_preset(&self, days: u32) -> bool {
        match (&self.from, &self.to, &self.days) {
            (None, None, None) => days == Period::DEFAULT_DAYS,
            (None, None, Some(asked)) => asked.parse() == Ok(days),
            _ => false,
        }
    }

    /// The days and currency as the server functions take them.
    fn arguments(&self) -> Result<(Option<u32>, Option<Currency>), AppError> {
        let days = self.days.as_deref().map(|days| days.parse::<u32>().map_err(|_| PeriodError::DaysOutOfRange)).transpose()?;
        let currency = self
            .currency
            .as_deref()
            .map(|code| {
                serde_json::from_value::<Currency>(serde_json::Value::String(code.to_ascii_uppercase())).map_err(|_| {
                    AppError::Validation { field: "currency".into(), message: "Choose USD, EUR or GBP.".into() }
                })
            })
            .transpose()?;
        Ok((days, currency))
    }
}

type User = Resource<Result<Option<CurrentUser>, AppError>>;

/// The report `ask` names, read only for a user who may see it, so other
/// visitors cause no refused requests.
async fn load(user: User, audience: Audience, ask: Ask) -> Result<Report, AppError> {
    match user.await? {
        Some(user) if user.holds(audience.role()) => {}
        Some(_) => return Err(AppError::Forbidden),
        None => return Err(AppError::Unauthorized),
    }
    let (days, currency) = ask.arguments()?;
    match audience {
        Audience::Admin => admin_analytics(ask.from, ask.to, days, currency).await,
        Audience::Seller => seller_analytics(ask.from, ask.to, days, currency).await,
    }
}

/// `/admin/analytics`, for admins only.
#[component]
pub fn AdminAnalyticsPage() -> impl IntoView {
    view! { <AnalyticsPage audience=Audience::Admin /> }
}

/// `/seller/analytics`, for sellers (and admins).
#[component]
pub fn SellerAnalyticsPage() -> impl IntoView {
    view! { <AnalyticsPage audience=Audience::Seller /> }
}

#[component]
fn AnalyticsPage(audience: Audience) -> impl IntoView {
    let auth = use_auth();
    let url = use_query_map();
    let ask = Memo::new(move |_| url.with(|map| Ask::read(|key| map.get(key))));
    // Created outside the suspense so the server render and hydration agree.
    let report = Resource::new(move || ask.get(), move |ask| load(auth.user, audience, ask));
    view! {
        <Title text=audience.heading() />
        <Suspense fallback=|| view! { <p>"Loading the figures…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) if user.holds(audience.role()) => {
                        view! { <Dashboard audience ask report /> }.into_any()
                    }
                    Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                    Ok(None) => {
                        let next = format!("/sign-in?next={}", audience.path());
                        view! {
                            <h1>{audience.heading()}</h1>
                            <p>"Please " <a href=next>"sign in"</a> " to see the sales figures."</p>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(audience: Audience, ask: Memo<Ask>, report: Resource<Result<Report, AppError>>) -> impl IntoView {
    let nav = match audience {
        Audience::Admin => view! {
            <nav aria-label="Admin">
                <a href="/admin">"Orders"</a>
                " "
                <a href="/admin/products">"Products"</a>
                " "
                <a href="/admin/jobs">"Jobs"</a>
                " "
                <a href="/admin/support">"Support"</a>
            </nav>
        }
        .into_any(),
        Audience::Seller => view! {
            <nav aria-label="Seller">
                <a href="/seller">"Your shop"</a>
            </nav>
        }
        .into_any(),
    };
    view! {
        <div class="desk analytics">
            <header class="desk-header">
                <h1>{audience.heading()}</h1>
                {nav}
            </header>
            <Transition fallback=|| view! { <p>"Loading the figures…"</p> }>
                {move || {
                    let asked = ask.get();
                    Suspend::new(async move {
                        match report.await {
                            Ok(report) => {
                                view! {
                                    <PeriodPicker audience ask=asked shown=Some(report.period) refused=None />
                                    <Figures audience report />
                                }
                                    .into_any()
                            }
                            Err(AppError::Validation { field, message }) => {
                                view! { <PeriodPicker audience ask=asked shown=None refused=Some((field, message)) /> }.into_any()
                            }
                            Err(err) => view! { <p role="alert" class="form-error">{err.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </div>
    }
}

/// The preset links and the from/to form. The dates shown are the period
/// of the report, or what was typed when it was refused (`refused`: the
/// field and why).
#[component]
fn PeriodPicker(audience: Audience, ask: Ask, shown: Option<Period>, refused: Option<(String, String)>) -> impl IntoView {
    let path = audience.path();
    let from = shown.map(|p| p.from().to_string()).or_else(|| ask.from.clone()).unwrap_or_default();
    let to = shown.map(|p| p.to().to_string()).or_else(|| ask.to.clone()).unwrap_or_default();
    let invalid = |name: &str| refused.as_ref().is_some_and(|(field, _)| field == name).then_some("true");
    let presets = Period::PRESETS
        .into_iter()
        .map(|days| {
            let current = ask.is_preset(days).then_some("page");
            view! {
                <a href=ask.preset_href(path, days) aria-current=current>
                    {format!("{days} days")}
                </a>
                " "
            }
        })
        .collect_view();
    let (from_invalid, to_invalid) = (invalid("from"), invalid("to"));
    let message = refused.map(|(_, message)| message);
    view! {
        <section class="kpi-bar" aria-labelledby="period-heading">
            <h2 id="period-heading">"Period"</h2>
            <nav aria-label="Periods">{presets}</nav>
            <Form method="get" action=path attr:class="period-form" attr:aria-label="Dates">
                <label for="analytics-from">"From"</label>
                <input id="analytics-from" type="date" name="from" value=from aria-invalid=from_invalid />
                <label for="analytics-to">"To"</label>
                <input id="analytics-to" type="date" name="to" value=to aria-invalid=to_invalid />
                {ask.currency.map(|currency| view! { <input type="hidden" name="currency" value=currency /> })}
                <button type="submit">"Show"</button>
            </Form>
        </section>
        {message.map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `part` of `whole` as a whole percentage, "—" when there is no whole.
fn share(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".to_string();
    }
    let percent = (i128::from(part) * 100 + i128::from(whole) / 2) / i128::from(whole);
    format!("{percent}%")
}

/// A currency's ISO code, as the API and the URL write it ("EUR").
fn code(currency: Currency) -> String {
    serde_json::to_value(currency).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[component]
fn Figures(audience: Audience, report: Report) -> impl IntoView {
    let period = report.period;
    let scope_note = match (audience, &report.seller) {
        (Audience::Seller, Some(seller)) => format!(
            "{seller}: the order lines of your products only. Revenue is their value (price × quantity), before shipping."
        ),
        _ => "The whole shop. An order's revenue is its total, shipping included; products and categories count their lines' value."
            .to_string(),
    };
    let others = report
        .other_currencies
        .iter()
        .map(|other| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("from", &period.from().to_string());
            query.append_pair("to", &period.to().to_string());
            query.append_pair("currency", &code(other.currency));
            let href = format!("{}?{}", audience.path(), query.finish());
            let orders = if other.orders == 1 { "1 order".to_string() } else { format!("{} orders", thousands(other.orders)) };
            view! {
                <li>
                    {format!("{orders} in {} ", code(other.currency))}
                    <a href=href>"Show them"</a>
                </li>
            }
        })
        .collect_view();
    let has_others = !report.other_currencies.is_empty();
    view! {
        <p class="summary">
            {format!("{}. Paid orders only (confirmed, shipped or delivered), by the UTC day they were placed. ", period.label())}
            {scope_note}
        </p>
        {has_others
            .then(|| {
                view! {
                    <aside aria-label="Other currencies">
                        <p>"Not included above, sales in other currencies:"</p>
                        <ul>{others}</ul>
                    </aside>
                }
            })}
        <Cards summary=report.summary customers=report.customers />
        <DailySales days=report.days period />
        <TopProducts by_revenue=report.top_by_revenue by_units=report.top_by_units />
        <Categories categories=report.categories />
        <NewAndReturning customers=report.customers />
        <section aria-labelledby="conversion-heading">
            <h2 id="conversion-heading">"Carts to orders"</h2>
            <p>
                "Not available: the shop keeps no record of carts once they are checked out. A signed-in customer's cart lines are deleted when their order is placed, and a guest's cart lives only in their session, so there is no count of carts to set the orders against."
            </p>
        </section>
    }
}

#[component]
fn Cards(summary: Summary, customers: Customers) -> impl IntoView {
    let cards = [
        ("kpi-revenue", "Revenue", summary.revenue.to_string()),
        ("kpi-orders", "Orders", thousands(summary.orders)),
        ("kpi-average", "Average order value", summary.average_order.map_or_else(|| "—".to_string(), |m| m.to_string())),
        ("kpi-units", "Units sold", thousands(summary.units)),
        ("kpi-new", "New customers", thousands(customers.new)),
        ("kpi-returning", "Returning customers", thousands(customers.returning)),
    ];
    view! {
        <section class="kpis" aria-label="Totals">
            <div class="kpi-cards">
                {cards
                    .into_iter()
                    .map(|(id, title, value)| {
                        view! {
                            <article class="kpi" aria-labelledby=id>
                                <h3 id=id>{title}</h3>
                                <p class="kpi-value">{value}</p>
                            </article>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

#[component]
fn DailySales(days: Vec<DaySales>, period: Period) -> impl IntoView {
    let revenue = days
        .iter()
        .map(|d| Point { label: d.day.to_string(), value: d.revenue.cents, text: d.revenue.to_string() })
        .collect();
    let orders = days
        .iter()
        .map(|d| Point { label: d.day.to_string(), value: signed(d.orders), text: thousands(d.orders) })
        .collect();
    let rows = days
        .into_iter()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row">{d.day.to_string()}</th>
                    <td class="num">{thousands(d.orders)}</td>
                    <td class="num">{d.revenue.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="daily-heading">
            <h2 id="daily-heading">"Revenue and orders per day"</h2>
            <figure>
                <TimeChart id="revenue-chart" title=format!("Revenue per day, {}", period.label()) shape=Shape::Columns points=revenue />
            </figure>
            <figure>
                <TimeChart id="orders-chart" title=format!("Orders per day, {}", period.label()) shape=Shape::Line points=orders />
            </figure>
            <details>
                <summary>"Show as table"</summary>
                <table class="jobs-table">
                    <caption>"Revenue and orders per day"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col" class="num">"Orders"</th>
                            <th scope="col" class="num">"Revenue"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </section>
    }
}

/// A ranked product table with its caption.
fn product_table(caption: &'static str, products: &[ProductSales]) -> impl IntoView {
    let rows = products
        .iter()
        .enumerate()
        .map(|(rank, product)| {
            view! {
                <tr>
                    <td class="num">{rank + 1}</td>
                    <th scope="row">
                        <a href=format!("/p/{}", product.slug)>{product.name.clone()}</a>
                    </th>
                    <td class="num">{thousands(product.units)}</td>
                    <td class="num">{product.revenue.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="jobs-table">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col" class="num">"Rank"</th>
                    <th scope="col">"Product"</th>
                    <th scope="col" class="num">"Units"</th>
                    <th scope="col" class="num">"Revenue"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn TopProducts(by_revenue: Vec<ProductSales>, by_units: Vec<ProductSales>) -> impl IntoView {
    if by_revenue.is_empty() {
        return view! {
            <section aria-labelledby="products-heading">
                <h2 id="products-heading">"Top products"</h2>
                <p>"No products sold in this period."</p>
            </section>
        }
        .into_any();
    }
    let revenue_points =
        by_revenue.iter().map(|p| Point { label: p.name.clone(), value: p.revenue.cents, text: p.revenue.to_string() }).collect();
    let unit_points =
        by_units.iter().map(|p| Point { label: p.name.clone(), value: signed(p.units), text: thousands(p.units) }).collect();
    view! {
        <section aria-labelledby="products-heading">
            <h2 id="products-heading">"Top products"</h2>
            <figure>
                <BarChart id="products-revenue-chart" title="Top products by revenue".to_string() points=revenue_points />
            </figure>
            {product_table("Top products by revenue", &by_revenue)}
            <figure>
                <BarChart id="products-units-chart" title="Top products by units sold".to_string() points=unit_points />
            </figure>
            {product_table("Top products by units sold", &by_units)}
        </section>
    }
    .into_any()
}

#[component]
fn Categories(categories: Vec<super::model::CategorySales>) -> impl IntoView {
    if categories.is_empty() {
        return view! {
            <section aria-labelledby="categories-heading">
                <h2 id="categories-heading">"Sales by category"</h2>
                <p>"No sales in this period."</p>
            </section>
        }
        .into_any();
    }
    let total: i64 = categories.iter().map(|c| c.revenue.cents).sum();
    let points =
        categories.iter().map(|c| Point { label: c.name.clone(), value: c.revenue.cents, text: c.revenue.to_string() }).collect();
    let rows = categories
        .into_iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.name}</th>
                    <td class="num">{thousands(c.units)}</td>
                    <td class="num">{c.revenue.to_string()}</td>
                    <td class="num">{share(c.revenue.cents, total)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="categories-heading">
            <h2 id="categories-heading">"Sales by category"</h2>
            <figure>
                <BarChart id="categories-chart" title="Revenue by category".to_string() points />
            </figure>
            <table class="jobs-table">
                <caption>"Sales by category"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Category"</th>
                        <th scope="col" class="num">"Units"</th>
                        <th scope="col" class="num">"Revenue"</th>
                        <th scope="col" class="num">"Share of revenue"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn NewAndReturning(customers: Customers) -> impl IntoView {
    let groups: [(&str, u64, Money); 2] =
        [("New", customers.new, customers.new_revenue), ("Returning", customers.returning, customers.returning_revenue)];
    let all = signed(customers.new + customers.returning);
    let points = groups
        .iter()
        .map(|(label, count, _)| Point { label: (*label).to_string(), value: signed(*count), text: thousands(*count) })
        .collect();
    let rows = groups
        .into_iter()
        .map(|(label, count, revenue)| {
            view! {
                <tr>
                    <th scope="row">{label}</th>
                    <td class="num">{thousands(count)}</td>
                    <td class="num">{share(signed(count), all)}</td>
                    <td class="num">{revenue.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="customers-heading">
            <h2 id="customers-heading">"New and returning customers"</h2>
            <p class="summary">"Returning: had a paid order placed before the period began."</p>
            <figure>
                <BarChart id="customers-chart" title="New and returning customers".to_string() points />
            </figure>
            <table class="jobs-table">
                <caption>"New and returning customers"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Customers"</th>
                        <th scope="col" class="num">"Count"</th>
                        <th scope="col" class="num">"Share"</th>
                        <th scope="col" class="num">"Revenue"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(pairs: &[(&str, &str)]) -> Ask {
        Ask::read(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_string()))
    }

    #[test]
    fn empty_parameters_are_absent() {
        assert_eq!(ask(&[("from", ""), ("to", " "), ("days", "7")]), Ask { days: Some("7".into()), ..Ask::default() });
    }

    #[test]
    fn presets_keep_the_currency_and_know_when_they_are_shown() {
        let eur = ask(&[("currency", "EUR")]);
        assert_eq!(eur.preset_href("/admin/analytics", 7), "/admin/analytics?days=7&currency=EUR");
        assert!(eur.is_preset(30), "no period is the last 30 days");
        assert!(!eur.is_preset(7));
        assert!(ask(&[("days", "90")]).is_preset(90));
        assert!(!ask(&[("from", "2026-11-01")]).is_preset(30));
    }

    #[test]
    fn arguments_are_checked_before_they_are_sent() {
        assert_eq!(ask(&[("days", "7"), ("currency", "eur")]).arguments(), Ok((Some(7), Some(Currency::Eur))));
        assert!(matches!(ask(&[("days", "a week")]).arguments(), Err(AppError::Validation { field, .. }) if field == "days"));
        assert!(matches!(ask(&[("currency", "XYZ")]).arguments(), Err(AppError::Validation { field, .. }) if field == "currency"));
    }

    #[test]
    fn numbers_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(share(1, 3), "33%");
        assert_eq!(share(2, 3), "67%");
        assert_eq!(share(5, 0), "—");
        assert_eq!(code(Currency::Gbp), "GBP");
    }
}
