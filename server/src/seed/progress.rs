//! The progress bar the bulk seeders (`seed-orders`, `seed-products`) draw
//! on stderr while they run.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting up to `len` `unit`s, with room for a short message naming
/// the current step; hidden unless `shown` (indicatif also draws nothing
/// when stderr is not a terminal).
pub fn bar(len: usize, shown: bool, unit: &str) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    let template = format!("{{msg:9}} {{wide_bar}} {{pos}}/{{len}} {unit}, {{per_sec}}, {{eta}} left");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
