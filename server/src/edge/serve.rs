//! The accept loop. `axum::serve` cannot time out a half-sent request
//! header or cap connections, so the server runs hyper's HTTP/1.1
//! connection builder itself: TCP_NODELAY on every socket, a header-read
//! timeout (which also closes idle keep-alive connections), the connection
//! caps, and a graceful shutdown that lets requests in flight finish.

use super::connections::{ConnectionLimits, Refusal};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// How the accept loop treats connections.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub tcp_nodelay: bool,
    pub header_read_timeout: Duration,
    pub limits: Arc<ConnectionLimits>,
}

/// How long requests in flight may take to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What a connection over a cap gets before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 41\r\nConnection: close\r\n\r\nToo many connections; try again shortly.\n";

/// Serves `router` on `listener` until `shutdown` completes, then stops
/// accepting and waits up to [`SHUTDOWN_GRACE`] for open requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ServeSettings,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // HTTP/1.1 only, as before; the auto builder is used because its
    // upgradeable connections (WebSockets) can still shut down gracefully.
    let mut http = Builder::new(TokioExecutor::new());
    http.http1().timer(TokioTimer::new()).header_read_timeout(settings.header_read_timeout);
    let http = Arc::new(http.http1_only());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait for some
                    // connections to close rather than spin.
                    tracing::error!("accepting a connection failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = match settings.limits.admit(peer.ip()) {
            Ok(permit) => permit,
            Err(refusal) => {
                match refusal {
                    Refusal::Full => tracing::warn!(%peer, "refused a connection: the server is at its connection cap"),
                    Refusal::TooManyFromAddress => tracing::warn!(%peer, "refused a connection: too many from this address"),
                }
                tokio::spawn(refuse(tcp));
                continue;
            }
        };
        if settings.tcp_nodelay {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%peer, "could not set TCP_NODELAY: {err}");
            }
        }
        let service = router.clone().map_request(move |mut request: axum::http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let (http, watcher) = (http.clone(), graceful.watcher());
        tokio::spawn(async move {
            // With upgrades: `/ws` turns its connection into a WebSocket.
            let connection = http.serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(service));
            if let Err(err) = watcher.watch(connection.into_owned()).await {
                // Timeouts and clients hanging up: routine at the edge.
                tracing::debug!(%peer, "connection ended: {err}");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => tracing::warn!("shutting down with requests still open"),
    }
    Ok(())
}

/// Tells a connection over a cap why it is closed, without waiting on a
/// client that does not read.
async fn refuse(mut tcp: TcpStream) {
    // Best effort: the connection is closed whether or not this arrives.
    let _ = tokio::time::timeout(Duration::from_secs(1), tcp.write_all(BUSY)).await;
}

/// Completes when the process is asked to stop: Ctrl-C (SIGINT) or SIGTERM
/// (what `kill`, systemd and container runtimes send). For
/// `Application::run_until` in `main`; tests never install it, so Ctrl-C
/// still ends a test run at once.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
