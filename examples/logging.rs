//! Log correlation: lines written inside a span carry its ids, for
//! `tracing` events and for `log` records alike.
//!
//! ```text
//! cargo run --example logging
//! 2026-11-27 10:00:00 INFO orders: service starting
//! 2026-11-27 10:00:00 INFO [trace=5c1f… span=8d2e…] orders: charging card
//! 2026-11-27 10:00:00 WARN [trace=5c1f… span=8d2e…] orders::legacy: retrying payment
//! ```

use aios_tracing::{trace, TracingSdk};

#[trace(kind = server)]
fn checkout() {
    tracing::info!(target: "orders", "charging card");
    log::warn!(target: "orders::legacy", "retrying payment");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Installs the correlated subscriber (no subscriber was set) and bridges `log`.
    let sdk = TracingSdk::builder("orders-api")
        .enable_otlp_exporter(false)
        .enable_logging_correlation(true)
        .init()?;
    tracing::info!(target: "orders", "service starting");
    checkout();
    sdk.shutdown()?;
    Ok(())
}
