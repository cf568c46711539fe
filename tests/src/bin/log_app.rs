//! An application for the logging tests (`tests/logging.rs`): it sets up
//! its logging and starts the SDK in the order its argument names, logs
//! inside and outside a span, and shuts down. The SDK reads everything
//! else from the environment the test gives it (the collector's endpoint,
//! `RUST_LOG`, `AIOS_TRACING_LOG_FORMAT`). Its stdout is what the test reads.

use aios_tracing::logging::{self, Correlation};
use aios_tracing::{Span, TracingSdk, TracingSdkBuilder};
use std::io::Write;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn main() {
    let scenario = std::env::args().nth(1).unwrap_or_default();
    let sdk = match scenario.as_str() {
        // No logging of its own: the SDK installs it.
        "sdk-only" => start(|b| b),
        // Its own `tracing` subscriber with the correlated layer, then the SDK.
        "subscriber-first" => {
            tracing_subscriber::registry()
                .with(LevelFilter::INFO)
                .with(logging::layer())
                .init();
            start(|b| b)
        }
        // The SDK, told to install nothing, then its own subscriber.
        "subscriber-after" => {
            let sdk = start(|b| b.install_logging(false));
            tracing_subscriber::registry()
                .with(LevelFilter::INFO)
                .with(logging::json_layer())
                .init();
            sdk
        }
        // Its own `log` logger, then the SDK.
        "env-logger-first" => {
            env_logger_with_ids().init();
            start(|b| b)
        }
        // The SDK, told to install nothing, then its own `log` logger.
        "env-logger-after" => {
            let sdk = start(|b| b.install_logging(false));
            env_logger_with_ids().init();
            sdk
        }
        // The SDK with its defaults, then an application that tries to set
        // up its own logging after all: the globals are taken.
        "sdk-then-try-init" => {
            let sdk = start(|b| b);
            let subscriber = tracing_subscriber::fmt().try_init();
            let logger = env_logger::Builder::new().try_init();
            tracing::info!(
                subscriber_taken = subscriber.is_err(),
                logger_taken = logger.is_err(),
                "the application's try_init"
            );
            sdk
        }
        other => panic!("unknown scenario {other:?}"),
    };
    work();
    sdk.shutdown().expect("shutdown");
}

fn start(customise: impl FnOnce(TracingSdkBuilder) -> TracingSdkBuilder) -> TracingSdk {
    customise(TracingSdk::builder("log-app"))
        .init()
        .expect("init")
}

/// `env_logger` printing the ids of the current span.
fn env_logger_with_ids() -> env_logger::Builder {
    let mut builder = env_logger::Builder::new();
    builder
        .filter_level(log::LevelFilter::Info)
        .target(env_logger::Target::Stdout)
        .format(|buf, record| {
            writeln!(
                buf,
                "{} {} [{}] {}",
                record.level(),
                record.target(),
                Correlation::current(),
                record.args()
            )
        });
    builder
}

fn work() {
    tracing::info!("outside any span");
    let span = Span::builder("checkout").entered();
    tracing::info!(order_id = 7, "payment accepted");
    log::warn!("legacy log record");
    tracing::info!(target: "log_app::noisy", "hidden at info");
    tracing::warn!(target: "log_app::noisy", "shown at warn");
    drop(span);
}
