//! A minimal keep-alive HTTP/1.1 client with precise timing.
//!
//! Each [`Connection`] is one TCP connection driven by hyper's
//! connection-level API, so a benchmark worker owns exactly one keep-alive
//! connection (the model `wrk` uses). `send_request` resolves once the
//! response head has been parsed, which is what we report as TTFB.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::{error::RequestError, target::Target};

/// Timing and size of one completed request/response exchange.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// From writing the request until the response head was parsed.
    pub ttfb: Duration,
    /// From writing the request until the last body byte was read.
    pub total: Duration,
    /// Response status.
    pub status: StatusCode,
    /// Response body size in bytes (after any transfer decoding, before
    /// any content decoding: a gzip response counts compressed bytes).
    pub body_bytes: u64,
}

/// The result of a request on a brand-new connection.
#[derive(Debug, Clone, Copy)]
pub struct ColdSample {
    /// TCP connect (plus HTTP handshake) time.
    pub connect: Duration,
    /// From starting to connect until the response head was parsed.
    pub ttfb: Duration,
    /// Response status.
    pub status: StatusCode,
}

/// One open keep-alive HTTP/1.1 connection.
#[derive(Debug)]
pub struct Connection {
    sender: SendRequest<Empty<Bytes>>,
}

impl Connection {
    /// Opens a TCP connection to `addr` and performs the HTTP/1.1 handshake.
    pub async fn open(addr: SocketAddr) -> Result<Self, RequestError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| RequestError::Connect { addr, source })?;
        // Small request/response pairs: do not let Nagle add latency.
        stream
            .set_nodelay(true)
            .map_err(|source| RequestError::Connect { addr, source })?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(RequestError::Handshake)?;
        // The connection future drives the socket. Its error, if any, also
        // surfaces on the `SendRequest` side, where it is counted, so it can
        // be ignored here. The task ends when `sender` is dropped.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Self { sender })
    }

    /// True when the peer closed the connection (e.g. `Connection: close`);
    /// the caller should open a new one rather than count an error.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Performs one GET for `target`, reading and discarding the whole body.
    pub async fn get(
        &mut self,
        target: &Target,
        timeout: Duration,
    ) -> Result<Sample, RequestError> {
        tokio::time::timeout(timeout, self.exchange(target))
            .await
            .map_err(|_| RequestError::Timeout(timeout))?
    }

    async fn exchange(&mut self, target: &Target) -> Result<Sample, RequestError> {
        self.sender.ready().await.map_err(RequestError::Send)?;
        let start = Instant::now();
        let response = self
            .sender
            .send_request(target.request())
            .await
            .map_err(RequestError::Send)?;
        let ttfb = start.elapsed();
        let status = response.status();
        let mut body = response.into_body();
        let mut body_bytes: u64 = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(RequestError::Body)?;
            if let Some(data) = frame.data_ref() {
                body_bytes += data.len() as u64;
            }
        }
        Ok(Sample {
            ttfb,
            total: start.elapsed(),
            status,
            body_bytes,
        })
    }
}

/// One request on a fresh connection: what the first visitor after a
/// deploy (or after the keep-alive pool was dropped) sees.
pub async fn cold_request(target: &Target, timeout: Duration) -> Result<ColdSample, RequestError> {
    let run = async {
        let start = Instant::now();
        let mut conn = Connection::open(target.addr).await?;
        let connect = start.elapsed();
        conn.sender.ready().await.map_err(RequestError::Send)?;
        let response = conn
            .sender
            .send_request(target.request())
            .await
            .map_err(RequestError::Send)?;
        let ttfb = start.elapsed();
        let status = response.status();
        // Drain the body so the server is not left writing into a dead socket.
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            frame.map_err(RequestError::Body)?;
        }
        Ok(ColdSample {
            connect,
            ttfb,
            status,
        })
    };
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| RequestError::Timeout(timeout))?
}
