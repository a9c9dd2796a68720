//! The in-process "bare axum handler" baseline.
//!
//! It serves a fixed ~2 KB HTML page with no state, no database and no
//! rendering, so it approximates the best case for axum + hyper + tokio on
//! this machine. Comparing the app against it separates the cost of the
//! app's own work (routing, SSR, queries) from the cost of HTTP itself.
//!
//! The server runs on its own OS thread with its own multi-thread tokio
//! runtime, like a separate server process would, rather than sharing the
//! load generator's runtime.

use std::{
    net::{Ipv4Addr, SocketAddr},
    thread,
};

use axum::{response::Html, routing::get, Router};
use tokio::sync::oneshot;

use crate::error::BenchError;

/// A small static product-listing page (about 2 KB).
pub const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bazaar - baseline page</title>
<link rel="stylesheet" href="/pkg/bazaar.css">
</head>
<body>
<header class="site-header">
  <a class="logo" href="/">Bazaar</a>
  <nav>
    <a href="/c/clothing">Clothing</a>
    <a href="/c/home">Home</a>
    <a href="/c/garden">Garden</a>
    <a href="/c/books">Books</a>
  </nav>
  <form action="/search" method="get"><input type="search" name="q" placeholder="Search products"></form>
  <a class="cart" href="/cart">Cart (0)</a>
</header>
<main>
  <h1>Featured products</h1>
  <ul class="product-grid">
    <li class="product-card"><a href="/p/linen-shirt"><img src="/img/linen-shirt.webp" alt="Linen shirt" width="240" height="240"><h2>Linen shirt</h2><p class="price">$39.00</p></a></li>
    <li class="product-card"><a href="/p/brass-lamp"><img src="/img/brass-lamp.webp" alt="Brass lamp" width="240" height="240"><h2>Brass lamp</h2><p class="price">$74.50</p></a></li>
    <li class="product-card"><a href="/p/wool-throw"><img src="/img/wool-throw.webp" alt="Wool throw" width="240" height="240"><h2>Wool throw</h2><p class="price">$59.00</p></a></li>
    <li class="product-card"><a href="/p/ceramic-mug"><img src="/img/ceramic-mug.webp" alt="Ceramic mug" width="240" height="240"><h2>Ceramic mug</h2><p class="price">$14.00</p></a></li>
    <li class="product-card"><a href="/p/garden-trowel"><img src="/img/garden-trowel.webp" alt="Garden trowel" width="240" height="240"><h2>Garden trowel</h2><p class="price">$19.90</p></a></li>
    <li class="product-card"><a href="/p/field-notes"><img src="/img/field-notes.webp" alt="Field notes" width="240" height="240"><h2>Field notes</h2><p class="price">$9.50</p></a></li>
  </ul>
</main>
<footer class="site-footer"><p>&copy; Bazaar. Static baseline page served by a bare axum handler.</p></footer>
</body>
</html>
"#;

/// A running baseline server. Dropping it asks the server to shut down.
#[derive(Debug)]
pub struct BaselineServer {
    /// Where it listens (127.0.0.1, ephemeral port).
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl BaselineServer {
    /// Binds 127.0.0.1:0 and starts serving [`PAGE`] on `/`.
    pub async fn start() -> Result<Self, BenchError> {
        let listener =
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(BenchError::Baseline)?;
        listener
            .set_nonblocking(true)
            .map_err(BenchError::Baseline)?;
        let addr = listener.local_addr().map_err(BenchError::Baseline)?;
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel::<std::io::Result<()>>();

        thread::Builder::new()
            .name("baseline-server".to_owned())
            .spawn(move || serve(listener, shutdown_rx, ready_tx))
            .map_err(BenchError::Baseline)?;

        match ready_rx.await {
            Ok(Ok(())) => Ok(Self {
                addr,
                shutdown: Some(shutdown_tx),
            }),
            Ok(Err(e)) => Err(BenchError::Baseline(e)),
            Err(_) => Err(BenchError::Baseline(std::io::Error::other(
                "baseline server thread exited during start-up",
            ))),
        }
    }
}

impl Drop for BaselineServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            // The server may already be gone; nothing to do then.
            let _ = tx.send(());
        }
    }
}

/// Thread body: own runtime, serve until shutdown is requested.
fn serve(
    listener: std::net::TcpListener,
    shutdown: oneshot::Receiver<()>,
    ready: oneshot::Sender<std::io::Result<()>>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("baseline-worker")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let app = Router::new().route("/", get(|| async { Html(PAGE) }));
        // The receiver only disappears if start() was abandoned.
        let _ = ready.send(Ok(()));
        let graceful = async {
            let _ = shutdown.await;
        };
        // Errors here can only happen after start-up and would show up as
        // request errors in the report, so they need no separate channel.
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(graceful)
            .await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_is_about_two_kilobytes() {
        assert!((1800..=2600).contains(&PAGE.len()), "{}", PAGE.len());
    }
}
