//! `/ws` with real WebSockets: per-topic authorization from the session,
//! the Origin check, live delivery after commit, catch-up after a dropped
//! connection (exactly the missed events, in order), nothing published for
//! a rolled-back transaction, and sockets ended by signing out.

use crate::admin::{admin, placed_order, put, row, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::checkout::customer;
use crate::helpers::{on_both_backends, TestApp};
use app::live::protocol::{EventBody, ServerMessage};
use app::live::ssr::{catch_up, record};
use app::live::topic::Topic;
use futures::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::Client;
use sea_orm::TransactionTrait;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest wait for a message that should come.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// A visitor whose cookies can be handed to a WebSocket handshake.
pub(crate) struct Visitor {
    pub(crate) client: Client,
    pub(crate) jar: Arc<Jar>,
}

impl Visitor {
    pub(crate) fn new() -> Visitor {
        let jar = Arc::new(Jar::default());
        let client = Client::builder().cookie_provider(jar.clone()).build().expect("client");
        Visitor { client, jar }
    }

    pub(crate) async fn sign_in(app: &TestApp, email: &str, password: &str) -> Visitor {
        let visitor = Visitor::new();
        let (status, body) = app.post_json_as(&visitor.client, "/api/auth/sign-in", json!({ "email": email, "password": password })).await;
        assert_eq!(status, 200, "sign in {email}: {body}");
        visitor
    }

    /// Opens `/ws` with this visitor's cookies and the shop's own Origin.
    pub(crate) async fn socket(&self, app: &TestApp) -> Socket {
        self.socket_from(app, &app.base).await.expect("the socket opens")
    }

    pub(crate) async fn socket_from(&self, app: &TestApp, origin: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("ws://{}/ws", app.address()).into_client_request().expect("request");
        let url = app.base.parse().expect("base URL");
        if let Some(cookies) = self.jar.cookies(&url) {
            request.headers_mut().insert("cookie", cookies);
        }
        request.headers_mut().insert("origin", origin.parse().expect("origin header"));
        connect_async(request).await.map(|(socket, _)| socket)
    }
}

pub(crate) async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.expect("send");
}

pub(crate) async fn subscribe(socket: &mut Socket, topic: &str, after: Option<i64>) {
    send(socket, json!({ "type": "subscribe", "topic": topic, "after": after })).await;
}

/// The next message from the server (pings are answered by the library).
pub(crate) async fn next(socket: &mut Socket) -> ServerMessage {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time").expect("socket open").expect("frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).unwrap_or_else(|e| panic!("a server message, got {text}: {e}"));
        }
    }
}

/// Subscribes and returns the snapshot's sequence number.
pub(crate) async fn subscribed(socket: &mut Socket, topic: &str) -> i64 {
    subscribe(socket, topic, None).await;
    match next(socket).await {
        ServerMessage::Snapshot { topic: t, seq, refetch: false } if t == topic => seq,
        other => panic!("expected a snapshot of {topic}, got {other:?}"),
    }
}

pub(crate) fn refused(message: ServerMessage, topic: &str) -> String {
    match message {
        ServerMessage::Error { topic: Some(t), message } if t == topic => message,
        other => panic!("expected {topic} to be refused, got {other:?}"),
    }
}

async fn topics_are_authorized_from_the_session(app: TestApp) {
    let (_, a_order) = placed_order(&app, "ann.ws@example.com").await;
    let _ = customer(&app, "bob.ws@example.com").await;
    let bob = Visitor::sign_in(&app, "bob.ws@example.com", crate::checkout::PASSWORD).await;
    let mut socket = bob.socket(&app).await;
    subscribe(&mut socket, "orders", None).await;
    assert!(refused(next(&mut socket).await, "orders").contains("permission"));
    subscribe(&mut socket, "kpi", None).await;
    assert!(refused(next(&mut socket).await, "kpi").contains("permission"));
    let topic = format!("order:{a_order}");
    subscribe(&mut socket, &topic, None).await;
    assert!(refused(next(&mut socket).await, &topic).contains("not found"));
    subscribe(&mut socket, "jobs", None).await;
    refused(next(&mut socket).await, "jobs");
    subscribe(&mut socket, "kpi;drop", None).await;
    refused(next(&mut socket).await, "kpi;drop");

    let guest = Visitor::new();
    let mut socket = guest.socket(&app).await;
    subscribe(&mut socket, &topic, None).await;
    assert!(refused(next(&mut socket).await, &topic).contains("sign in"));

    let ann = Visitor::sign_in(&app, "ann.ws@example.com", crate::checkout::PASSWORD).await;
    let mut socket = ann.socket(&app).await;
    subscribed(&mut socket, &topic).await;
    let staff = Visitor::sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = staff.socket(&app).await;
    subscribed(&mut socket, "orders").await;
    subscribed(&mut socket, "kpi").await;
    subscribed(&mut socket, &topic).await;
}

async fn foreign_pages_cannot_open_the_socket(app: TestApp) {
    let staff = Visitor::sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let refused = staff.socket_from(&app, "http://evil.example").await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a cross-site upgrade is refused with 403, got {:?}", other.map(|_| "a socket")),
    }
}

async fn changes_arrive_live_and_in_order(app: TestApp) {
    let staff = Visitor::sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = staff.socket(&app).await;
    let head = subscribed(&mut socket, "orders").await;
    let mut figures = staff.socket(&app).await;
    subscribed(&mut figures, "kpi").await;
    let (_, id) = placed_order(&app, "live@example.com").await;
    match next(&mut figures).await {
        ServerMessage::Event(event) => assert!(
            matches!(event.body, EventBody::KpiChanged(ref change) if i64::from(change.order_id) == id),
            "a placed order moves the KPIs: {event:?}"
        ),
        other => panic!("KPI_CHANGED expected, got {other:?}"),
    }
    match next(&mut socket).await {
        ServerMessage::Event(event) => {
            assert_eq!((event.topic.as_str(), event.seq), ("orders", head + 1));
            match event.body {
                EventBody::OrderSynced(row) => assert_eq!((i64::from(row.id), row.customer_email.as_str()), (id, "live@example.com")),
                other => panic!("ORDER_SYNCED expected, got {other:?}"),
            }
        }
        other => panic!("the new order arrives live, got {other:?}"),
    }
    // The customer's own topic sees the admin ship it.
    let owner = Visitor::sign_in(&app, "live@example.com", crate::checkout::PASSWORD).await;
    let mut mine = owner.socket(&app).await;
    subscribed(&mut mine, &format!("order:{id}")).await;
    let desk = admin(&app).await;
    let version = row(&app, &desk, id).await["version"].as_i64().expect("version");
    assert_eq!(put(&app, &desk, id, json!({ "version": version, "status": "shipped", "tracking_number": "1ZLIVE" })).await.0, 200);
    match next(&mut mine).await {
        ServerMessage::Event(event) => match event.body {
            EventBody::OrderUpdated(update) => {
                assert_eq!(update.status, app::orders::status::OrderStatus::Shipped);
                assert_eq!(update.tracking_number.as_deref(), Some("1ZLIVE"));
            }
            other => panic!("ORDER_UPDATED expected, got {other:?}"),
        },
        other => panic!("the customer sees the shipment live, got {other:?}"),
    }
}

async fn a_reconnecting_client_gets_exactly_what_it_missed(app: TestApp) {
    let (_, id) = placed_order(&app, "catchup@example.com").await;
    let staff = Visitor::sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = staff.socket(&app).await;
    let seen = subscribed(&mut socket, "orders").await;
    socket.close(None).await.expect("close");
    drop(socket);

    let desk = admin(&app).await;
    for note in ["one", "two", "three"] {
        let version = row(&app, &desk, id).await["version"].as_i64().expect("version");
        assert_eq!(put(&app, &desk, id, json!({ "version": version, "notes": note })).await.0, 200);
    }
    let mut socket = staff.socket(&app).await;
    subscribe(&mut socket, "orders", Some(seen)).await;
    let mut versions = Vec::new();
    for expected in seen + 1..=seen + 3 {
        match next(&mut socket).await {
            ServerMessage::Event(event) => {
                assert_eq!(event.seq, expected, "in order, none skipped");
                if let EventBody::OrderSynced(row) = event.body {
                    versions.push(row.version);
                }
            }
            other => panic!("a missed event, got {other:?}"),
        }
    }
    assert!(versions.windows(2).all(|w| w[1] == w[0] + 1), "{versions:?}");
    match next(&mut socket).await {
        ServerMessage::Snapshot { seq, refetch: false, .. } => assert_eq!(seq, seen + 3, "then live, with nothing twice"),
        other => panic!("a snapshot after the catch-up, got {other:?}"),
    }

    // Events pruned: told to refetch instead of being given a gap.
    app::live::ssr::prune::prune(&app.db, chrono::Utc::now() + chrono::Duration::seconds(1)).await.expect("prune");
    subscribe(&mut socket, "orders", Some(seen)).await;
    match next(&mut socket).await {
        ServerMessage::Snapshot { seq, refetch: true, .. } => assert_eq!(seq, seen + 3),
        other => panic!("a refetch after pruning, got {other:?}"),
    }
}

async fn a_rolled_back_change_announces_nothing(app: TestApp) {
    let (_, earlier) = placed_order(&app, "before-rollback@example.com").await;
    let staff = Visitor::sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = staff.socket(&app).await;
    let head = subscribed(&mut socket, "orders").await;
    let txn = app.db.begin().await.expect("begin");
    let phantom = row(&app, &admin(&app).await, earlier).await;
    let phantom = serde_json::from_value(phantom).expect("a row");
    record(&txn, Topic::Orders, EventBody::OrderSynced(phantom)).await.expect("record");
    txn.rollback().await.expect("rollback");
    assert_eq!(catch_up::head(&app.db, "orders").await.expect("head"), head, "the counter rolled back too");

    // The next real change is the next number: no phantom, no gap.
    let (_, id) = placed_order(&app, "after-rollback@example.com").await;
    match next(&mut socket).await {
        ServerMessage::Event(event) => {
            assert_eq!(event.seq, head + 1);
            assert!(matches!(event.body, EventBody::OrderSynced(ref row) if i64::from(row.id) == id));
        }
        other => panic!("the real order, got {other:?}"),
    }
}

async fn signing_out_ends_the_sessions_sockets(app: TestApp) {
    let (_, id) = placed_order(&app, "leaving@example.com").await;
    let visitor = Visitor::sign_in(&app, "leaving@example.com", crate::checkout::PASSWORD).await;
    let mut socket = visitor.socket(&app).await;
    subscribed(&mut socket, &format!("order:{id}")).await;
    let (status, _) = app.post_json_as(&visitor.client, "/api/auth/sign-out", json!({})).await;
    assert_eq!(status, 200);
    let closed = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) => return None,
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the socket is closed after signing out");
    assert_eq!(closed, Some(4001));
}

on_both_backends!(
    topics_are_authorized_from_the_session,
    foreign_pages_cannot_open_the_socket,
    changes_arrive_live_and_in_order,
    a_reconnecting_client_gets_exactly_what_it_missed,
    a_rolled_back_change_announces_nothing,
    signing_out_ends_the_sessions_sockets,
);
