//! The WASM entry point: hydrates the server-rendered storefront. Built
//! with `cargo leptos build --split`, lazy routes (the admin desk) are
//! separate WASM chunks; `hydrate_lazy` loads the current page's chunk
//! before hydrating it.

/// Called by the hydration script that the server puts in every page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
