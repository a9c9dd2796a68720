//! Starts the Bazaar server with configuration from the environment.

use server::{config::Config, Application};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("Bazaar cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
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
    match app.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Bazaar stopped: {err}");
            ExitCode::FAILURE
        }
    }
}
