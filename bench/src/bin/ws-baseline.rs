//! `ws-baseline`: the bare WebSocket chat server `chat-bench` compares the
//! shop's `/ws` with. No database, no sessions, no auth: what a chat costs
//! with nothing but axum and one `tokio::sync::broadcast` channel per room.
//!
//! - `GET /ws?room=N` upgrades; the socket gets a `snapshot` frame once it
//!   listens, then every message of room N (the room's channel is created
//!   on demand).
//! - `GET /ws?support=1` upgrades; the socket gets every room's messages as
//!   a small `CONVERSATION_CHANGED` summary (one global channel).
//! - `POST /send` `{"room":N,"client_id":…,"text":…}` gives the message the
//!   room's next in-memory sequence number, broadcasts it to the room as the
//!   shop's `CHAT_MESSAGE` event and a summary to support, and answers 200
//!   with the message (the shop's `ChatMessage` shape).
//! - `GET /` answers `ok`, for scripts waiting for it to start.
//!
//! Sockets get the shop's buffer sizes (server/src/live/connection.rs: 4 KiB
//! read buffer, 16 KiB largest message, 1 MiB unsent) and its 15 s ping, so
//! their memory compares like for like. Listens on 127.0.0.1 only.
//!
//! ```sh
//! cargo build --release -p bench
//! target/release/ws-baseline --port 3330
//! ```

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};

/// Same as the shop's `/ws` (server/src/live/connection.rs).
const HEARTBEAT: Duration = Duration::from_secs(15);
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_MESSAGE_BYTES: usize = 16 * 1024;
const READ_BUFFER_BYTES: usize = 4 * 1024;
const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;
const CLOSE_TOO_SLOW: u16 = 4008;
/// Messages a room's socket may fall behind before it is dropped. Small:
/// a room gets few messages, and a channel allocates every slot up front
/// (about 64 bytes each), once per room.
const ROOM_CAPACITY: usize = 16;
/// Messages a support socket may fall behind (the shop's bus holds 4096).
const SUPPORT_CAPACITY: usize = 4096;
/// Characters of a message the support summary repeats.
const PREVIEW_CHARS: usize = 80;
/// Longest message text accepted.
const MAX_TEXT_CHARS: usize = 2000;

/// A bare axum + tokio broadcast WebSocket chat server, the baseline of
/// `chat-bench`. Listens on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "ws-baseline", version)]
struct Args {
    /// Port on 127.0.0.1 (0: any free one, printed at start).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let listener =
        match tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
            .await
        {
            Ok(listener) => listener,
            Err(err) => {
                eprintln!(
                    "ws-baseline: cannot listen on 127.0.0.1:{}: {err}",
                    args.port
                );
                return ExitCode::from(3);
            }
        };
    match listener.local_addr() {
        Ok(addr) => println!("ws-baseline listening on http://{addr}"),
        Err(err) => eprintln!("ws-baseline: listening, address unknown: {err}"),
    }
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/ws", get(upgrade))
        .route("/send", post(send))
        .with_state(Arc::new(Hub::default()));
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ws-baseline: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Every room's channel and sequence, and the support channel.
struct Hub {
    state: Mutex<HubState>,
    support: broadcast::Sender<Utf8Bytes>,
}

/// What the hub's lock guards: sequences are taken and messages broadcast
/// under it, so every socket sees them in sequence order.
#[derive(Default)]
struct HubState {
    rooms: HashMap<i64, Room>,
    support_seq: i64,
}

/// One room: its last sequence number and its channel.
struct Room {
    seq: i64,
    sender: broadcast::Sender<Utf8Bytes>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            state: Mutex::default(),
            support: broadcast::channel(SUPPORT_CAPACITY).0,
        }
    }
}

impl HubState {
    fn room(&mut self, id: i64) -> &mut Room {
        self.rooms.entry(id).or_insert_with(|| Room {
            seq: 0,
            sender: broadcast::channel(ROOM_CAPACITY).0,
        })
    }
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `/ws` query: a room, or the support feed.
#[derive(Debug, Deserialize)]
struct Feed {
    room: Option<i64>,
    support: Option<u8>,
}

/// `POST /send` body.
#[derive(Debug, Deserialize)]
struct Outgoing {
    room: i64,
    client_id: String,
    text: String,
}

/// The shop's `ChatMessage` (app/src/chat/model.rs).
#[derive(Debug, Serialize)]
struct ChatMessage {
    conversation: i64,
    seq: i64,
    client_id: String,
    author: &'static str,
    author_name: &'static str,
    text: String,
    sent_at: String,
}

/// `GET /ws?room=N` or `GET /ws?support=1`.
async fn upgrade(
    State(hub): State<Arc<Hub>>,
    Query(feed): Query<Feed>,
    ws: WebSocketUpgrade,
) -> Response {
    let room = match (feed.room, feed.support) {
        (Some(room), None) => Some(room),
        (None, Some(1)) => None,
        _ => return (StatusCode::BAD_REQUEST, "give ?room=N or ?support=1\n").into_response(),
    };
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| run(socket, hub, room))
}

/// Subscribes, says so with a snapshot, then forwards the channel until
/// the client goes, stops answering pings or falls too far behind.
async fn run(socket: WebSocket, hub: Arc<Hub>, room: Option<i64>) {
    let (mut events, topic, head) = {
        let mut state = hub.lock();
        match room {
            Some(id) => {
                let room = state.room(id);
                (room.sender.subscribe(), format!("chat:{id}"), room.seq)
            }
            None => (
                hub.support.subscribe(),
                "support".to_owned(),
                state.support_seq,
            ),
        }
    };
    let (mut sink, mut stream) = socket.split();
    let snapshot = json!({ "type": "snapshot", "topic": topic, "seq": head, "refetch": false });
    if sink
        .send(Message::Text(snapshot.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut heartbeat = interval(HEARTBEAT);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let too_slow = loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                None | Some(Err(_) | Ok(Message::Close(_))) => break false,
                // Nothing a client says matters here.
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            event = events.recv() => match event {
                Ok(text) => match timeout(SEND_TIMEOUT, sink.send(Message::Text(text))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break false,
                    Err(_) => break true,
                },
                Err(RecvError::Lagged(_)) => break true,
                Err(RecvError::Closed) => break false,
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > HEARTBEAT * 2
                    || sink.send(Message::Ping(Default::default())).await.is_err()
                {
                    break false;
                }
            },
        }
    };
    if too_slow {
        let frame = CloseFrame {
            code: CLOSE_TOO_SLOW,
            reason: Utf8Bytes::from_static("too slow"),
        };
        // The client may already be gone; nothing more to do then.
        let _ = timeout(SEND_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
    }
}

/// `POST /send`: the room's next message, broadcast to the room and to
/// support.
async fn send(State(hub): State<Arc<Hub>>, Json(out): Json<Outgoing>) -> Response {
    if let Err(reason) = check(&out) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": reason }))).into_response();
    }
    let sent_at = rfc3339_utc(SystemTime::now());
    let preview: String = out.text.chars().take(PREVIEW_CHARS).collect();
    let mut state = hub.lock();
    let room = state.room(out.room);
    room.seq += 1;
    let message = ChatMessage {
        conversation: out.room,
        seq: room.seq,
        client_id: out.client_id,
        author: "support",
        author_name: "Baseline",
        text: out.text,
        sent_at,
    };
    let event = json!({
        "type": "event", "topic": format!("chat:{}", out.room), "seq": message.seq,
        "kind": "CHAT_MESSAGE", "payload": &message,
    });
    // No receiver is fine: nobody is watching.
    let _ = room.sender.send(event.to_string().into());
    state.support_seq += 1;
    let summary = json!({
        "type": "event", "topic": "support", "seq": state.support_seq, "kind": "CONVERSATION_CHANGED",
        "payload": {
            "id": out.room, "status": "open", "last_seq": message.seq,
            "last_message": preview, "last_message_at": &message.sent_at,
        },
    });
    let _ = hub.support.send(summary.to_string().into());
    drop(state);
    Json(message).into_response()
}

/// The shop's rules for a message: a client id of 1–64 of `[A-Za-z0-9_-]`
/// and a text of 1–2000 characters.
fn check(out: &Outgoing) -> Result<(), &'static str> {
    let id_ok = (1..=64).contains(&out.client_id.len())
        && out
            .client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !id_ok {
        return Err("client_id must be 1-64 of A-Z a-z 0-9 _ -");
    }
    let chars = out.text.trim().chars().count();
    if chars == 0 || chars > MAX_TEXT_CHARS {
        return Err("text must be 1-2000 characters");
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SSZ` of `at` (UTC), without a date library.
fn rfc3339_utc(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 ≥ 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(rfc3339_utc(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(at(1_798_761_599)), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn checks_messages_like_the_shop() {
        let out = |client_id: &str, text: &str| Outgoing {
            room: 1,
            client_id: client_id.into(),
            text: text.into(),
        };
        assert!(check(&out("b1-s0", "hello")).is_ok());
        assert!(check(&out("", "hello")).is_err());
        assert!(check(&out("has space", "hello")).is_err());
        assert!(check(&out(&"x".repeat(65), "hello")).is_err());
        assert!(check(&out("ok", "  ")).is_err());
    }
}
