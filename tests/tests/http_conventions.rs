//! The HTTP semantic conventions (1.37.0) of the tower server and reqwest
//! client integrations, as a collector receives them: which responses are
//! errors on which side, `error.type`, methods that are not known, the
//! redacted `url.full`, and the schema URL of the integrations' scopes.

mod common;

use aios_tracing::Protocol;
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use axum::http::StatusCode as HttpStatus;
use axum::routing::{any, get};
use axum::Router;
use common::http_client::one_request;
use common::{serial, str_attr, Fixture};
use std::net::SocketAddr;

const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.37.0";

fn app() -> Router {
    Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/missing", get(|| async { (HttpStatus::NOT_FOUND, "no") }))
        .route(
            "/boom",
            get(|| async { (HttpStatus::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route("/any", any(|| async { "any method" }))
        .layer(aios_tracing::integrations::tower::TraceLayer::new())
}

/// One request (`method`, to the URL `url` makes of the server's
/// address); the status, the client span and the server span.
fn exchange(
    fx: &Fixture,
    method: &str,
    url: impl FnOnce(SocketAddr) -> String,
) -> (Option<u16>, ReceivedSpan, ReceivedSpan) {
    let (status, _) = one_request(app(), method, url);
    let spans = fx.shutdown_and_wait(2);
    assert_eq!(spans.len(), 2, "{:?}", spans.names());
    let of_kind = |kind: &str| {
        spans
            .iter()
            .find(|s| s.kind_name() == kind)
            .cloned()
            .unwrap_or_else(|| panic!("a {kind} span in {:?}", spans.names()))
    };
    (status, of_kind("client"), of_kind("server"))
}

fn get_path(path: &str) -> (Option<u16>, ReceivedSpan, ReceivedSpan) {
    let fx = Fixture::start(Protocol::Grpc);
    exchange(&fx, "GET", |addr| format!("http://{addr}{path}"))
}

#[test]
fn a_4xx_response_is_an_error_for_the_client_only() {
    let _serial = serial();
    let (status, client, server) = get_path("/missing");
    assert_eq!(status, Some(404));
    assert_eq!(client.status.code, StatusCode::Error);
    assert_eq!(client.status.message, "", "the code says it all");
    assert_eq!(str_attr(&client, "error.type"), Some("404"));
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(&AttrValue::Int(404))
    );
    assert_eq!(server.status.code, StatusCode::Unset);
    assert!(server.attr("error.type").is_none());
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(&AttrValue::Int(404))
    );
}

#[test]
fn a_5xx_response_is_an_error_for_both() {
    let _serial = serial();
    let (status, client, server) = get_path("/boom");
    assert_eq!(status, Some(500));
    for span in [&client, &server] {
        assert_eq!(span.status.code, StatusCode::Error, "{}", span.kind_name());
        assert_eq!(span.status.message, "");
        assert_eq!(str_attr(span, "error.type"), Some("500"));
    }
}

#[test]
fn success_sets_no_error_type() {
    let _serial = serial();
    let (status, client, server) = get_path("/ok");
    assert_eq!(status, Some(200));
    for span in [&client, &server] {
        assert_eq!(span.status.code, StatusCode::Unset);
        assert!(span.attr("error.type").is_none());
    }
}

/// Methods outside RFC 9110 and PATCH, and known ones in the wrong case,
/// are `_OTHER` with the original kept, and name the span `HTTP`.
#[test]
fn methods_that_are_not_known_are_other() {
    for method in ["PROPFIND", "get"] {
        let _serial = serial();
        let fx = Fixture::start(Protocol::Grpc);
        let (status, client, server) = exchange(&fx, method, |addr| format!("http://{addr}/any"));
        assert_eq!(status, Some(200), "{method}");
        assert_eq!(client.name, "HTTP");
        assert_eq!(server.name, "HTTP /any");
        for span in [&client, &server] {
            assert_eq!(str_attr(span, "http.request.method"), Some("_OTHER"));
            assert_eq!(str_attr(span, "http.request.method_original"), Some(method));
        }
    }
}

#[test]
fn known_methods_have_no_original() {
    let _serial = serial();
    let fx = Fixture::start(Protocol::Grpc);
    let (_, client, server) = exchange(&fx, "PATCH", |addr| format!("http://{addr}/any"));
    assert_eq!(client.name, "PATCH");
    assert_eq!(server.name, "PATCH /any");
    for span in [&client, &server] {
        assert_eq!(str_attr(span, "http.request.method"), Some("PATCH"));
        assert!(span.attr("http.request.method_original").is_none());
    }
}

#[test]
fn url_full_has_credentials_redacted() {
    let _serial = serial();
    let fx = Fixture::start(Protocol::Grpc);
    let (_, client, _) = exchange(&fx, "GET", |addr| {
        format!("http://alice:s3cret@{addr}/ok?sig=abc&page=2&X-Goog-Signature=xyz")
    });
    let url = str_attr(&client, "url.full").expect("url.full");
    // reqwest moves the user name and password into an `Authorization`
    // header before middleware runs; the signature parameters are ours to redact.
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        url.ends_with("/ok?sig=REDACTED&page=2&X-Goog-Signature=REDACTED"),
        "{url}"
    );
    common::assert_nowhere(std::slice::from_ref(&client), "s3cret");
    common::assert_nowhere(std::slice::from_ref(&client), "xyz");
}

#[test]
fn a_request_without_a_response_has_an_error_type() {
    let _serial = serial();
    let fx = Fixture::start(Protocol::Grpc);
    let dead = common::dead_endpoint();
    let (status, _) = one_request(app(), "GET", |_| format!("{dead}/x"));
    assert_eq!(status, None);
    let spans = fx.shutdown_and_wait(1);
    let client = spans.one("GET");
    assert_eq!(client.status.code, StatusCode::Error);
    assert_eq!(str_attr(client, "error.type"), Some("connect"));
    assert!(client.event("exception").is_some());
}

/// Every scope of the integrations names the conventions it follows.
#[test]
fn the_integrations_scopes_carry_the_schema_url() {
    let _serial = serial();
    let fx = Fixture::start(Protocol::HttpProtobuf);
    one_request(app(), "GET", |addr| format!("http://{addr}/ok"));
    fx.shutdown_and_wait(2);
    let mut seen = Vec::new();
    for request in fx.rx().requests() {
        for scope_spans in request
            .request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
        {
            let name = scope_spans.scope.as_ref().map_or("", |s| s.name.as_str());
            assert_eq!(scope_spans.schema_url, SCHEMA_URL, "scope {name}");
            seen.push(name.to_owned());
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "aios_tracing::integrations::reqwest",
            "aios_tracing::integrations::tower"
        ]
    );
}
