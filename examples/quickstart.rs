//! The Python SDK's Quick Start, in Rust.
//!
//! Exports to `OTLP_ENDPOINT` (default `localhost:4317`, gRPC; set
//! `OTLP_PROTOCOL=http/protobuf` for HTTP) and prints the trace on the
//! console. With no collector running it still finishes within a second or
//! two and says how many spans it could not deliver.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use aios_tracing::{span, trace, TracingSdk, Value};
use std::time::Duration;

#[derive(Debug)]
struct User {
    id: String,
    name: String,
}

#[trace("fetch_user", attrs = { "db.table" = "users" })]
fn fetch_user(uid: &str) -> User {
    User {
        id: uid.to_owned(),
        name: "Jane".to_owned(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk = TracingSdk::builder("orders-api")
        .deployment_env("prod")
        .sampling_ratio(1.0)
        .use_b3_propagation(false)
        .resource_attributes([("service.version", "1.4.0")])
        .enable_console_exporter(true)
        // Keep the no-collector case short; production code keeps the 5 s default.
        .shutdown_timeout(Duration::from_secs(2))
        .export_timeout(Duration::from_secs(1))
        .init()?;

    let user = span!("checkout", kind = server, "cart.items" = 3, |span| {
        let user = fetch_user("u_123");
        span.set_attributes([("user.id", user.id.clone())]);
        span.add_event(
            "payment.started",
            [("amount", Value::from(1499)), ("currency", "INR".into())],
        );
        user
    });
    println!("checked out for {} ({})", user.name, user.id);

    let outcome = sdk.shutdown();
    let stats = sdk.stats();
    println!(
        "spans: {} ended, {} exported to {}, {} dropped",
        stats.ended,
        stats.exported,
        sdk.config().endpoint,
        stats.dropped
    );
    if let Err(e) = outcome {
        println!("(no collector reachable? {e})");
    }
    Ok(())
}
