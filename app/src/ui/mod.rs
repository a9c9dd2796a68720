//! What every page shares: the layout around it, the page title, the
//! not-found page and the pieces forms are built from. Each feature's
//! pages live with the feature.

pub mod forbidden;
pub mod form;
pub mod head;
pub mod layout;
pub mod not_found;
