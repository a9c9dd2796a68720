//! Small SVG charts drawn by the app itself, so they render on the server
//! and hydrate like the rest of the page, with no script or stylesheet of
//! their own (colours are presentation attributes, which the CSP allows):
//! columns or a line over a run of days ([`TimeChart`]), and horizontal
//! bars for ranked items ([`BarChart`]).
//!
//! Each chart is an image named by its `<title>` (`role="img"`,
//! `aria-labelledby`), each mark has a `<title>` of its own as a tooltip,
//! and the page puts a table with the same figures beside every chart:
//! the table, not the drawing, is what assistive technology reads.

use leptos::prelude::*;

/// One value on a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// What the value is for: a day, a product.
    pub label: String,
    /// The value drawn, in any unit (cents, units, orders).
    pub value: i64,
    /// The value as people read it: "$12.50", "3 orders".
    pub text: String,
}

/// How a [`TimeChart`] draws its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One column per point.
    Columns,
    /// A line through the points.
    Line,
}

const INK: &str = "#1d232b";
const MUTED: &str = "#5b6573";
const GRID: &str = "#dde2e8";
const ACCENT: &str = "#0b5fff";

/// The drawing's width in SVG units; it scales to the width of its box.
const WIDTH: f64 = 720.0;

/// A [`TimeChart`]'s plot area inside the drawing: the side margins leave
/// room for half a day label under the first and last points.
const PLOT_LEFT: f64 = 36.0;
const PLOT_TOP: f64 = 24.0;
const PLOT_HEIGHT: f64 = 180.0;
const TIME_HEIGHT: f64 = PLOT_TOP + PLOT_HEIGHT + 24.0;

/// At most this many day labels under a [`TimeChart`].
const MAX_TIME_LABELS: usize = 8;

/// A [`BarChart`]'s rows.
const ROW_HEIGHT: f64 = 26.0;
const BAR_LEFT: f64 = 230.0;
const BAR_MAX: f64 = 370.0;
/// Labels longer than this are cut (the full label is in the tooltip).
const LABEL_CHARS: usize = 32;

/// `value` as a length on an axis of `extent` that ends at `max`;
/// negative values draw as nothing.
fn scale(value: i64, max: i64, extent: f64) -> f64 {
    if max <= 0 || value <= 0 {
        return 0.0;
    }
    // An f64 holds cents exactly up to 2^53, far beyond any shop's revenue;
    // and a drawing needs no more than three digits of the ratio anyway.
    let ratio = value.min(max) as f64 / max as f64;
    ratio * extent
}

/// A count of points or rows as a coordinate factor.
fn float(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Which of `count` labels to show so that at most `room` are: every n-th.
fn label_step(count: usize, room: usize) -> usize {
    count.div_ceil(room.max(1)).max(1)
}

/// `text`, cut to `chars` characters with an ellipsis.
fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let kept: String = text.chars().take(chars.saturating_sub(1)).collect();
        format!("{}…", kept.trim_end())
    }
}

/// A coordinate written short and the same on the server and in the
/// browser.
fn at(value: f64) -> String {
    format!("{value:.1}")
}

/// The largest value and how it reads, for the top grid line.
fn peak(points: &[Point]) -> (i64, String) {
    points
        .iter()
        .filter(|p| p.value > 0)
        .max_by_key(|p| p.value)
        .map_or((0, String::new()), |p| (p.value, p.text.clone()))
}

/// Columns or a line over `points`, one per day, with a grid line at the
/// largest value and a few day labels underneath. `id` must be unique on
/// the page; `title` is the chart's accessible name.
#[component]
pub fn TimeChart(id: &'static str, title: String, shape: Shape, points: Vec<Point>) -> impl IntoView {
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let (max, max_text) = peak(&points);
    let count = points.len().max(1);
    let band = (WIDTH - 2.0 * PLOT_LEFT) / float(count);
    let baseline = PLOT_TOP + PLOT_HEIGHT;
    let x_of = |index: usize| PLOT_LEFT + band * (float(index) + 0.5);
    let y_of = |value: i64| baseline - scale(value, max, PLOT_HEIGHT);
    let tooltip = |point: &Point| format!("{}: {}", point.label, point.text);
    let marks = match shape {
        Shape::Columns => points
            .iter()
            .enumerate()
            .map(|(index, point)| {
                let height = scale(point.value, max, PLOT_HEIGHT);
                let width = (band * 0.8).max(1.0);
                view! {
                    <rect x=at(x_of(index) - width / 2.0) y=at(baseline - height) width=at(width) height=at(height) fill=ACCENT>
                        <title>{tooltip(point)}</title>
                    </rect>
                }
            })
            .collect_view()
            .into_any(),
        Shape::Line => {
            let line = points
                .iter()
                .enumerate()
                .map(|(index, point)| format!("{},{}", at(x_of(index)), at(y_of(point.value))))
                .collect::<Vec<_>>()
                .join(" ");
            let dots = points
                .iter()
                .enumerate()
                .map(|(index, point)| {
                    view! {
                        <circle cx=at(x_of(index)) cy=at(y_of(point.value)) r="3" fill=ACCENT>
                            <title>{tooltip(point)}</title>
                        </circle>
                    }
                })
                .collect_view();
            view! {
                <polyline points=line fill="none" stroke=ACCENT stroke-width="2" />
                {dots}
            }
            .into_any()
        }
    };
    let step = label_step(points.len(), MAX_TIME_LABELS);
    let labels = points
        .iter()
        .enumerate()
        .filter(|(index, _)| index % step == 0)
        .map(|(index, point)| {
            view! {
                <text x=at(x_of(index)) y=at(baseline + 16.0) text-anchor="middle" font-size="11" fill=MUTED>
                    {point.label.clone()}
                </text>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {WIDTH} {TIME_HEIGHT}")
            width="100%"
            role="img"
            aria-labelledby=labelled_by
        >
            <title id=title_id>{title}</title>
            <line x1=at(PLOT_LEFT) y1=at(PLOT_TOP) x2=at(WIDTH - PLOT_LEFT) y2=at(PLOT_TOP) stroke=GRID />
            <text x=at(PLOT_LEFT) y=at(PLOT_TOP - 6.0) font-size="12" fill=MUTED>
                {max_text}
            </text>
            {marks}
            <line x1=at(PLOT_LEFT) y1=at(baseline) x2=at(WIDTH - PLOT_LEFT) y2=at(baseline) stroke=MUTED />
            {labels}
        </svg>
    }
}

/// Horizontal bars, one row per point, labelled on the left with the
/// value after each bar. `id` must be unique on the page; `title` is the
/// chart's accessible name.
#[component]
pub fn BarChart(id: &'static str, title: String, points: Vec<Point>) -> impl IntoView {
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let (max, _) = peak(&points);
    let height = ROW_HEIGHT * float(points.len()) + 8.0;
    let rows = points
        .into_iter()
        .enumerate()
        .map(|(index, point)| {
            let top = 4.0 + ROW_HEIGHT * float(index);
            let middle = top + ROW_HEIGHT / 2.0;
            let length = scale(point.value, max, BAR_MAX);
            let tooltip = format!("{}: {}", point.label, point.text);
            view! {
                <text x="0" y=at(middle + 4.0) font-size="13" fill=INK>
                    {shorten(&point.label, LABEL_CHARS)}
                </text>
                <rect x=at(BAR_LEFT) y=at(top + 4.0) width=at(length.max(1.0)) height=at(ROW_HEIGHT - 8.0) fill=ACCENT>
                    <title>{tooltip}</title>
                </rect>
                <text x=at(BAR_LEFT + length + 6.0) y=at(middle + 4.0) font-size="12" fill=MUTED>
                    {point.text}
                </text>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {WIDTH} {height}")
            width="100%"
            role="img"
            aria-labelledby=labelled_by
        >
            <title id=title_id>{title}</title>
            {rows}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_scale_to_the_axis() {
        assert_eq!(scale(50, 100, 180.0), 90.0);
        assert_eq!(scale(100, 100, 180.0), 180.0);
        assert_eq!(scale(0, 100, 180.0), 0.0);
        assert_eq!(scale(-5, 100, 180.0), 0.0, "a refund draws as nothing");
        assert_eq!(scale(10, 0, 180.0), 0.0, "nothing to scale to");
        assert_eq!(scale(150, 100, 180.0), 180.0, "never past the axis");
    }

    #[test]
    fn day_labels_thin_out_to_fit() {
        assert_eq!(label_step(7, 8), 1);
        assert_eq!(label_step(8, 8), 1);
        assert_eq!(label_step(30, 8), 4);
        assert_eq!(label_step(366, 8), 46);
        assert_eq!(label_step(0, 8), 1);
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(shorten("Aurora Lamp", 32), "Aurora Lamp");
        assert_eq!(shorten("Ünïcödé names are counted by character", 10), "Ünïcödé n…");
        assert_eq!(shorten("Twelve chars", 12), "Twelve chars");
    }

    #[test]
    fn the_peak_is_the_largest_positive_value() {
        let point = |value, text: &str| Point { label: "x".into(), value, text: text.into() };
        assert_eq!(peak(&[point(3, "three"), point(9, "nine"), point(5, "five")]), (9, "nine".to_string()));
        assert_eq!(peak(&[point(0, "none")]), (0, String::new()));
        assert_eq!(peak(&[]), (0, String::new()));
    }

    #[test]
    fn coordinates_are_written_short() {
        assert_eq!(at(12.345), "12.3");
        assert_eq!(at(180.0), "180.0");
    }
}
