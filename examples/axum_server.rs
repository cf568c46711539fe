//! An axum service with one route, traced like the Python SDK's FastAPI
//! example: every request gets a SERVER span `GET /hello`, continuing the
//! caller's trace, and the handler's own span nests under it.
//!
//! ```text
//! cargo run -p aios-tracing-examples --features axum --example axum_server
//! cargo run -p aios-tracing-examples --features reqwest --example reqwest_client
//! ```

use aios_tracing::integrations::tower::TraceLayer;
use aios_tracing::{Span, TracingSdk};
use axum::routing::get;
use axum::Router;

async fn hello() -> &'static str {
    let _span = Span::builder("say_hello")
        .attribute("greeting", "hello")
        .entered();
    "hello"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk = TracingSdk::builder("hello-api")
        .enable_console_exporter(true)
        .init()?;

    let app = Router::new()
        .route("/hello", get(hello))
        .layer(TraceLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
    println!(
        "listening on http://{}/hello (Ctrl-C to stop)",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;

    sdk.shutdown().ok();
    Ok(())
}
