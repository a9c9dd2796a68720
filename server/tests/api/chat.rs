//! Live chat over HTTP and real WebSockets: messages delivered live to
//! both sides, history in order, catch-up after a reconnect, idempotent
//! retries, nothing lost across a server restart, who may read and write
//! which conversation, rate limits and validation, a guest's conversation
//! moving to their new account, support's presence, typing signals, and
//! the console's assign / close / reopen.

use crate::admin::{admin, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::checkout::{customer, scalar, PASSWORD};
use crate::helpers::{for_both_backends, on_both_backends, Backend, TestApp};
use crate::live::{next, refused, send, subscribe, subscribed, Socket, Visitor, PATIENCE};
use crate::process::ServerProcess;
use app::chat::model::{Author, ChatMessage, Conversation, ConversationStatus, Typing};
use app::error::AppError;
use app::live::protocol::{EventBody, LiveEvent, ServerMessage};
use futures::StreamExt;
use reqwest::cookie::CookieStore;
use reqwest::Client;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A client id no other message in this test process has.
fn client_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("t{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `POST /api/chat/send` as `client` at `base`; status, `Retry-After` and body.
async fn post_send(client: &Client, base: &str, body: Value) -> (u16, Option<String>, Value) {
    let response = client.post(format!("{base}/api/chat/send")).json(&body).send().await.expect("POST /api/chat/send");
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().expect("ASCII Retry-After").to_string());
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON from /api/chat/send, got: {text}"));
    (status, retry_after, value)
}

/// POST JSON to `base` + `path` as `client`.
async fn post_at(client: &Client, base: &str, path: &str, body: Value) -> (u16, Value) {
    let response = client.post(format!("{base}{path}")).json(&body).send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON from {path}, got: {text}"));
    (status, value)
}

/// Sends `text` as a customer or guest, in their open conversation (or a
/// new one); the message sent.
async fn say(app: &TestApp, client: &Client, text: &str) -> ChatMessage {
    say_at(client, &app.base, text).await
}

async fn say_at(client: &Client, base: &str, text: &str) -> ChatMessage {
    let (status, _, body) = post_send(client, base, json!({ "client_id": client_id(), "text": text })).await;
    assert_eq!(status, 200, "send {text:?}: {body}");
    serde_json::from_value(body).expect("a ChatMessage")
}

/// An admin's reply in conversation `id`.
async fn reply(app: &TestApp, staff: &Client, id: i32, text: &str) -> ChatMessage {
    let (status, _, body) = post_send(staff, &app.base, json!({ "conversation": id, "client_id": client_id(), "text": text })).await;
    assert_eq!(status, 200, "reply {text:?} in {id}: {body}");
    let message: ChatMessage = serde_json::from_value(body).expect("a ChatMessage");
    assert_eq!((message.conversation, message.author), (id, Author::Support), "{message:?}");
    message
}

/// The caller's `/api/chat/history`: its conversation and messages.
async fn history(app: &TestApp, client: &Client) -> (Option<Conversation>, Vec<ChatMessage>) {
    history_at(client, &app.base).await
}

async fn history_at(client: &Client, base: &str) -> (Option<Conversation>, Vec<ChatMessage>) {
    let (status, body) = post_at(client, base, "/api/chat/history", json!({})).await;
    assert_eq!(status, 200, "history: {body}");
    let conversation = serde_json::from_value(body["conversation"].clone()).unwrap_or_else(|e| panic!("a Conversation or null in {body}: {e}"));
    let messages = serde_json::from_value(body["messages"].clone()).unwrap_or_else(|e| panic!("ChatMessages in {body}: {e}"));
    (conversation, messages)
}

/// The console's list for `filter`.
async fn queue(app: &TestApp, staff: &Client, filter: &str) -> Vec<Conversation> {
    let (status, body) = app.post_json_as(staff, "/api/admin/support/conversations", json!({ "filter": filter })).await;
    assert_eq!(status, 200, "conversations {filter}: {body}");
    assert!(body["live_seq"].is_i64(), "live_seq in {body}");
    assert!(body["me"].is_i64(), "me in {body}");
    serde_json::from_value(body["conversations"].clone()).unwrap_or_else(|e| panic!("Conversations in {body}: {e}"))
}

/// A support action (`assign`, `close`, `reopen`) on conversation `id`.
async fn act(app: &TestApp, staff: &Client, action: &str, id: i32) -> Conversation {
    let (status, body) = app.post_json_as(staff, &format!("/api/admin/support/{action}"), json!({ "id": id })).await;
    assert_eq!(status, 200, "{action} {id}: {body}");
    serde_json::from_value(body).unwrap_or_else(|e| panic!("a Conversation from {action}: {e}"))
}

/// A new customer's signed-in visitor, whose cookies can open sockets.
async fn registered(app: &TestApp, email: &str, name: &str) -> Visitor {
    let visitor = Visitor::new();
    let (status, body) =
        app.post_json_as(&visitor.client, "/api/auth/register", json!({ "email": email, "password": PASSWORD, "name": name })).await;
    assert_eq!(status, 200, "register {email}: {body}");
    visitor
}

async fn staff_visitor(app: &TestApp) -> Visitor {
    Visitor::sign_in(app, ADMIN_EMAIL, ADMIN_PASSWORD).await
}

/// The next message, which must be an event (not a signal) on `topic`.
async fn event_on(socket: &mut Socket, topic: &str) -> LiveEvent {
    match next(socket).await {
        ServerMessage::Event(event) if event.topic == topic => event,
        other => panic!("an event on {topic} expected, got {other:?}"),
    }
}

/// The next message, which must be `CHAT_MESSAGE` on `chat:{id}` with the
/// event's seq equal to the message's.
async fn chat_event(socket: &mut Socket, id: i32) -> ChatMessage {
    let event = event_on(socket, &format!("chat:{id}")).await;
    match event.body {
        EventBody::ChatMessage(message) => {
            assert_eq!(event.seq, message.seq, "the event's seq is the message's");
            assert_eq!(message.conversation, id);
            message
        }
        other => panic!("CHAT_MESSAGE expected, got {other:?}"),
    }
}

/// The next message, which must be `CONVERSATION_CHANGED` on `support`.
async fn conversation_changed(socket: &mut Socket) -> Conversation {
    let event = event_on(socket, "support").await;
    assert!(event.seq > 0, "support events are numbered: {event:?}");
    match event.body {
        EventBody::ConversationChanged(conversation) => conversation,
        other => panic!("CONVERSATION_CHANGED expected, got {other:?}"),
    }
}

/// The next message, which must be a signal on `topic`.
async fn signal_on(socket: &mut Socket, topic: &str) -> EventBody {
    match next(socket).await {
        ServerMessage::Signal(event) if event.topic == topic => {
            assert_eq!(event.seq, 0, "signals are not numbered: {event:?}");
            event.body
        }
        other => panic!("a signal on {topic} expected, got {other:?}"),
    }
}

async fn presence_signal(socket: &mut Socket) -> bool {
    match signal_on(socket, "presence").await {
        EventBody::SupportPresence { online } => online,
        other => panic!("SUPPORT_PRESENCE expected, got {other:?}"),
    }
}

/// The next message, which must be the snapshot of `topic`; its seq.
async fn snapshot(socket: &mut Socket, topic: &str) -> i64 {
    match next(socket).await {
        ServerMessage::Snapshot { topic: t, seq, refetch: false } if t == topic => seq,
        other => panic!("a snapshot of {topic} expected, got {other:?}"),
    }
}

/// Closes `socket` and waits until the server has answered the close (so
/// the server side has seen it end).
async fn close(mut socket: Socket) {
    socket.close(None).await.expect("close");
    let _ = tokio::time::timeout(PATIENCE, async { while let Some(Ok(_)) = socket.next().await {} }).await;
}

/// `/ws` at `base` (a server process) with `visitor`'s cookies.
async fn socket_at(visitor: &Visitor, base: &str) -> Socket {
    let mut request = format!("ws://{}/ws", base.trim_start_matches("http://")).into_client_request().expect("request");
    if let Some(cookies) = visitor.jar.cookies(&base.parse().expect("base URL")) {
        request.headers_mut().insert("cookie", cookies);
    }
    request.headers_mut().insert("origin", base.parse().expect("origin header"));
    tokio_tungstenite::connect_async(request).await.map(|(socket, _)| socket).expect("the socket opens")
}

/// The error a refused request's body names.
fn app_error(body: &Value) -> AppError {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("an AppError, got {body}: {e}"))
}

// ---------------------------------------------------------------------------
// 1. Live delivery both ways
// ---------------------------------------------------------------------------

async fn messages_arrive_live_on_both_sides(app: TestApp) {
    let staff = staff_visitor(&app).await;
    let mut desk = staff.socket(&app).await;
    subscribed(&mut desk, "support").await;

    let ann = registered(&app, "ann.chat@example.com", "Ann Chat").await;
    let first = say(&app, &ann.client, "Where is my parcel?").await;
    assert_eq!((first.seq, first.author, first.author_name.as_str()), (1, Author::Customer, "Ann Chat"), "{first:?}");
    assert_eq!(first.text, "Where is my parcel?");
    let id = first.conversation;

    // The console's list hears of the new conversation.
    let changed = conversation_changed(&mut desk).await;
    assert_eq!(changed.id, id);
    assert_eq!((changed.last_seq, changed.status, changed.signed_in), (1, ConversationStatus::Open, true), "{changed:?}");
    assert_eq!(changed.customer_name, "Ann Chat");
    assert_eq!(changed.last_message, "Where is my parcel?");
    assert_eq!(changed.unread_by_support(), 1, "{changed:?}");

    // The admin opens the conversation from its start: the first message
    // is replayed, then the snapshot.
    subscribe(&mut desk, &format!("chat:{id}"), Some(0)).await;
    assert_eq!(chat_event(&mut desk, id).await, first, "the replayed message is the one sent");
    assert_eq!(snapshot(&mut desk, &format!("chat:{id}")).await, 1);

    // The customer's own socket.
    let mut mine = ann.socket(&app).await;
    assert_eq!(subscribed(&mut mine, &format!("chat:{id}")).await, 1);

    // A second customer message arrives live on both topics of the desk.
    let second = say(&app, &ann.client, "Order 1234, sent last week").await;
    assert_eq!((second.conversation, second.seq), (id, 2));
    let mut got_message = None;
    let mut got_change = None;
    for _ in 0..2 {
        match next(&mut desk).await {
            ServerMessage::Event(LiveEvent { topic, seq, body: EventBody::ChatMessage(m) }) if topic == format!("chat:{id}") => {
                assert_eq!(seq, 2);
                assert!(got_message.replace(m).is_none(), "CHAT_MESSAGE twice");
            }
            ServerMessage::Event(LiveEvent { topic, body: EventBody::ConversationChanged(c), .. }) if topic == "support" => {
                assert!(got_change.replace(c).is_none(), "CONVERSATION_CHANGED twice");
            }
            other => panic!("CHAT_MESSAGE and CONVERSATION_CHANGED expected, got {other:?}"),
        }
    }
    assert_eq!(got_message.expect("CHAT_MESSAGE"), second);
    let change = got_change.expect("CONVERSATION_CHANGED");
    assert_eq!((change.id, change.last_seq, change.last_message.as_str()), (id, 2, "Order 1234, sent last week"));
    // The customer's socket gets their own message too (other tabs).
    assert_eq!(chat_event(&mut mine, id).await, second);

    // The admin replies: the customer sees it live, as support, seq 3.
    let desk_http = admin(&app).await;
    let answer = reply(&app, &desk_http, id, "It is on its way.").await;
    assert_eq!(answer.seq, 3);
    assert!(answer.author_name.ends_with(" (Support)") && answer.author_name != "Ann Chat", "support's name: {answer:?}");
    let live = chat_event(&mut mine, id).await;
    assert_eq!(live, answer, "the customer sees the reply as it was sent");
    assert_eq!(live.author, Author::Support);
    // And the desk's list follows: support has read what it answered.
    let mut seen_change = false;
    for _ in 0..2 {
        match next(&mut desk).await {
            ServerMessage::Event(LiveEvent { body: EventBody::ChatMessage(m), .. }) => assert_eq!(m, answer),
            ServerMessage::Event(LiveEvent { topic, body: EventBody::ConversationChanged(c), .. }) if topic == "support" => {
                assert_eq!((c.last_seq, c.support_read_seq), (3, 3), "{c:?}");
                assert_eq!(c.unread_by_support(), 0);
                seen_change = true;
            }
            other => panic!("the reply's events expected, got {other:?}"),
        }
    }
    assert!(seen_change);
}

// ---------------------------------------------------------------------------
// 2. History
// ---------------------------------------------------------------------------

async fn history_lists_the_messages_in_order(app: TestApp) {
    let guest_history = history(&app, &app.session_client()).await;
    assert_eq!(guest_history, (None, Vec::new()), "nothing yet for a new visitor");

    let ann = customer(&app, "history@example.com").await;
    assert_eq!(history(&app, &ann).await, (None, Vec::new()), "nothing yet for a new customer");
    let staff = admin(&app).await;
    let one = say(&app, &ann, "one").await;
    let id = one.conversation;
    let two = say(&app, &ann, "two").await;
    let three = reply(&app, &staff, id, "three").await;
    let four = say(&app, &ann, "four").await;
    let sent = vec![one, two, three, four];
    assert_eq!(sent.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3, 4], "seq counts 1, 2, 3… per conversation");

    let (conversation, messages) = history(&app, &ann).await;
    let conversation = conversation.expect("a conversation");
    assert_eq!(messages, sent, "the customer's history, oldest first");
    assert_eq!((conversation.id, conversation.last_seq, conversation.last_message.as_str()), (id, 4, "four"));
    assert_eq!(conversation.customer_read_seq, 4, "writing reads everything before");
    assert_eq!(conversation.support_read_seq, 3, "support answered up to 3");
    assert_eq!(conversation.unread_by_support(), 1);

    let (status, thread) = app.post_json_as(&staff, "/api/admin/support/conversation", json!({ "id": id })).await;
    assert_eq!(status, 200, "{thread}");
    let messages: Vec<ChatMessage> = serde_json::from_value(thread["messages"].clone()).expect("messages");
    assert_eq!(messages, sent, "the admin's thread, oldest first");
    assert_eq!(thread["conversation"]["id"], id);

    // The read marks: support reads up to 4; the customer's read mark is
    // capped at the last message.
    let (status, read) = app.post_json_as(&staff, "/api/admin/support/read", json!({ "id": id, "seq": 4 })).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["support_read_seq"], 4, "{read}");
    let listed = queue(&app, &staff, "open").await;
    let row = listed.iter().find(|c| c.id == id).expect("listed");
    assert_eq!(row.unread_by_support(), 0, "{row:?}");
    let five = reply(&app, &staff, id, "five").await;
    let (status, read) = app.post_json_as(&ann, "/api/chat/read", json!({ "conversation": id, "seq": 99 })).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["customer_read_seq"], five.seq, "capped at the last message: {read}");

    // A second conversation has its own numbering.
    let bob = customer(&app, "history2@example.com").await;
    let other = say(&app, &bob, "hello").await;
    assert_ne!(other.conversation, id);
    assert_eq!(other.seq, 1);
}

// ---------------------------------------------------------------------------
// 3. Reconnect catch-up
// ---------------------------------------------------------------------------

async fn a_reconnecting_customer_gets_exactly_the_missed_messages(app: TestApp) {
    let ann = registered(&app, "reconnect.chat@example.com", "Ann Reconnect").await;
    let first = say(&app, &ann.client, "Hello?").await;
    let id = first.conversation;
    let topic = format!("chat:{id}");
    let mut socket = ann.socket(&app).await;
    let seen = subscribed(&mut socket, &topic).await;
    assert_eq!(seen, 1);
    close(socket).await;

    let staff = admin(&app).await;
    let mut replies = Vec::new();
    for text in ["Hi!", "Let me check.", "Found it."] {
        replies.push(reply(&app, &staff, id, text).await);
    }

    let mut socket = ann.socket(&app).await;
    subscribe(&mut socket, &topic, Some(seen)).await;
    for expected in &replies {
        assert_eq!(&chat_event(&mut socket, id).await, expected, "exactly the missed ones, in order");
    }
    assert_eq!(snapshot(&mut socket, &topic).await, 4, "then the snapshot, at the last");

    // Live from there, nothing twice.
    let live = reply(&app, &staff, id, "Anything else?").await;
    assert_eq!(chat_event(&mut socket, id).await, live);

    // From the middle: only what came after.
    let mut again = ann.socket(&app).await;
    subscribe(&mut again, &topic, Some(3)).await;
    assert_eq!(chat_event(&mut again, id).await.seq, 4);
    assert_eq!(chat_event(&mut again, id).await.seq, 5);
    assert_eq!(snapshot(&mut again, &topic).await, 5);
}

// ---------------------------------------------------------------------------
// 4. Idempotent retries
// ---------------------------------------------------------------------------

async fn a_retried_send_returns_the_first_message(app: TestApp) {
    let ann = customer(&app, "retry.chat@example.com").await;
    let first = say(&app, &ann, "first").await;
    let id = first.conversation;
    let staff = staff_visitor(&app).await;
    let mut desk = staff.socket(&app).await;
    assert_eq!(subscribed(&mut desk, &format!("chat:{id}")).await, 1);

    let key = client_id();
    let (status, _, sent) = post_send(&ann, &app.base, json!({ "client_id": key, "text": "only once" })).await;
    assert_eq!(status, 200, "{sent}");
    for text in ["only once", "only once, edited"] {
        let (status, _, again) = post_send(&ann, &app.base, json!({ "client_id": key, "text": text })).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again, sent, "the retry is answered with the original message");
    }
    assert_eq!(sent["seq"], 2);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM chat_messages WHERE client_id = '{key}'")).await, 1, "one row");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM chat_messages WHERE conversation_id = {id}")).await, 2);
    assert_eq!(chat_event(&mut desk, id).await.seq, 2);

    let last = say(&app, &ann, "last").await;
    assert_eq!(last.seq, 3, "no seq was used by a retry");
    assert_eq!(chat_event(&mut desk, id).await, last, "no duplicate event before it");

    // Concurrent retries of one send (another customer, so that the
    // retries stay within the send rate): one message, one answer for all.
    let carl = customer(&app, "retry.concurrent@example.com").await;
    let opening = say(&app, &carl, "opening").await;
    let carls = opening.conversation;
    assert_eq!(subscribed(&mut desk, &format!("chat:{carls}")).await, 1);
    let key = client_id();
    let body = json!({ "client_id": key, "text": "sent from a flaky network" });
    let answers = futures::future::join_all((0..3).map(|_| post_send(&carl, &app.base, body.clone()))).await;
    for (status, _, answer) in &answers {
        assert_eq!(*status, 200, "{answer}");
        assert_eq!(answer, &answers[0].2, "every retry gets the same message");
    }
    assert_eq!(answers[0].2["seq"], 2);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM chat_messages WHERE client_id = '{key}'")).await, 1, "one row");
    // The socket saw it once: the next event is the next message.
    assert_eq!(chat_event(&mut desk, carls).await.seq, 2);
    let after = say(&app, &carl, "after").await;
    assert_eq!(after.seq, 3);
    assert_eq!(chat_event(&mut desk, carls).await, after, "no duplicate event before it");

    // The same client id from someone else is their own message.
    let bob = customer(&app, "retry.other@example.com").await;
    let (status, _, theirs) = post_send(&bob, &app.base, json!({ "client_id": key, "text": "mine" })).await;
    assert_eq!(status, 200, "{theirs}");
    assert_ne!(theirs["conversation"], carls, "another sender's client id does not reach this conversation: {theirs}");
    assert_eq!((theirs["text"].clone(), theirs["seq"].clone()), (json!("mine"), json!(1)), "{theirs}");
}

/// A retried first message (no conversation yet) sent twice at once must
/// still make one conversation with one message.
async fn concurrent_retries_of_a_first_message_make_one_message(app: TestApp) {
    let ann = customer(&app, "retry.first@example.com").await;
    let key = client_id();
    let body = json!({ "client_id": key, "text": "hello, anyone?" });
    let answers = futures::future::join_all((0..4).map(|_| post_send(&ann, &app.base, body.clone()))).await;
    for (status, _, answer) in &answers {
        assert_eq!(*status, 200, "{answer}");
    }
    let bodies: Vec<&Value> = answers.iter().map(|(_, _, b)| b).collect();
    assert!(bodies.iter().all(|b| *b == bodies[0]), "every retry gets the same message: {bodies:?}");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM chat_messages WHERE client_id = '{key}'")).await, 1, "one row");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM chat_conversations").await, 1, "one conversation");
}

/// Different first messages sent at once go into one conversation,
/// numbered 1, 2, 3.
async fn concurrent_first_messages_share_one_conversation(app: TestApp) {
    let ann = customer(&app, "burst.first@example.com").await;
    let answers = futures::future::join_all(
        ["a", "b", "c"].map(|text| post_send(&ann, &app.base, json!({ "client_id": client_id(), "text": text }))),
    )
    .await;
    let mut seqs = Vec::new();
    let mut ids = Vec::new();
    for (status, _, answer) in &answers {
        assert_eq!(*status, 200, "{answer}");
        seqs.push(answer["seq"].as_i64().expect("seq"));
        ids.push(answer["conversation"].as_i64().expect("conversation"));
    }
    seqs.sort_unstable();
    assert!(ids.iter().all(|id| *id == ids[0]), "one conversation for a customer's burst of first messages: {answers:?}");
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM chat_conversations").await, 1);
}

// ---------------------------------------------------------------------------
// 5. Nothing lost across a restart of the real binary
// ---------------------------------------------------------------------------

/// A database that outlives a server process.
struct SharedDatabase {
    url: String,
    dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl SharedDatabase {
    async fn new(backend: Backend) -> SharedDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => SharedDatabase { url: format!("sqlite://{}/bazaar.db?mode=rwc", dir.path().display()), dir, postgres: None },
            Backend::Postgres => {
                let admin_url =
                    std::env::var("BAZAAR_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
                let name = format!("bazaar_chat_{}_{}", std::process::id(), rand::random::<u32>());
                let admin = Database::connect(&admin_url).await.expect("PostgreSQL is required for this test");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_string();
                SharedDatabase { url: format!("{base}/{name}"), dir, postgres: Some((admin_url, name)) }
            }
        }
    }

    async fn drop_database(&self) {
        if let Some((admin_url, name)) = &self.postgres {
            if let Ok(admin) = Database::connect(admin_url).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            }
        }
    }
}

fn start_server(database: &SharedDatabase) -> ServerProcess {
    ServerProcess::start_on(
        &database.url,
        &database.dir.path().join("outbox"),
        &[("BAZAAR_API_RATE_PER_SEC", "0"), ("BAZAAR_MAX_CONNECTIONS_PER_IP", "0")],
    )
}

async fn a_restart_loses_no_message(backend: Backend) {
    let database = SharedDatabase::new(backend).await;
    let mut server = start_server(&database);
    let ann = Visitor::new();
    let (status, body) = post_at(
        &ann.client,
        &server.base,
        "/api/auth/register",
        json!({ "email": "restart.chat@example.com", "password": PASSWORD, "name": "Ann Restart" }),
    )
    .await;
    assert_eq!(status, 200, "register: {body}");
    let guest = Visitor::new();
    let first = say_at(&ann.client, &server.base, "before the restart").await;
    let guest_first = say_at(&guest.client, &server.base, "a guest, before").await;
    assert_eq!(first.seq, 1);
    let retried_key = first.client_id.clone();

    server.kill();
    let server = start_server(&database);

    let second = say_at(&ann.client, &server.base, "after the restart").await;
    assert_eq!((second.conversation, second.seq), (first.conversation, 2), "the same conversation, the next number");
    let (_, messages) = history_at(&ann.client, &server.base).await;
    assert_eq!(messages, vec![first.clone(), second.clone()]);
    // A retry of the first message after the restart is still the first.
    let (status, _, again) =
        post_send(&ann.client, &server.base, json!({ "client_id": retried_key, "text": "before the restart" })).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(serde_json::from_value::<ChatMessage>(again).expect("a message"), first);

    // The guest's session and chat key survived too.
    let guest_second = say_at(&guest.client, &server.base, "a guest, after").await;
    assert_eq!((guest_second.conversation, guest_second.seq), (guest_first.conversation, 2));

    let id = first.conversation;
    let topic = format!("chat:{id}");
    let mut socket = socket_at(&ann, &server.base).await;
    subscribe(&mut socket, &topic, Some(0)).await;
    assert_eq!(chat_event(&mut socket, id).await, first);
    assert_eq!(chat_event(&mut socket, id).await, second);
    assert_eq!(snapshot(&mut socket, &topic).await, 2);
    let alarming = server.alarming_lines();
    assert!(alarming.is_empty(), "the restarted server logged errors: {alarming:#?}");
    drop(socket);
    drop(server);
    database.drop_database().await;
}

// ---------------------------------------------------------------------------
// 6. Authorization
// ---------------------------------------------------------------------------

async fn nobody_else_reaches_a_conversation(app: TestApp) {
    let ann = registered(&app, "ann.private@example.com", "Ann Private").await;
    let first = say(&app, &ann.client, "my private question").await;
    let id = first.conversation;
    let topic = format!("chat:{id}");

    // Another customer.
    let bob = registered(&app, "bob.private@example.com", "Bob Private").await;
    let mut socket = bob.socket(&app).await;
    subscribe(&mut socket, &topic, None).await;
    let message = refused(next(&mut socket).await, &topic);
    assert!(message.to_lowercase().contains("not found"), "{message}");
    subscribe(&mut socket, &topic, Some(0)).await;
    refused(next(&mut socket).await, &topic);
    subscribe(&mut socket, "support", None).await;
    assert!(refused(next(&mut socket).await, "support").contains("permission"));
    let (status, _, body) = post_send(&bob.client, &app.base, json!({ "conversation": id, "client_id": client_id(), "text": "let me in" })).await;
    assert_eq!((status, body.clone()), (404, json!({ "NotFound": "Conversation" })), "{body}");
    let (status, body) = app.post_json_as(&bob.client, "/api/chat/read", json!({ "conversation": id, "seq": 1 })).await;
    assert_eq!((status, body.clone()), (404, json!({ "NotFound": "Conversation" })), "{body}");
    assert_eq!(history(&app, &bob.client).await, (None, Vec::new()), "Bob's history is his own");
    // Bob writing in his own conversation does not touch Ann's.
    let his = say(&app, &bob.client, "my own").await;
    assert_ne!(his.conversation, id);
    let his_topic = format!("chat:{}", his.conversation);
    subscribed(&mut socket, &his_topic).await;

    // Guests: one with no chat, one with a chat of their own.
    let stranger = Visitor::new();
    let mut socket = stranger.socket(&app).await;
    subscribe(&mut socket, &topic, None).await;
    assert!(refused(next(&mut socket).await, &topic).to_lowercase().contains("not found"));
    subscribe(&mut socket, "support", None).await;
    refused(next(&mut socket).await, "support");
    let other_guest = Visitor::new();
    let theirs = say(&app, &other_guest.client, "a guest's own question").await;
    let mut socket = other_guest.socket(&app).await;
    subscribe(&mut socket, &topic, None).await;
    assert!(refused(next(&mut socket).await, &topic).to_lowercase().contains("not found"));
    subscribe(&mut socket, &his_topic, None).await;
    refused(next(&mut socket).await, &his_topic);
    // …but may follow their own.
    subscribed(&mut socket, &format!("chat:{}", theirs.conversation)).await;
    let (status, _, body) =
        post_send(&other_guest.client, &app.base, json!({ "conversation": id, "client_id": client_id(), "text": "let me in" })).await;
    assert_eq!((status, body.clone()), (404, json!({ "NotFound": "Conversation" })), "{body}");
    let (status, body) = app.post_json_as(&other_guest.client, "/api/chat/read", json!({ "conversation": id, "seq": 1 })).await;
    assert_eq!(status, 404, "{body}");

    // Ann's conversation is untouched.
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM chat_messages WHERE conversation_id = {id}")).await, 1);
    let (_, messages) = history(&app, &ann.client).await;
    assert_eq!(messages, vec![first]);

    // The console is for admins only.
    let endpoints = [
        ("conversations", json!({})),
        ("conversations", json!({ "filter": "all" })),
        ("conversation", json!({ "id": id })),
        ("assign", json!({ "id": id })),
        ("close", json!({ "id": id })),
        ("reopen", json!({ "id": id })),
        ("read", json!({ "id": id, "seq": 1 })),
    ];
    for (endpoint, body) in &endpoints {
        let path = format!("/api/admin/support/{endpoint}");
        let (status, answer) = app.post_json_as(&bob.client, &path, body.clone()).await;
        assert_eq!((status, answer.clone()), (403, json!("Forbidden")), "a customer at {path}: {answer}");
        let (status, answer) = app.post_json_as(&stranger.client, &path, body.clone()).await;
        assert_eq!((status, answer.clone()), (401, json!("Unauthorized")), "a guest at {path}: {answer}");
        let (status, answer) = app.post_json_as(&other_guest.client, &path, body.clone()).await;
        assert_eq!((status, answer.clone()), (401, json!("Unauthorized")), "a guest with a chat at {path}: {answer}");
    }
    let conversation = history(&app, &ann.client).await.0.expect("still there");
    assert_eq!((conversation.status, conversation.assignee), (ConversationStatus::Open, None), "nothing was changed");

    // And an admin may do all of it.
    let staff = staff_visitor(&app).await;
    let mut socket = staff.socket(&app).await;
    subscribed(&mut socket, &topic).await;
    subscribed(&mut socket, "support").await;
}

// ---------------------------------------------------------------------------
// 7. Rate limit and validation
// ---------------------------------------------------------------------------

async fn quick_sends_are_limited(app: TestApp) {
    let ann = customer(&app, "fast.chat@example.com").await;
    // The allowance is a burst of 5, then one more every 2 s: on a slow
    // machine a few more may pass, so send until refused and judge by the
    // time it took.
    let started = std::time::Instant::now();
    let mut first_key = None;
    let mut accepted = 0u64;
    let (retry_after, body) = loop {
        let key = client_id();
        first_key.get_or_insert_with(|| key.clone());
        let (status, retry_after, body) =
            post_send(&ann, &app.base, json!({ "client_id": key, "text": format!("message {}", accepted + 1) })).await;
        match status {
            200 => accepted += 1,
            429 => break (retry_after, body),
            other => panic!("message {}: {other} {body}", accepted + 1),
        }
        assert!(accepted <= 20, "20 quick messages and none refused");
    };
    let elapsed = started.elapsed();
    let refill = elapsed.as_secs() / 2 + 1;
    assert!(accepted >= 5, "5 quick messages are allowed, {accepted} were");
    if elapsed < std::time::Duration::from_secs(2) {
        assert_eq!(accepted, 5, "the 6th quick message is refused ({elapsed:?})");
    } else {
        assert!(accepted <= 5 + refill, "{accepted} messages in {elapsed:?}");
    }
    let secs = body["TooFast"]["retry_after_secs"].as_u64().unwrap_or_else(|| panic!("TooFast with retry_after_secs: {body}"));
    assert!((1..=10).contains(&secs), "{body}");
    let retry_after = retry_after.expect("a Retry-After header");
    assert_eq!(retry_after.parse::<u64>().ok(), Some(secs), "Retry-After matches the body");
    let shown = app_error(&body).to_string();
    assert!(shown.to_lowercase().contains("too fast"), "{shown}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM chat_messages").await, accepted as i64, "the refused message was not stored");

    // A retry of a message that went through is answered, not refused.
    let (status, _, body) = post_send(&ann, &app.base, json!({ "client_id": first_key.expect("a key"), "text": "message 1" })).await;
    assert_eq!(status, 200, "a retry is not a new message: {body}");
    assert_eq!(body["seq"], 1);

    // Another sender has their own allowance, and so does support.
    let bob = customer(&app, "slow.chat@example.com").await;
    say(&app, &bob, "hi").await;
    let staff = admin(&app).await;
    let id = body["conversation"].as_i64().expect("id") as i32;
    reply(&app, &staff, id, "Slow down, please").await;
}

async fn guests_start_at_most_three_conversations_an_hour(app: TestApp) {
    let guest = app.session_client();
    let staff = admin(&app).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        let message = say(&app, &guest, &format!("conversation {n}")).await;
        assert_eq!(message.seq, 1, "a new conversation each time");
        assert!(!ids.contains(&message.conversation));
        ids.push(message.conversation);
        act(&app, &staff, "close", message.conversation).await;
    }
    let (status, retry_after, body) = post_send(&guest, &app.base, json!({ "client_id": client_id(), "text": "a fourth" })).await;
    assert_eq!(status, 429, "a 4th conversation within the hour: {body}");
    assert!(body["TooFast"]["retry_after_secs"].as_u64().is_some_and(|s| s > 0), "{body}");
    assert!(retry_after.is_some(), "Retry-After");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM chat_conversations").await, 3);
    // Another guest is not affected.
    say(&app, &app.session_client(), "me too").await;
}

async fn message_text_is_checked_and_kept_verbatim(app: TestApp) {
    let ann = customer(&app, "text.chat@example.com").await;
    for empty in ["", "   ", " \n\t "] {
        let (status, _, body) = post_send(&ann, &app.base, json!({ "client_id": client_id(), "text": empty })).await;
        assert_eq!(status, 422, "{empty:?}: {body}");
        assert_eq!(body["Validation"]["field"], "text", "{body}");
    }
    let (status, _, body) = post_send(&ann, &app.base, json!({ "client_id": client_id(), "text": "a".repeat(4001) })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "text", "{body}");
    assert!(body["Validation"]["message"].as_str().is_some_and(|m| m.contains("4000")), "the message names the limit: {body}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM chat_messages").await, 0, "nothing stored");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM chat_conversations").await, 0, "no conversation started by a refused message");

    // Exactly at the limit (in characters, not bytes) is fine.
    let longest = "é".repeat(4000);
    let message = say(&app, &ann, &longest).await;
    assert_eq!(message.text, longest);

    let script = "<script>alert('hi')</script> & \"quotes\"\nnew line";
    let sent = say(&app, &ann, script).await;
    assert_eq!(sent.text, script, "returned verbatim");
    let (_, messages) = history(&app, &ann).await;
    assert_eq!(messages.last().map(|m| m.text.as_str()), Some(script), "stored verbatim");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM chat_messages WHERE body LIKE '<script>%'").await, 1);
    let staff = admin(&app).await;
    let listed = queue(&app, &staff, "open").await;
    assert!(listed.iter().any(|c| c.last_message.starts_with("<script>")), "the preview is the raw text: {listed:?}");

    // A malformed client id is refused by its field.
    let (status, _, body) = post_send(&ann, &app.base, json!({ "client_id": "not a valid id!", "text": "hi" })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"]["field"], "client_id", "{body}");
}

// ---------------------------------------------------------------------------
// 8. A guest's conversation moves to their account
// ---------------------------------------------------------------------------

async fn a_guests_conversation_moves_to_their_new_account(app: TestApp) {
    let visitor = Visitor::new();
    let one = say(&app, &visitor.client, "I have a question").await;
    let two = say(&app, &visitor.client, "before I buy").await;
    let id = one.conversation;
    assert_eq!((two.conversation, two.seq), (id, 2));
    let (conversation, _) = history(&app, &visitor.client).await;
    let conversation = conversation.expect("the guest's conversation");
    assert!(!conversation.signed_in, "{conversation:?}");
    // The guest's socket may follow their conversation.
    let mut socket = visitor.socket(&app).await;
    assert_eq!(subscribed(&mut socket, &format!("chat:{id}")).await, 2);

    let (status, body) = app
        .post_json_as(&visitor.client, "/api/auth/register", json!({ "email": "gina@example.com", "password": PASSWORD, "name": "Gina Guest" }))
        .await;
    assert_eq!(status, 200, "register: {body}");
    let (conversation, messages) = history(&app, &visitor.client).await;
    let conversation = conversation.expect("the conversation came along");
    assert_eq!(conversation.id, id, "the same conversation");
    assert!(conversation.signed_in, "{conversation:?}");
    assert_eq!(conversation.customer_name, "Gina Guest");
    assert_eq!(messages, vec![one, two], "its history kept");

    let staff = admin(&app).await;
    let listed = queue(&app, &staff, "all").await;
    let row = listed.iter().find(|c| c.id == id).expect("listed");
    assert_eq!((row.customer_name.as_str(), row.signed_in), ("Gina Guest", true), "{row:?}");
    assert_eq!(listed.len(), 1, "no second conversation: {listed:?}");

    // She writes on in it, and her new session may follow it.
    let three = say(&app, &visitor.client, "now with an account").await;
    assert_eq!((three.conversation, three.seq, three.author_name.as_str()), (id, 3, "Gina Guest"));
    let mut socket = visitor.socket(&app).await;
    assert_eq!(subscribed(&mut socket, &format!("chat:{id}")).await, 3);
    // A new guest session does not.
    let stranger = Visitor::new();
    let mut socket = stranger.socket(&app).await;
    subscribe(&mut socket, &format!("chat:{id}"), None).await;
    refused(next(&mut socket).await, &format!("chat:{id}"));
}

async fn a_guests_conversation_moves_to_the_account_they_sign_in_to(app: TestApp) {
    let _ = customer(&app, "returning@example.com").await;
    let visitor = Visitor::new();
    let one = say(&app, &visitor.client, "I forgot to sign in").await;
    let (status, body) =
        app.post_json_as(&visitor.client, "/api/auth/sign-in", json!({ "email": "returning@example.com", "password": PASSWORD })).await;
    assert_eq!(status, 200, "sign in: {body}");
    let (conversation, messages) = history(&app, &visitor.client).await;
    let conversation = conversation.expect("moved");
    assert_eq!((conversation.id, conversation.signed_in), (one.conversation, true), "{conversation:?}");
    assert_eq!(messages, vec![one.clone()]);
    // Visible from the account's other sessions too.
    let elsewhere = Visitor::sign_in(&app, "returning@example.com", PASSWORD).await;
    let (conversation, _) = history(&app, &elsewhere.client).await;
    assert_eq!(conversation.map(|c| c.id), Some(one.conversation));
    let mut socket = elsewhere.socket(&app).await;
    subscribed(&mut socket, &format!("chat:{}", one.conversation)).await;
}

// ---------------------------------------------------------------------------
// 9. Presence
// ---------------------------------------------------------------------------

async fn customers_see_whether_support_is_online(app: TestApp) {
    let guest = Visitor::new();
    let mine = say(&app, &guest.client, "is anyone there?").await;
    let chat = format!("chat:{}", mine.conversation);
    let mut socket = guest.socket(&app).await;
    subscribed(&mut socket, &chat).await;
    assert_eq!(subscribed(&mut socket, "presence").await, 0, "presence stores nothing");
    assert!(!presence_signal(&mut socket).await, "right after the snapshot: offline");

    let staff = staff_visitor(&app).await;
    let mut console = staff.socket(&app).await;
    subscribed(&mut console, "support").await;
    assert!(presence_signal(&mut socket).await, "an admin opened the console");

    // A second console changes nothing: the guest's next message is their
    // own chat, not another presence signal.
    let mut second = staff.socket(&app).await;
    subscribed(&mut second, "support").await;
    let marker = say(&app, &guest.client, "marker").await;
    assert_eq!(chat_event(&mut socket, mine.conversation).await, marker, "no signal for a second console");

    // A new subscriber is told online right away.
    let late = Visitor::new();
    let mut late_socket = late.socket(&app).await;
    subscribed(&mut late_socket, "presence").await;
    assert!(presence_signal(&mut late_socket).await);

    close(console).await;
    close(second).await;
    assert!(!presence_signal(&mut socket).await, "the last console closed");
    assert!(!presence_signal(&mut late_socket).await);
    let marker = say(&app, &guest.client, "marker two").await;
    assert_eq!(chat_event(&mut socket, mine.conversation).await, marker, "offline announced once");

    // Unsubscribing from `support` leaves too; a customer's refused
    // `support` does not count.
    let mut console = staff.socket(&app).await;
    subscribed(&mut console, "support").await;
    assert!(presence_signal(&mut socket).await);
    send(&mut console, json!({ "type": "unsubscribe", "topic": "support" })).await;
    assert!(!presence_signal(&mut socket).await, "unsubscribed");
    let shopper = registered(&app, "presence@example.com", "Pat Presence").await;
    let mut theirs = shopper.socket(&app).await;
    subscribe(&mut theirs, "support", None).await;
    refused(next(&mut theirs).await, "support");
    let marker = say(&app, &guest.client, "marker three").await;
    assert_eq!(chat_event(&mut socket, mine.conversation).await, marker, "a refused subscription is not support");
}

// ---------------------------------------------------------------------------
// 10. Typing
// ---------------------------------------------------------------------------

/// Skips typing signals from `author` (the socket's own, if echoed) and
/// returns the next message.
async fn next_skipping_own_typing(socket: &mut Socket, author: Author) -> ServerMessage {
    loop {
        match next(socket).await {
            ServerMessage::Signal(LiveEvent { body: EventBody::Typing(Typing { author: a, .. }), .. }) if a == author => {}
            other => return other,
        }
    }
}

async fn typing_is_shown_to_the_other_side(app: TestApp) {
    let ann = registered(&app, "typing@example.com", "Tia Typing").await;
    let first = say(&app, &ann.client, "hello").await;
    let id = first.conversation;
    let topic = format!("chat:{id}");
    let mut mine = ann.socket(&app).await;
    subscribed(&mut mine, &topic).await;
    let staff = staff_visitor(&app).await;
    let mut desk = staff.socket(&app).await;
    subscribed(&mut desk, &topic).await;

    send(&mut mine, json!({ "type": "typing", "topic": topic })).await;
    match signal_on(&mut desk, &topic).await {
        EventBody::Typing(typing) => assert_eq!(typing, Typing { conversation: id, author: Author::Customer }),
        other => panic!("TYPING expected, got {other:?}"),
    }
    send(&mut desk, json!({ "type": "typing", "topic": topic })).await;
    match next_skipping_own_typing(&mut mine, Author::Customer).await {
        ServerMessage::Signal(LiveEvent { topic: t, seq: 0, body: EventBody::Typing(typing) }) if t == topic => {
            assert_eq!(typing, Typing { conversation: id, author: Author::Support });
        }
        other => panic!("support's TYPING expected, got {other:?}"),
    }

    // Never stored: catching up from 0 gives the messages only.
    let mut again = ann.socket(&app).await;
    subscribe(&mut again, &topic, Some(0)).await;
    assert_eq!(chat_event(&mut again, id).await, first);
    assert_eq!(snapshot(&mut again, &topic).await, 1);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM chat_messages WHERE conversation_id = {id}")).await, 1);

    // Typing on a topic the socket does not hold is refused and shown to
    // nobody.
    let bob = registered(&app, "typing.intruder@example.com", "Bob").await;
    let mut intruder = bob.socket(&app).await;
    send(&mut intruder, json!({ "type": "typing", "topic": topic })).await;
    refused(next(&mut intruder).await, &topic);
    send(&mut intruder, json!({ "type": "typing", "topic": "orders" })).await;
    refused(next(&mut intruder).await, "orders");
    let marker = say(&app, &ann.client, "marker").await;
    match next_skipping_own_typing(&mut desk, Author::Support).await {
        ServerMessage::Event(LiveEvent { body: EventBody::ChatMessage(m), .. }) => assert_eq!(m, marker, "no typing from the intruder"),
        other => panic!("the marker message expected, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// 11. Assign, close, reopen
// ---------------------------------------------------------------------------

async fn support_assigns_closes_and_reopens(app: TestApp) {
    let ann = customer(&app, "lifecycle.chat@example.com").await;
    let first = say(&app, &ann, "help with my order").await;
    let id = first.conversation;
    let bob = customer(&app, "lifecycle.other@example.com").await;
    let bobs = say(&app, &bob, "me too").await.conversation;
    let staff = admin(&app).await;
    let staff_socket_owner = staff_visitor(&app).await;
    let mut desk = staff_socket_owner.socket(&app).await;
    subscribed(&mut desk, "support").await;

    assert!(queue(&app, &staff, "mine").await.is_empty(), "nothing assigned yet");
    let open = queue(&app, &staff, "open").await;
    assert_eq!(open.iter().map(|c| c.id).collect::<Vec<_>>(), [bobs, id], "newest activity first");
    let (status, body) = app.post_json_as(&staff, "/api/admin/support/conversations", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversations"].as_array().map(Vec::len), Some(2), "the default filter is open: {body}");

    let assigned = act(&app, &staff, "assign", id).await;
    let me = assigned.assignee.clone().expect("an assignee");
    assert_eq!(me.name, "Ada Admin", "the demo admin's name");
    let (_, body) = app.post_json_as(&staff, "/api/admin/support/conversations", json!({ "filter": "mine" })).await;
    assert_eq!(body["me"], me.id, "{body}");
    let mine = queue(&app, &staff, "mine").await;
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), [id], "assigned to me");
    let changed = conversation_changed(&mut desk).await;
    assert_eq!((changed.id, changed.assignee.clone()), (id, Some(me.clone())), "{changed:?}");
    // Assigning again changes nothing and announces nothing (checked below:
    // the next event is the close).
    assert_eq!(act(&app, &staff, "assign", id).await.assignee, Some(me.clone()));

    let closed = act(&app, &staff, "close", id).await;
    assert_eq!(closed.status, ConversationStatus::Closed);
    let changed = conversation_changed(&mut desk).await;
    assert_eq!((changed.id, changed.status), (id, ConversationStatus::Closed));
    assert!(!queue(&app, &staff, "open").await.iter().any(|c| c.id == id), "not open");
    assert_eq!(queue(&app, &staff, "closed").await.iter().map(|c| c.id).collect::<Vec<_>>(), [id], "closed");
    assert_eq!(queue(&app, &staff, "mine").await.iter().map(|c| c.id).collect::<Vec<_>>(), [id], "still mine when closed");
    let (conversation, _) = history(&app, &ann).await;
    assert_eq!(conversation.map(|c| (c.id, c.status)), Some((id, ConversationStatus::Closed)), "the customer sees it closed");

    // The customer's next message starts a new conversation.
    let fresh = say(&app, &ann, "one more thing").await;
    assert_ne!(fresh.conversation, id, "a new conversation");
    assert_eq!(fresh.seq, 1, "numbered from 1");
    let (conversation, messages) = history(&app, &ann).await;
    assert_eq!(conversation.map(|c| c.id), Some(fresh.conversation), "the widget shows the new one");
    assert_eq!(messages, vec![fresh.clone()]);
    let all = queue(&app, &staff, "all").await;
    assert_eq!(all.first().map(|c| c.id), Some(fresh.conversation), "newest activity first: {all:?}");
    assert_eq!(all.len(), 3);
    let changed = conversation_changed(&mut desk).await;
    assert_eq!((changed.id, changed.last_seq, changed.assignee), (fresh.conversation, 1, None));

    // A customer has one open conversation at a time: the old one cannot
    // be reopened beside the new one, and can once that is closed.
    let (status, body) = app.post_json_as(&staff, "/api/admin/support/reopen", json!({ "id": id })).await;
    assert_eq!(status, 409, "{body}");
    let _ = act(&app, &staff, "close", fresh.conversation).await;
    let changed = conversation_changed(&mut desk).await;
    assert_eq!((changed.id, changed.status), (fresh.conversation, ConversationStatus::Closed));
    let reopened = act(&app, &staff, "reopen", id).await;
    assert_eq!(reopened.status, ConversationStatus::Open);
    let changed = conversation_changed(&mut desk).await;
    assert_eq!((changed.id, changed.status), (id, ConversationStatus::Open));
    let open: Vec<i32> = queue(&app, &staff, "open").await.iter().map(|c| c.id).collect();
    assert!(open.contains(&id) && !open.contains(&fresh.conversation), "{open:?}");
    let answer = reply(&app, &staff, id, "reopened for you").await;
    assert_eq!(answer.seq, 2, "the old conversation carries on its own numbering");
    assert_eq!(answer.author_name, format!("{} (Support)", me.name));

    // Unknown ids are not found.
    let (status, body) = app.post_json_as(&staff, "/api/admin/support/close", json!({ "id": 999_999 })).await;
    assert_eq!((status, body.clone()), (404, json!({ "NotFound": "Conversation" })), "{body}");
    let (status, _, body) = post_send(&staff, &app.base, json!({ "conversation": 999_999, "client_id": client_id(), "text": "hi" })).await;
    assert_eq!(status, 404, "{body}");
}

on_both_backends!(
    messages_arrive_live_on_both_sides,
    history_lists_the_messages_in_order,
    a_reconnecting_customer_gets_exactly_the_missed_messages,
    a_retried_send_returns_the_first_message,
    concurrent_retries_of_a_first_message_make_one_message,
    concurrent_first_messages_share_one_conversation,
    nobody_else_reaches_a_conversation,
    quick_sends_are_limited,
    guests_start_at_most_three_conversations_an_hour,
    message_text_is_checked_and_kept_verbatim,
    a_guests_conversation_moves_to_their_new_account,
    a_guests_conversation_moves_to_the_account_they_sign_in_to,
    customers_see_whether_support_is_online,
    typing_is_shown_to_the_other_side,
    support_assigns_closes_and_reopens,
);

for_both_backends!(a_restart_loses_no_message);
