//! The test service the official W3C Trace Context suite drives: an axum
//! app with this crate's `TraceLayer`, calling back with reqwest through
//! its `TracingMiddleware`, so what the suite checks is what the
//! integrations propagate.
//!
//! For each `{"url": …, "arguments": […]}` in a POSTed JSON array, the
//! service POSTs `arguments` to `url`. It binds 127.0.0.1 on a free port
//! and prints `listening on http://127.0.0.1:PORT/test`. `.ci/w3c-suite.sh`
//! runs it and the suite.
//!
//! ```text
//! cargo run -p aios-tracing-tests --example w3c_service
//! ```

use aios_tracing::integrations::reqwest::TracingMiddleware;
use aios_tracing::integrations::tower::TraceLayer;
use aios_tracing::TracingSdk;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use serde_json::Value;

async fn test(State(client): State<ClientWithMiddleware>, body: Bytes) -> StatusCode {
    let Ok(Value::Array(calls)) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    for call in calls {
        let (Some(url), Some(arguments)) = (
            call.get("url").and_then(Value::as_str),
            call.get("arguments"),
        ) else {
            return StatusCode::BAD_REQUEST;
        };
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .body(arguments.to_string())
            .send()
            .await;
        if sent.is_err() {
            return StatusCode::BAD_GATEWAY;
        }
    }
    StatusCode::OK
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No collector: the suite only looks at the headers.
    let sdk = TracingSdk::builder("w3c-test-service")
        .environment(std::iter::empty::<(String, String)>())
        .enable_otlp_exporter(false)
        .enable_logging_correlation(false)
        .init()?;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new())
        .build();
    let app = Router::new()
        .route("/test", post(test))
        .layer(TraceLayer::new())
        .with_state(client);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on http://{}/test", listener.local_addr()?);
    axum::serve(listener, app).await?;
    sdk.shutdown()?;
    Ok(())
}
