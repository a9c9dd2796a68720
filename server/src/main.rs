//! Starts the Bazaar server with configuration from the environment, or
//! runs an operator's command (`server create-admin EMAIL`,
//! `server seed-orders N`, `server seed-products N`, `server hash-time`;
//! see `cli`).

// Release builds (without `--cfg erase_components`) type the admin desk's
// nested views deeper than the default limit allows.
#![recursion_limit = "256"]

use server::cli::{self, Command};
use server::{config::Config, Application};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    // Needs no configuration: the parameters are the shop's own.
    if command == Command::HashTime {
        return hash_time();
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("Bazaar cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        Command::Serve => serve(config).await,
        Command::CreateAdmin { email } => create_admin(config, &email).await,
        Command::SeedOrders { count } => seed_orders(config, count).await,
        Command::SeedProducts { count } => seed_products(config, count).await,
        Command::HashTime => hash_time(),
    }
}

/// `hash-time`: the median of nine hashes, in milliseconds.
fn hash_time() -> ExitCode {
    match app::account::ssr::password::time_one_hash(9) {
        Ok(time) => {
            println!("{:.2}", time.as_secs_f64() * 1000.0);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot hash: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn seed_orders(config: Config, count: usize) -> ExitCode {
    let done = async {
        let db = server::db::connect_and_migrate(&config.database_url).await?;
        server::seed::orders::seed_orders(&db, count, true).await
    };
    match done.await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("seed-orders: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn seed_products(config: Config, count: usize) -> ExitCode {
    let done = async {
        let db = server::db::connect_and_migrate(&config.database_url).await?;
        server::seed::products::seed_products(&db, count, true).await
    };
    match done.await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("seed-products: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn create_admin(config: Config, email: &str) -> ExitCode {
    let done = async {
        let password = cli::password_from_stdin()?;
        let db = server::db::connect_and_migrate(&config.database_url).await?;
        cli::create_admin(&db, email, password).await
    };
    match done.await {
        Ok(report) => {
            println!("{}", cli::describe(email, &report));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("create-admin: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("Bazaar cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("Bazaar is ready: browse http://{}/", app.local_addr());
    if !app.demo_logins().is_empty() {
        println!("Demo accounts, created just now (for trying the shop out only):");
        for login in app.demo_logins() {
            println!("  {:<8} {:<22} password: {}", login.role.as_str(), login.email, login.password);
        }
    }
    // Ctrl-C or SIGTERM: stop accepting, let requests in flight finish.
    match app.run_until(server::edge::serve::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Bazaar stopped: {err}");
            ExitCode::FAILURE
        }
    }
}
