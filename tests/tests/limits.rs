//! Oversized input is bounded by documented limits and shows up as
//! dropped or truncated in what is exported, never as unbounded memory or
//! a slow request path.

mod common;

use aios_tracing::Protocol;
use aios_tracing_tests::{AttrValue, SpansExt};
use common::Fixture;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[test]
fn huge_and_numerous_attributes_are_limited_and_counted() {
    let fx = Fixture::start(Protocol::Grpc);
    let sdk = fx.sdk();
    let span = sdk.start_span("big");
    for i in 0..100_000 {
        span.set_attribute(format!("key.{i}"), i);
    }
    span.set_attributes([("blob", "x".repeat(10 * 1024 * 1024))]);
    for i in 0..1_000 {
        span.add_event("tick", [("i", i)]);
    }
    span.end();
    let spans = fx.shutdown_and_wait(1);
    let big = spans.one("big");
    // OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT / OTEL_SPAN_EVENT_COUNT_LIMIT default to 128.
    assert_eq!(big.attributes.len(), 128);
    assert_eq!(big.dropped_attributes_count, 100_001 - 128);
    assert_eq!(big.events.len(), 128);
    assert_eq!(big.dropped_events_count, 1_000 - 128);
}

#[test]
fn long_attribute_values_are_cut_to_the_value_length_limit() {
    let fx = Fixture::with(Protocol::HttpProtobuf, |b| {
        b.environment([("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1001")])
    });
    let sdk = fx.sdk();
    assert_eq!(sdk.config().max_attribute_value_length, 1001);
    let span = sdk
        .span("long")
        .attribute("blob", "é".repeat(10 * 1024 * 1024))
        .start();
    span.add_event("e", [("payload", "y".repeat(5000))]);
    span.end();
    let spans = fx.shutdown_and_wait(1);
    let long = spans.one("long");
    let blob = long.attr("blob").and_then(AttrValue::as_str).unwrap();
    assert_eq!(
        blob.len(),
        1000,
        "cut at the character boundary below 1001 bytes"
    );
    assert!(blob.chars().all(|c| c == 'é'));
    let payload = long.events[0]
        .attr("payload")
        .and_then(AttrValue::as_str)
        .unwrap();
    assert_eq!(payload.len(), 1001);
}

#[test]
fn the_default_value_limit_keeps_a_10_mb_value_out_of_the_export() {
    let fx = Fixture::start(Protocol::Grpc);
    let sdk = fx.sdk();
    sdk.span("ten-mb")
        .attribute("blob", "z".repeat(10 * 1024 * 1024))
        .start()
        .end();
    let spans = fx.shutdown_and_wait(1);
    assert_eq!(
        spans
            .one("ten-mb")
            .attr("blob")
            .and_then(AttrValue::as_str)
            .map(str::len),
        Some(65_536)
    );
}

#[test]
fn oversized_inbound_headers_are_rejected_quickly() {
    let fx = Fixture::start(Protocol::Grpc);
    let sdk = fx.sdk();
    let megabyte = format!("00-{}-00f067aa0ba902b7-01", "a".repeat(1024 * 1024));
    let baggage: String = (0..10_000)
        .map(|i| format!("k{i}=v{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let headers = HashMap::from([
        ("traceparent".to_string(), megabyte),
        ("tracestate".to_string(), "k=v,".repeat(200_000)),
        ("baggage".to_string(), baggage),
    ]);
    let start = Instant::now();
    let cx = sdk.extract_context(&headers);
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "took {:?}",
        start.elapsed()
    );
    use aios_tracing::TraceContextExt;
    assert!(!cx.span().span_context().is_valid());
    let baggage = opentelemetry::baggage::BaggageExt::baggage(&cx);
    assert!(
        baggage.len() <= 180,
        "W3C baggage limits apply: {} entries kept",
        baggage.len()
    );
    fx.shutdown();
}
