//! Spans made through the public API arrive at a real OTLP receiver with
//! everything intact, over gRPC, HTTP/protobuf and HTTP/JSON.

mod common;

use aios_tracing::{Protocol, Span, SpanKind, Value};
use aios_tracing_tests::{AttrValue, SpansExt, StatusCode};
use common::{Fixture, WAIT};
use std::time::{Duration, Instant};

#[derive(Debug)]
struct PaymentDeclined;

impl std::fmt::Display for PaymentDeclined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}

impl std::error::Error for PaymentDeclined {}

fn full_round_trip(protocol: Protocol) {
    let fx = Fixture::with(protocol, |b| {
        b.deployment_env("prod")
            .otlp_headers([("x-tenant", "acme"), ("authorization", "Bearer s3cret")])
            .resource_attributes([("service.version", "1.4.0")])
    });
    let sdk = fx.sdk();

    let other = sdk.start_span("other");
    let other_link = other.link();
    other.end();
    {
        let checkout = sdk
            .span("checkout")
            .kind(SpanKind::Server)
            .attribute("cart.items", 3)
            .attribute("cart.total", 14.99)
            .attribute("cart.gift", true)
            .entered();
        checkout.set_attributes([("user.id", "u_123")]);
        checkout.add_event(
            "payment.started",
            [("amount", Value::from(1499)), ("currency", "INR".into())],
        );
        let fetch = Span::builder("fetch_user")
            .kind(SpanKind::Client)
            .attribute("db.table", "users")
            .link(other_link)
            .entered();
        fetch.record_exception_with(&PaymentDeclined, [("stage", "charge")]);
    }
    let spans = fx.shutdown_and_wait(3);
    assert_eq!(spans.len(), 3, "{:?}", spans.names());
    let checkout = spans.one("checkout");
    let fetch = spans.one("fetch_user");
    let other = spans.one("other");

    assert_eq!(checkout.kind_name(), "server");
    assert_eq!(fetch.kind_name(), "client");
    assert!(checkout.is_root());
    assert_eq!(
        fetch.parent_span_id.as_deref(),
        Some(checkout.span_id.as_str())
    );
    assert_eq!(fetch.trace_id, checkout.trace_id);
    assert_ne!(other.trace_id, checkout.trace_id);

    assert_eq!(checkout.attr("cart.items"), Some(&AttrValue::Int(3)));
    assert_eq!(checkout.attr("cart.total"), Some(&AttrValue::Double(14.99)));
    assert_eq!(checkout.attr("cart.gift"), Some(&AttrValue::Bool(true)));
    assert_eq!(
        checkout.attr("user.id").and_then(AttrValue::as_str),
        Some("u_123")
    );
    let event = checkout.event("payment.started").expect("event");
    assert_eq!(event.attr("amount"), Some(&AttrValue::Int(1499)));
    assert_eq!(
        event.attr("currency").and_then(AttrValue::as_str),
        Some("INR")
    );
    assert_eq!(checkout.status.code, StatusCode::Unset);

    assert_eq!(fetch.status.code, StatusCode::Error);
    assert_eq!(fetch.status.message, "card declined");
    let exception = fetch.event("exception").expect("exception event");
    assert_eq!(
        exception
            .attr("exception.message")
            .and_then(AttrValue::as_str),
        Some("card declined")
    );
    assert!(exception
        .attr("exception.type")
        .and_then(AttrValue::as_str)
        .is_some_and(|t| t.ends_with("PaymentDeclined")));
    assert_eq!(
        exception.attr("stage").and_then(AttrValue::as_str),
        Some("charge")
    );
    assert_eq!(fetch.links.len(), 1);
    assert_eq!(fetch.links[0].span_id, other.span_id);
    assert_eq!(fetch.links[0].trace_id, other.trace_id);

    for span in &spans {
        assert_eq!(
            span.resource_attr("service.name")
                .and_then(AttrValue::as_str),
            Some("orders-api")
        );
        assert_eq!(
            span.resource_attr("deployment.environment.name")
                .and_then(AttrValue::as_str),
            Some("prod")
        );
        assert_eq!(
            span.resource_attr("service.version")
                .and_then(AttrValue::as_str),
            Some("1.4.0")
        );
        assert_eq!(
            span.resource_attr("telemetry.sdk.language")
                .and_then(AttrValue::as_str),
            Some("rust")
        );
        assert!(span.resource_attr("telemetry.sdk.version").is_some());
        assert_eq!(span.scope_name, "orders-api");
        assert!(span.end_unix_nanos >= span.start_unix_nanos);
    }

    let requests = fx.rx().requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.header("x-tenant"), Some("acme"));
        assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
    }
    let stats = sdk.stats();
    assert_eq!((stats.ended, stats.exported, stats.dropped), (3, 3, 0));
}

#[test]
fn grpc_export_carries_names_kinds_parents_attributes_events_links_resource_and_headers() {
    full_round_trip(Protocol::Grpc);
}

#[test]
fn http_protobuf_export_carries_the_same() {
    full_round_trip(Protocol::HttpProtobuf);
}

#[test]
fn http_json_export_carries_the_same() {
    full_round_trip(Protocol::HttpJson);
    // The receiver saw JSON bodies, not protobuf.
}

#[test]
fn http_json_requests_are_json() {
    let fx = Fixture::start(Protocol::HttpJson);
    fx.sdk().start_span("one").end();
    fx.shutdown_and_wait(1);
    let request = &fx.rx().requests()[0];
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    assert_eq!(request.path, "/v1/traces");
}

#[test]
fn simple_processor_sends_each_span_without_waiting_for_shutdown() {
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.use_batch(false).scheduled_delay(Duration::from_secs(60))
    });
    let (sdk, rx) = (fx.sdk(), fx.rx());
    sdk.start_span("first").end();
    let spans = rx.wait_for_spans(1, WAIT);
    assert_eq!(spans.names(), ["first"]);
    sdk.start_span("second").end();
    assert_eq!(rx.wait_for_spans(2, WAIT).len(), 2);
    assert_eq!(rx.request_count(), 2, "one request per span");
}

#[test]
fn batches_are_sent_on_the_timer_without_shutdown() {
    let fx = Fixture::start(Protocol::HttpProtobuf);
    for i in 0..10 {
        fx.sdk().start_span(format!("span-{i}")).end();
    }
    let start = Instant::now();
    assert_eq!(fx.rx().wait_for_spans(10, WAIT).len(), 10);
    assert!(start.elapsed() < Duration::from_secs(5));
    drop(fx);
}

#[test]
fn dropping_the_sdk_flushes() {
    let mut fx = Fixture::with(Protocol::Grpc, |b| {
        b.scheduled_delay(Duration::from_secs(60))
    });
    fx.sdk().start_span("flushed-on-drop").end();
    drop(fx.take_sdk());
    assert_eq!(
        fx.rx().spans().names(),
        ["flushed-on-drop"],
        "delivered before drop returned"
    );
}

#[test]
fn force_flush_delivers_without_shutting_down() {
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.scheduled_delay(Duration::from_secs(60))
    });
    fx.sdk().start_span("a").end();
    fx.sdk().force_flush().unwrap();
    assert_eq!(fx.rx().span_count(), 1);
    fx.sdk().start_span("b").end();
    fx.shutdown();
    assert_eq!(fx.rx().span_count(), 2);
}

/// Span timestamps come from the TSC anchored to the system clock: they
/// must agree with the system clock, and a span's duration with the time
/// it really took.
#[test]
fn timestamps_follow_the_system_clock() {
    let fx = Fixture::start(Protocol::Grpc);
    // Once right after init (the counter may still be calibrating), once
    // well after.
    let mut windows = Vec::new();
    for pause in [0, 300] {
        std::thread::sleep(Duration::from_millis(pause));
        let before = unix_nanos();
        {
            let _span = fx.sdk().span(format!("timed-{pause}")).entered();
            std::thread::sleep(Duration::from_millis(20));
        }
        windows.push((format!("timed-{pause}"), before, unix_nanos()));
    }
    let spans = fx.shutdown_and_wait(2);
    for (name, before, after) in windows {
        let span = spans.by_name(&name)[0];
        // 2 ms of slack for the anchor's age and the counter's rate error.
        let slack = 2_000_000;
        assert!(
            span.start_unix_nanos + slack >= before && span.end_unix_nanos <= after + slack,
            "{name}: {}..{} not within {before}..{after}",
            span.start_unix_nanos,
            span.end_unix_nanos
        );
        let took = span.end_unix_nanos - span.start_unix_nanos;
        assert!(
            (20_000_000..20_000_000 + 50_000_000).contains(&took),
            "{name} took {took} ns"
        );
    }
}

fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}
