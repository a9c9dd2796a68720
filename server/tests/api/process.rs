//! The real server binary in its own process, for tests that judge the
//! process itself: its log (no panic, no error) or its memory, which other
//! tests running in the test process would blur.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use sea_orm::{ConnectionTrait, Database};
use std::sync::{Arc, Mutex};

/// A running `server` binary with the demo data, on a fresh SQLite
/// database of its own or on one that outlives it.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts the binary with `env` on top of a test configuration, on a
    /// database of its own, and waits until it says it is ready.
    pub fn start(env: &[(&str, &str)]) -> ServerProcess {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/bazaar.db?mode=rwc", dir.path().display());
        let mut server = Self::start_on(&url, &dir.path().join("outbox"), env);
        server._dir = Some(dir);
        server
    }

    /// Like [`ServerProcess::start`], on `database_url` (which outlives
    /// it), writing emails into `outbox`.
    pub fn start_on(database_url: &str, outbox: &std::path::Path, env: &[(&str, &str)]) -> ServerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .env("DATABASE_URL", database_url)
            .env("BAZAAR_SEED", "demo")
            .env("BAZAAR_MAILER", "file")
            .env("BAZAAR_OUTBOX_DIR", outbox)
            .env("LEPTOS_OUTPUT_NAME", "bazaar")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_ENV", "DEV")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1");
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        for (stream, ready) in [(Box::new(stdout) as Box<dyn std::io::Read + Send>, Some(ready_tx)), (Box::new(stderr), None)] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let (Some(ready), Some(addr)) = (&ready, line.strip_prefix("Bazaar is ready: browse ")) {
                        let _ = ready.send(addr.trim_end_matches('/').to_string());
                    }
                    log.lock().expect("log lock").push(line);
                }
            });
        }
        let base = ready_rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the server did not start; its log:\n{}", log.lock().expect("log lock").join("\n")));
        ServerProcess { child, base, log, _dir: None }
    }

    /// SIGKILL: no shutdown, no flushing, nothing finishes.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("the server is gone");
    }

    /// Everything the server printed so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }

    /// Log lines that show a panic or an error: every 5xx is logged at
    /// ERROR (tower-http's trace layer), and so is anything else that went
    /// wrong on the server's side, answered or not.
    pub fn alarming_lines(&self) -> Vec<String> {
        self.log().into_iter().filter(|line| line.contains("panicked") || line.contains(" ERROR ")).collect()
    }

    /// A field of the process's `/proc/PID/status` in KiB (`VmRSS`, or
    /// `VmHWM`, the peak resident size).
    pub fn status_kib(&self, field: &str) -> u64 {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in {path}"))
    }
}

/// A database that outlives one server process, for tests that kill and
/// restart it: a SQLite file, or a PostgreSQL database dropped afterwards.
pub struct SharedDatabase {
    pub url: String,
    /// A folder beside it (the SQLite file, the outbox).
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl SharedDatabase {
    pub async fn new(backend: crate::helpers::Backend) -> SharedDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            crate::helpers::Backend::Sqlite => {
                SharedDatabase { url: format!("sqlite://{}/bazaar.db?mode=rwc", dir.path().display()), dir, postgres: None }
            }
            crate::helpers::Backend::Postgres => {
                let admin_url = std::env::var("BAZAAR_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
                let name = format!("bazaar_crash_{}_{}", std::process::id(), rand::random::<u32>());
                let admin = Database::connect(&admin_url).await.expect("PostgreSQL is required for this test");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_string();
                SharedDatabase { url: format!("{base}/{name}"), dir, postgres: Some((admin_url, name)) }
            }
        }
    }

    pub async fn drop_database(&self) {
        if let Some((admin_url, name)) = &self.postgres {
            if let Ok(admin) = Database::connect(admin_url).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            }
        }
    }
}

/// The one number `sql` answers on `db`, the database a killed server
/// left behind.
pub async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .expect("query")
        .and_then(|row| row.try_get_by_index::<i64>(0).ok().or_else(|| row.try_get_by_index::<i32>(0).ok().map(i64::from)))
        .expect("a number")
}
