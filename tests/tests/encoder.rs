//! Spans of every shape, encoded by the SDK's own encoder and decoded by
//! the receiver (opentelemetry-proto's types) over gRPC, HTTP/protobuf and
//! HTTP/JSON: every field arrives as it was made, and the three protocols
//! deliver the same spans. (The unit tests in `sink/encode` compare the
//! bytes with those of opentelemetry-proto's own encoder.)

mod common;

use aios_tracing::opentelemetry::{Array, StringValue};
use aios_tracing::{KeyValue, Protocol, Span, SpanKind, Value};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use common::Fixture;
use std::collections::HashMap;

const TRACE_PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE_STATE: &str = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";

fn every_value() -> Vec<KeyValue> {
    vec![
        KeyValue::new("bool", true),
        KeyValue::new("int.negative", -42),
        KeyValue::new("int.max", i64::MAX),
        KeyValue::new("double", 14.99),
        KeyValue::new("string", "héllo \"quoted\"\n日本"),
        KeyValue::new("string.empty", ""),
        KeyValue::new("array.bool", Value::Array(Array::Bool(vec![true, false]))),
        KeyValue::new("array.int", Value::Array(Array::I64(vec![1, -2]))),
        KeyValue::new("array.double", Value::Array(Array::F64(vec![0.5, -1.25]))),
        KeyValue::new(
            "array.string",
            Value::Array(Array::String(vec![
                StringValue::from("a"),
                StringValue::from(""),
            ])),
        ),
    ]
}

/// Makes one span of each shape with `fx`'s SDK and returns what the
/// receiver got.
fn every_shape(protocol: Protocol) -> Vec<ReceivedSpan> {
    let fx = Fixture::start(protocol);
    let sdk = fx.sdk();

    let values = sdk.span("values").attributes(every_value()).start();
    values.end();

    let crowded = sdk
        .span("crowded")
        .attributes((0..130).map(|i| KeyValue::new(format!("attr.{i}"), i)))
        .start();
    for i in 0..130 {
        crowded.add_event(format!("event.{i}"), [("i", Value::from(i))]);
    }
    crowded.end();

    let target = sdk.start_span("link target");
    let link = target.link();
    target.end();
    let events = sdk
        .span("events and links")
        .kind(SpanKind::Producer)
        .link(link)
        .start();
    events.add_event("with attributes", every_value());
    events.add_event("bare", Vec::<KeyValue>::new());
    events.set_error("card declined");
    events.end();

    let ok = sdk.span("ok").kind(SpanKind::Consumer).start();
    ok.set_ok();
    ok.end();

    let headers = HashMap::from([
        ("traceparent".to_owned(), TRACE_PARENT.to_owned()),
        ("tracestate".to_owned(), TRACE_STATE.to_owned()),
    ]);
    let remote = sdk.extract_context(&headers);
    let child = sdk
        .span("remote child")
        .kind(SpanKind::Server)
        .parent(&remote)
        .start();
    Span::builder("local child")
        .kind(SpanKind::Client)
        .parent(child.context())
        .start()
        .end();
    child.end();
    fx.shutdown_and_wait(7)
}

fn check(spans: &[ReceivedSpan], protocol: Protocol) {
    assert_eq!(spans.len(), 7, "{protocol:?}: {:?}", spans.names());
    let values = spans.one("values");
    for kv in every_value() {
        let key = kv.key.as_str();
        let expected = match kv.value {
            Value::Bool(b) => AttrValue::Bool(b),
            Value::I64(i) => AttrValue::Int(i),
            Value::F64(f) => AttrValue::Double(f),
            Value::String(s) => AttrValue::Str(s.to_string()),
            Value::Array(Array::Bool(v)) => {
                AttrValue::Array(v.into_iter().map(AttrValue::Bool).collect())
            }
            Value::Array(Array::I64(v)) => {
                AttrValue::Array(v.into_iter().map(AttrValue::Int).collect())
            }
            Value::Array(Array::F64(v)) => {
                AttrValue::Array(v.into_iter().map(AttrValue::Double).collect())
            }
            Value::Array(Array::String(v)) => AttrValue::Array(
                v.into_iter()
                    .map(|s| AttrValue::Str(s.to_string()))
                    .collect(),
            ),
            other => panic!("no such value in the test: {other:?}"),
        };
        assert_eq!(values.attr(key), Some(&expected), "{protocol:?}: {key}");
    }
    assert_eq!(values.status.code, StatusCode::Unset);
    assert_eq!(values.kind_name(), "internal");
    assert!(values.is_root());
    // W3C Level 2: a new trace's id is random, and its flags say so (0x02).
    assert_eq!(
        values.flags, 0x103,
        "sampled, random trace id, parent not remote"
    );

    // Past the limits (128 of each): kept, and counted dropped.
    let crowded = spans.one("crowded");
    assert_eq!(crowded.attributes.len(), 128);
    assert_eq!(crowded.dropped_attributes_count, 2);
    assert_eq!(crowded.events.len(), 128);
    assert_eq!(crowded.dropped_events_count, 2);
    assert_eq!(crowded.events[127].attr("i"), Some(&AttrValue::Int(127)));

    let target = spans.one("link target");
    let events = spans.one("events and links");
    assert_eq!(events.kind_name(), "producer");
    assert_eq!(events.status.code, StatusCode::Error);
    assert_eq!(events.status.message, "card declined");
    let with = events.event("with attributes").expect("event");
    assert_eq!(with.attributes.len(), every_value().len());
    assert_eq!(with.attr("array.int"), values.attr("array.int"));
    assert!(events.event("bare").expect("event").attributes.is_empty());
    assert_eq!(events.links.len(), 1);
    assert_eq!(events.links[0].trace_id, target.trace_id);
    assert_eq!(events.links[0].span_id, target.span_id);
    assert_eq!(events.links[0].flags, 0x103);

    let ok = spans.one("ok");
    assert_eq!(ok.kind_name(), "consumer");
    assert_eq!(ok.status.code, StatusCode::Ok);

    let remote = spans.one("remote child");
    assert_eq!(remote.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(remote.parent_span_id.as_deref(), Some("00f067aa0ba902b7"));
    assert_eq!(remote.trace_state, TRACE_STATE);
    assert_eq!(remote.flags, 0x301, "sampled, parent remote");
    let local = spans.one("local child");
    assert_eq!(local.kind_name(), "client");
    assert_eq!(
        local.parent_span_id.as_deref(),
        Some(remote.span_id.as_str())
    );
    assert_eq!(local.trace_state, TRACE_STATE);
    assert_eq!(local.flags, 0x101);

    for span in spans {
        assert_eq!(span.scope_name, "orders-api");
        assert!(span.end_unix_nanos >= span.start_unix_nanos);
        assert!(span.start_unix_nanos > 1_600_000_000_000_000_000);
    }
}

/// A span without what differs from run to run (ids and times).
fn shape(span: &ReceivedSpan) -> ReceivedSpan {
    let mut span = span.clone();
    span.trace_id.clear();
    span.span_id.clear();
    span.parent_span_id = span.parent_span_id.map(|_| String::new());
    (span.start_unix_nanos, span.end_unix_nanos) = (0, 0);
    for event in &mut span.events {
        event.time_unix_nanos = 0;
    }
    for link in &mut span.links {
        link.trace_id.clear();
        link.span_id.clear();
    }
    span.transport = aios_tracing_tests::Transport::Grpc;
    // Each SDK's resource is a map: its order is its own.
    span.resource.sort_by(|a, b| a.0.cmp(&b.0));
    span
}

#[test]
fn every_shape_arrives_intact_over_every_protocol() {
    let mut received = Vec::new();
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        let mut spans = every_shape(protocol);
        check(&spans, protocol);
        spans.sort_by(|a, b| a.name.cmp(&b.name));
        received.push(spans.iter().map(shape).collect::<Vec<_>>());
    }
    for (other, name) in [(1, "HTTP/protobuf"), (2, "HTTP/JSON")] {
        for (grpc, span) in received[0].iter().zip(&received[other]) {
            assert!(grpc == span, "{} differs over gRPC and {name}", span.name);
        }
    }
}
