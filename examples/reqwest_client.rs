//! Calls the `axum_server` example through `TracingMiddleware`: a CLIENT
//! span `GET` whose context travels in the request headers, so the server's
//! span joins the same trace.
//!
//! ```text
//! cargo run -p aios-tracing-examples --features reqwest --example reqwest_client [URL]
//! ```

use aios_tracing::integrations::reqwest::TracingMiddleware;
use aios_tracing::TracingSdk;
use reqwest_middleware::ClientBuilder;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // reqwest is built without a default TLS crypto provider; pick one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sdk = TracingSdk::builder("hello-client")
        .enable_console_exporter(true)
        .init()?;

    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000/hello".to_owned());
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new())
        .build();
    match client.get(&url).send().await {
        Ok(response) => println!("{} {}", response.status(), response.text().await?),
        Err(error) => eprintln!("request failed: {error}"),
    }

    sdk.shutdown().ok();
    Ok(())
}
