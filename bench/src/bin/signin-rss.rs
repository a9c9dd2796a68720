//! `signin-rss`: peak memory and throughput of the Bazaar server under a
//! burst of concurrent wrong-password sign-ins (issue 6, item 2; issue 11,
//! target 5).
//!
//! Throughput is the refused sign-ins (422 "Email or password is
//! incorrect": each one verified a password) per second of the burst, against the target
//! 0.9 × cores × 1000 / (ms per hash), the hash timed in the same run by
//! `server hash-time` (the shop's own argon2 parameters, one core).
//!
//! Starts the server binary on a fresh SQLite database in a temporary
//! folder (demo data, so `customer@bazaar.test` exists), on a free loopback
//! port, with the edge's per-client rate and connection limits lifted (the
//! burst comes from one address); reads its `VmHWM`/`VmRSS` from
//! `/proc/<pid>/status`; fires N sign-ins at once; reads them again; stops
//! the server.
//!
//! ```sh
//! source deploy/leptos-env.sh
//! cargo build --release -p server -p bench   # or debug builds
//! target/release/signin-rss --server target/release/server               # bounded (the default)
//! target/release/signin-rss --server target/release/server --unbounded   # baseline: BAZAAR_HASH_CONCURRENCY=0
//! ```
//!
//! Options: `--server PATH` (default `target/release/server`, else
//! `target/debug/server`), `--requests N` (default 500), `--unbounded`.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// What to run.
struct Options {
    server: PathBuf,
    requests: usize,
    unbounded: bool,
}

const USAGE: &str = "usage: signin-rss [--server PATH] [--requests N] [--unbounded]";

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let default_server = ["target/release/server", "target/debug/server"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("target/release/server"));
    let mut options = Options { server: default_server, requests: 500, unbounded: false };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server" => options.server = args.next().ok_or("--server needs a path")?.into(),
            "--requests" => {
                options.requests =
                    args.next().and_then(|n| n.parse().ok()).ok_or("--requests needs a whole number")?;
            }
            "--unbounded" => options.unbounded = true,
            "--help" | "-h" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(options)
}

/// `VmHWM` and `VmRSS` of `pid`, in MiB.
fn memory_mib(pid: u32) -> Result<(u64, u64), String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib / 1024)
            .ok_or(format!("{name} missing from /proc/{pid}/status"))
    };
    Ok((field("VmHWM")?, field("VmRSS")?))
}

/// The server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server and waits for its "ready" line.
fn start(options: &Options, dir: &std::path::Path) -> Result<(Server, String), String> {
    // A free port: bound, read, released for the server to take.
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let mut command = Command::new(&options.server);
    command
        .env("DATABASE_URL", format!("sqlite://{}/bazaar.db?mode=rwc", dir.display()))
        .env("BAZAAR_SEED", "demo")
        .env("BAZAAR_ENV", "demo")
        .env("BAZAAR_OUTBOX_DIR", dir.join("outbox"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        // The burst comes from one address: lift the edge's per-client
        // limits so every sign-in reaches the password check, which is
        // what this measures.
        .env("BAZAAR_AUTH_RATE_PER_MIN", "0")
        .env("BAZAAR_API_RATE_PER_SEC", "0")
        .env("BAZAAR_MAX_CONNECTIONS", "4096")
        .env("BAZAAR_MAX_CONNECTIONS_PER_IP", "4096")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if options.unbounded {
        command.env("BAZAAR_HASH_CONCURRENCY", "0");
    }
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", options.server.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("Bazaar is ready") => break,
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("the server exited before it was ready".into()),
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok((server, format!("http://127.0.0.1:{port}")))
}

/// What a burst got back: the count of each status (0 = no answer), the
/// whole burst's time, and the time until the last refused sign-in (the
/// hashing's end: the turned-away wait longer).
struct Burst {
    statuses: Vec<(u16, usize)>,
    elapsed: Duration,
    hashing: Duration,
}

async fn burst(base: &str, requests: usize) -> Result<Burst, String> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().map_err(|e| e.to_string())?;
    let url = format!("{base}/api/auth/sign-in");
    let started = Instant::now();
    let calls = (0..requests).map(|_| {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move {
            let body = serde_json::json!({ "email": "customer@bazaar.test", "password": "not the password at all" });
            let status = client.post(url).json(&body).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
            (status, started.elapsed())
        })
    });
    let calls: Vec<_> = calls.collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut hashing = Duration::ZERO;
    for call in calls {
        let (status, at) = call.await.unwrap_or((0, Duration::ZERO));
        *statuses.entry(status).or_default() += 1;
        if status == 422 {
            hashing = hashing.max(at);
        }
    }
    Ok(Burst { statuses: statuses.into_iter().collect(), elapsed: started.elapsed(), hashing })
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("signin-rss: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `server hash-time`: milliseconds per hash on one core.
fn hash_ms(server: &std::path::Path) -> Result<f64, String> {
    let out = Command::new(server).arg("hash-time").output().map_err(|e| format!("cannot run {}: {e}", server.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().map_err(|_| format!("`server hash-time` printed {text:?}"))
}

async fn run(options: &Options) -> Result<(), String> {
    let hash_ms = hash_ms(&options.server)?;
    let dir = std::env::temp_dir().join(format!("signin-rss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let outcome = async {
        let (server, base) = start(options, &dir)?;
        let pid = server.0.id();
        let (hwm_before, rss_before) = memory_mib(pid)?;
        let Burst { statuses, elapsed, hashing } = burst(&base, options.requests).await?;
        let (hwm_after, rss_after) = memory_mib(pid)?;
        println!(
            "{} concurrent wrong-password sign-ins, hashing {}",
            options.requests,
            if options.unbounded { "unbounded (baseline)" } else { "bounded (default)" }
        );
        println!("  server {}", options.server.display());
        println!("  peak RSS (VmHWM): {hwm_before} MiB before, {hwm_after} MiB after");
        println!("  RSS (VmRSS):      {rss_before} MiB before, {rss_after} MiB after");
        println!("  answers: {statuses:?} (status, count; 0 = no answer) in {:.1} s", elapsed.as_secs_f64());
        let verified = statuses.iter().find(|(status, _)| *status == 422).map_or(0, |(_, n)| *n);
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let per_second = verified as f64 / hashing.as_secs_f64().max(f64::EPSILON);
        let ideal = cores as f64 * 1000.0 / hash_ms;
        println!(
            "  throughput: {verified} verified in {:.2} s = {per_second:.1} sign-ins/s; one hash takes {hash_ms:.2} ms, so every core hashing \
             is {cores} × 1000 / {hash_ms:.2} = {ideal:.1}/s; ratio {:.3} (target ≥ 0.9)",
            hashing.as_secs_f64(),
            per_second / ideal
        );
        Ok::<_, String>(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}
