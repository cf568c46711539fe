//! The tower and reqwest integrations end to end on 127.0.0.1: a reqwest
//! client through `TracingMiddleware` calls an axum server behind the tower
//! `TraceLayer`; client,
//! server, handler and a task spawned by the handler form one trace, with
//! W3C and with B3 propagation.

mod common;

use aios_tracing::integrations::reqwest::TracingMiddleware;
use aios_tracing::integrations::tower::TraceLayer;
use aios_tracing::{trace, Protocol, Span};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode as HttpStatus};
use axum::routing::get;
use axum::Router;
use common::http_client::one_request;
use common::{
    bridge_library_spans, current_thread_runtime, dead_endpoint, serial, str_attr, Fixture,
};
use reqwest_middleware::ClientBuilder;
use std::net::SocketAddr;

async fn get_user(Path(id): Path<u32>, headers: HeaderMap) -> String {
    let propagation = if headers.contains_key("b3") {
        "b3"
    } else if headers.contains_key("traceparent") {
        "w3c"
    } else {
        "none"
    };
    load_user(id, propagation).await
}

/// The application's handler: a `#[trace]` fn, calling a library that
/// emits its own `tracing` span, and spawning a task.
#[trace("handler", record(id), attrs = { "test.inbound_propagation" = propagation })]
async fn load_user(id: u32, propagation: &'static str) -> String {
    tracing::info_span!(target: "lib", "library-query").in_scope(|| {});
    let cx = opentelemetry::Context::current();
    tokio::spawn(async move { Span::builder("bg").parent(&cx).start().end() })
        .await
        .expect("background task");
    format!("user {id}")
}

async fn boom() -> (HttpStatus, &'static str) {
    (HttpStatus::INTERNAL_SERVER_ERROR, "boom")
}

fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(get_user))
        .route("/boom", get(boom))
        .layer(TraceLayer::new())
}

/// Runs the server, makes one request to `path` through the traced client,
/// stops everything, and returns the HTTP status and the exported spans.
fn round_trip(b3: bool, path: &str, expected_spans: usize) -> (u16, SocketAddr, Vec<ReceivedSpan>) {
    bridge_library_spans();
    let fx = Fixture::with(Protocol::Grpc, |b| b.use_b3_propagation(b3));
    let (status, addr) = one_request(app(), "GET", |addr| format!("http://{addr}{path}"));
    let status = status.expect("a response");
    (status, addr, fx.shutdown_and_wait(expected_spans))
}

fn one_trace(b3: bool) {
    let _serial = serial();
    let (status, addr, spans) = round_trip(b3, "/users/42", 5);
    assert_eq!(status, 200);
    assert_eq!(spans.len(), 5, "{:?}", spans.names());

    let client = spans.one("GET");
    let server = spans.one("GET /users/{id}");
    let handler = spans.one("handler");
    let bg = spans.one("bg");
    let library = spans.one("library-query");

    assert!(client.is_root());
    assert_eq!(spans.by_trace(&client.trace_id).len(), 5, "one trace");
    assert_eq!(
        library.parent_span_id.as_deref(),
        Some(handler.span_id.as_str())
    );
    assert_eq!(handler.attr("id"), Some(&AttrValue::Int(42)));
    assert_eq!(
        server.parent_span_id.as_deref(),
        Some(client.span_id.as_str())
    );
    assert_eq!(
        handler.parent_span_id.as_deref(),
        Some(server.span_id.as_str())
    );
    assert_eq!(bg.parent_span_id.as_deref(), Some(handler.span_id.as_str()));

    let expected = if b3 { "b3" } else { "w3c" };
    assert_eq!(
        str_attr(handler, "test.inbound_propagation"),
        Some(expected)
    );

    assert_eq!(client.kind_name(), "client");
    assert_eq!(client.scope_name, "aios_tracing::integrations::reqwest");
    assert_eq!(server.scope_name, "aios_tracing::integrations::tower");
    assert_eq!(str_attr(client, "http.request.method"), Some("GET"));
    let url = format!("http://{addr}/users/42");
    assert_eq!(str_attr(client, "url.full"), Some(url.as_str()));
    assert_eq!(str_attr(client, "server.address"), Some("127.0.0.1"));
    assert_eq!(
        client.attr("server.port"),
        Some(&AttrValue::Int(i64::from(addr.port())))
    );
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(&AttrValue::Int(200))
    );
    assert_eq!(client.status.code, StatusCode::Unset);

    assert_eq!(server.kind_name(), "server");
    assert_eq!(str_attr(server, "http.request.method"), Some("GET"));
    assert_eq!(str_attr(server, "url.path"), Some("/users/42"));
    assert_eq!(str_attr(server, "url.scheme"), Some("http"));
    assert_eq!(str_attr(server, "http.route"), Some("/users/{id}"));
    assert_eq!(str_attr(server, "server.address"), Some("127.0.0.1"));
    assert_eq!(
        str_attr(server, "user_agent.original"),
        Some("integration-test/1.0")
    );
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(&AttrValue::Int(200))
    );
    assert_eq!(server.status.code, StatusCode::Unset);

    assert_eq!(handler.kind_name(), "internal");
    assert!(server.start_unix_nanos <= handler.start_unix_nanos);
    assert!(handler.end_unix_nanos <= server.end_unix_nanos);
}

#[test]
fn client_server_handler_and_task_share_one_trace_w3c() {
    one_trace(false);
}

#[test]
fn client_server_handler_and_task_share_one_trace_b3() {
    one_trace(true);
}

#[test]
fn server_error_marks_both_spans() {
    let _serial = serial();
    let (status, _addr, spans) = round_trip(false, "/boom", 2);
    assert_eq!(status, 500);
    assert_eq!(spans.len(), 2, "{:?}", spans.names());
    let server = spans.one("GET /boom");
    let client = spans.one("GET");
    assert_eq!(
        server.parent_span_id.as_deref(),
        Some(client.span_id.as_str())
    );
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(&AttrValue::Int(500))
    );
    assert_eq!(server.status.code, StatusCode::Error);
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(&AttrValue::Int(500))
    );
    assert_eq!(client.status.code, StatusCode::Error);
}

#[test]
fn transport_error_marks_the_client_span() {
    let _serial = serial();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fx = Fixture::start(Protocol::Grpc);
    let runtime = current_thread_runtime();
    let dead = dead_endpoint();
    runtime.block_on(async {
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(TracingMiddleware::new())
            .build();
        assert!(client.get(format!("{dead}/x")).send().await.is_err());
    });
    let spans = fx.shutdown_and_wait(1);
    let client = spans.one("GET");
    assert_eq!(client.status.code, StatusCode::Error);
    assert!(client.attr("http.response.status_code").is_none());
    assert!(client.event("exception").is_some());
}

#[test]
fn dropped_request_future_still_ends_the_server_span() {
    use aios_tracing::integrations::tower::Service as _;
    let fx = Fixture::start(Protocol::Grpc);
    let runtime = current_thread_runtime();
    runtime.block_on(async {
        let mut app = Router::new()
            .route("/slow", get(std::future::pending::<&'static str>))
            .layer(TraceLayer::new());
        let request = axum::http::Request::get("/slow")
            .body(axum::body::Body::empty())
            .expect("request");
        let pending = app.call(request);
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(50), pending).await;
        assert!(timed_out.is_err(), "the handler never answers");
    });
    let spans = fx.shutdown_and_wait(1);
    let server = spans.one("GET /slow");
    assert_eq!(server.kind_name(), "server");
    assert!(server.attr("http.response.status_code").is_none());
}
