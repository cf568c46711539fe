//! A hand-built export request that uses every part of the OTLP trace
//! model, the OTLP/JSON specification's example, and what the receiver must
//! make of them.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value::Value, AnyValue, ArrayValue, InstrumentationScope, KeyValue,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link, SpanKind};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode as OtlpStatusCode;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

use crate::{AttrValue, ReceivedSpan, SpansExt, StatusCode, Transport};

const TRACE_ID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0xff];
const TRACE_ID_HEX: &str = "0102030405060708090a0b0c0d0e0fff";
const ROOT_ID: [u8; 8] = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8];
const ROOT_ID_HEX: &str = "a1a2a3a4a5a6a7a8";
const CHILD_ID: [u8; 8] = [0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8];
const CHILD_ID_HEX: &str = "b1b2b3b4b5b6b7b8";

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn s(v: &str) -> Value {
    Value::StringValue(v.to_owned())
}

/// One resource, one scope, a root span (server, with typed attributes and an
/// event) and its child (client, error status, with a link).
pub(super) fn sample_request() -> ExportTraceServiceRequest {
    let root = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: ROOT_ID.to_vec(),
        name: "root".into(),
        kind: SpanKind::Server as i32,
        start_time_unix_nano: 1_000,
        end_time_unix_nano: 5_000,
        flags: 0x101,
        attributes: vec![
            kv("s", s("text")),
            kv("i", Value::IntValue(-42)),
            kv("d", Value::DoubleValue(1.5)),
            kv("b", Value::BoolValue(true)),
            kv(
                "arr",
                Value::ArrayValue(ArrayValue {
                    values: vec![
                        AnyValue {
                            value: Some(s("x")),
                        },
                        AnyValue {
                            value: Some(s("y")),
                        },
                    ],
                }),
            ),
        ],
        events: vec![Event {
            time_unix_nano: 2_000,
            name: "cache.miss".into(),
            attributes: vec![kv("key", s("k1"))],
            dropped_attributes_count: 0,
        }],
        ..Default::default()
    };
    let child = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: CHILD_ID.to_vec(),
        parent_span_id: ROOT_ID.to_vec(),
        name: "child".into(),
        kind: SpanKind::Client as i32,
        start_time_unix_nano: 2_000,
        end_time_unix_nano: 3_000,
        dropped_attributes_count: 3,
        links: vec![Link {
            trace_id: [0xee; 16].to_vec(),
            span_id: [0xdd; 8].to_vec(),
            attributes: vec![kv("why", s("batch"))],
            ..Default::default()
        }],
        status: Some(Status {
            code: OtlpStatusCode::Error as i32,
            message: "boom".into(),
        }),
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", s("svc"))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "lib".into(),
                    version: "1.2.3".into(),
                    ..Default::default()
                }),
                spans: vec![root, child],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// The OTLP/JSON spec example (uppercase hex ids, string timestamps, enum ints,
/// an `intValue` as a string) plus a root span with an empty parent id.
pub(super) const SPEC_JSON: &str = r#"{
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
    "scopeSpans": [{
      "scope": {"name": "my.library", "version": "1.0.0"},
      "spans": [
        {
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "EEE19B7EC3C1B174",
          "parentSpanId": "EEE19B7EC3C1B173",
          "name": "I'm a server span",
          "startTimeUnixNano": "1544712660000000000",
          "endTimeUnixNano": "1544712661000000000",
          "kind": 2,
          "attributes": [
            {"key": "my.span.attr", "value": {"stringValue": "some value"}},
            {"key": "n", "value": {"intValue": "7"}},
            {"key": "f", "value": {"doubleValue": 0.25}}
          ],
          "status": {"code": 2, "message": "bad"}
        },
        {
          "traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "eee19b7ec3c1b173",
          "parentSpanId": "",
          "name": "root",
          "startTimeUnixNano": 1544712659000000000,
          "endTimeUnixNano": 1544712662000000000,
          "kind": 1
        }
      ]
    }]
  }]
}"#;

/// Checks that `spans` are [`sample_request`]'s, decoded in full.
pub(super) fn assert_sample_spans(spans: &[ReceivedSpan], transport: Transport) {
    assert_eq!(spans.len(), 2, "spans: {:?}", spans.names());
    let root = spans.one("root");
    assert_eq!(root.trace_id, TRACE_ID_HEX);
    assert_eq!(root.span_id, ROOT_ID_HEX);
    assert_eq!(root.parent_span_id, None);
    assert!(root.is_root());
    assert_eq!(root.kind_name(), "server");
    assert_eq!((root.start_unix_nanos, root.end_unix_nanos), (1_000, 5_000));
    assert_eq!(root.duration(), Duration::from_nanos(4_000));
    assert_eq!(root.flags, 0x101);
    assert_eq!(root.attr("s"), Some(&AttrValue::from("text")));
    assert_eq!(root.attr("i").and_then(AttrValue::as_i64), Some(-42));
    assert_eq!(root.attr("d").and_then(AttrValue::as_f64), Some(1.5));
    assert_eq!(root.attr("b").and_then(AttrValue::as_bool), Some(true));
    assert_eq!(
        root.attr("arr"),
        Some(&AttrValue::Array(vec!["x".into(), "y".into()]))
    );
    assert_eq!(root.attr("missing"), None);
    let event = root.event("cache.miss").expect("event");
    assert_eq!(event.time_unix_nanos, 2_000);
    assert_eq!(event.attr("key").and_then(AttrValue::as_str), Some("k1"));
    assert_eq!(root.status.code, StatusCode::Unset);
    assert_eq!(
        root.resource_attr("service.name")
            .and_then(AttrValue::as_str),
        Some("svc")
    );
    assert_eq!(
        (root.scope_name.as_str(), root.scope_version.as_str()),
        ("lib", "1.2.3")
    );
    assert_eq!(root.transport, transport);

    let children = spans.children_of(root);
    assert_eq!(children.len(), 1);
    let child = children[0];
    assert_eq!(child.name, "child");
    assert_eq!(child.span_id, CHILD_ID_HEX);
    assert_eq!(child.parent_span_id.as_deref(), Some(ROOT_ID_HEX));
    assert_eq!(child.kind_name(), "client");
    assert_eq!(child.dropped_attributes_count, 3);
    assert_eq!(child.status.code, StatusCode::Error);
    assert_eq!(child.status.message, "boom");
    assert_eq!(child.links.len(), 1);
    assert_eq!(child.links[0].trace_id, "ee".repeat(16));
    assert_eq!(child.links[0].span_id, "dd".repeat(8));
    assert_eq!(
        child.links[0].attr("why").and_then(AttrValue::as_str),
        Some("batch")
    );
    assert_eq!(spans.by_trace(TRACE_ID_HEX).len(), 2);
    assert_eq!(spans.roots().len(), 1);
}
