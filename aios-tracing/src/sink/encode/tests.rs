//! The encoder against the one it replaced (records → `SpanData` →
//! opentelemetry-proto structs → prost or serde_json): for spans of every
//! shape, the same bytes, and decoded by opentelemetry-proto, the same
//! request field by field.

use super::{Encoder, Encoding};
use crate::data::{Extras, Scope, SpanRecord};
use crate::scope::intern;
use crate::sink::SpanBatch;
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use prost::Message as _;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn resource() -> Resource {
    Resource::builder_empty()
        .with_service_name("checkout")
        .with_attributes([
            KeyValue::new("deployment.environment.name", "prod"),
            KeyValue::new("host.cores", 2),
            KeyValue::new("sample.rate", 0.25),
            KeyValue::new("feature.on", true),
            KeyValue::new("regions", strings(&["eu", "us"])),
        ])
        .with_schema_url(
            [KeyValue::new("os.type", "linux")],
            "https://opentelemetry.io/schemas/1.34.0",
        )
        .build()
}

fn strings(items: &[&'static str]) -> Value {
    Value::Array(Array::String(
        items.iter().map(|s| StringValue::from(*s)).collect(),
    ))
}

fn context(trace: u128, span: u64, flags: u8, remote: bool, state: &str) -> SpanContext {
    let state: TraceState = state.parse().expect("a valid tracestate");
    SpanContext::new(
        TraceId::from(trace),
        SpanId::from(span),
        TraceFlags::new(flags),
        remote,
        state,
    )
}

fn at(nanos: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(nanos)
}

/// A sampled span with a name and times, nothing else.
fn plain(name: &'static str, scope: Scope) -> SpanRecord {
    let mut record = SpanRecord::emptied();
    record.span_context = context(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736, 7, 1, false, "");
    record.name = Cow::Borrowed(name);
    record.start = at(1_700_000_000_123_456_789);
    record.end = at(1_700_000_000_223_456_789);
    record.scope = scope;
    record
}

fn every_value() -> Vec<KeyValue> {
    vec![
        KeyValue::new("bool.true", true),
        KeyValue::new("bool.false", false),
        KeyValue::new("int.zero", 0),
        KeyValue::new("int.negative", -1),
        KeyValue::new("int.max", i64::MAX),
        KeyValue::new("int.min", i64::MIN),
        KeyValue::new("double.zero", 0.0),
        KeyValue::new("double.negative", -1.5),
        KeyValue::new("double.large", 1e300),
        KeyValue::new("double.tiny", f64::MIN_POSITIVE),
        KeyValue::new("string.empty", ""),
        KeyValue::new("string.static", "users"),
        KeyValue::new("string.owned", String::from("u_123")),
        KeyValue::new(
            "string.shared",
            Value::String(StringValue::from(Arc::<str>::from("a"))),
        ),
        KeyValue::new(
            "string.escapes",
            "héllo \"quoted\" \\ back\nslash \t tab \u{1} \u{7f} \u{2028} 日本",
        ),
        KeyValue::new("string.long", "x".repeat(300)),
        KeyValue::new("", "an empty key"),
        KeyValue::new("array.bool", Value::Array(Array::Bool(vec![true, false]))),
        KeyValue::new("array.int", Value::Array(Array::I64(vec![1, -2, i64::MAX]))),
        KeyValue::new("array.double", Value::Array(Array::F64(vec![0.5, -0.0]))),
        KeyValue::new("array.string", strings(&["a", ""])),
        KeyValue::new("array.empty", Value::Array(Array::I64(Vec::new()))),
    ]
}

/// One span of each shape the exporter sees.
fn every_shape() -> Vec<SpanRecord> {
    let a = intern("encoder.tests.a", "1.2.3");
    let b = intern("encoder.tests.b", "");
    let mut spans = Vec::new();

    spans.push(plain("minimal", Scope::Interned(a)));
    spans.push(plain("", Scope::Interned(b)));

    let mut attributes = plain("attributes", Scope::Interned(a));
    attributes.attributes.extend(every_value());
    attributes.dropped_attributes = 3;
    spans.push(attributes);

    for (i, kind) in [
        SpanKind::Internal,
        SpanKind::Server,
        SpanKind::Client,
        SpanKind::Producer,
        SpanKind::Consumer,
    ]
    .into_iter()
    .enumerate()
    {
        let mut span = plain("kind", Scope::Interned(b));
        span.kind = kind;
        span.parent_span_id = SpanId::from(100 + i as u64);
        span.parent_is_remote = i % 2 == 0;
        spans.push(span);
    }

    let mut traced = plain("trace state and flags", Scope::Interned(a));
    traced.span_context = context(9, 10, 0x03, false, "vendor=opaque,other@tenant=x");
    traced.parent_span_id = SpanId::from(11);
    traced.parent_is_remote = true;
    spans.push(traced);

    let mut events = plain("events", Scope::Interned(a));
    events.extras = Some(Box::new(Extras {
        events: vec![
            Event::new(
                "payment.started",
                at(5),
                vec![KeyValue::new("amount", 1499)],
                0,
            ),
            Event::new("", UNIX_EPOCH - Duration::from_secs(1), every_value(), 4),
            Event::with_name("bare"),
        ],
        dropped_events: 2,
        ..Extras::default()
    }));
    spans.push(events);

    let mut links = plain("links", Scope::Interned(b));
    links.extras = Some(Box::new(Extras {
        links: vec![
            Link::new(
                context(1, 2, 1, true, "k=v"),
                vec![KeyValue::new("why", "fan-in")],
                1,
            ),
            Link::new(context(3, 4, 0, false, ""), Vec::new(), 0),
            Link::with_context(SpanContext::NONE),
        ],
        dropped_links: 5,
        ..Extras::default()
    }));
    spans.push(links);

    for status in [
        Status::Ok,
        Status::error("card declined"),
        Status::error(""),
        Status::Unset,
    ] {
        let mut span = plain("status", Scope::Interned(a));
        span.extras = Some(Box::new(Extras {
            status,
            ..Extras::default()
        }));
        spans.push(span);
    }

    let mut before_epoch = plain("before the epoch", Scope::Interned(b));
    before_epoch.start = UNIX_EPOCH - Duration::from_secs(5);
    before_epoch.end = UNIX_EPOCH;
    spans.push(before_epoch);

    // Scopes the SDK built: one with attributes and a schema URL, one equal
    // to an interned scope (grouped with it).
    let owned = InstrumentationScope::builder("encoder.tests.owned")
        .with_version("0.1")
        .with_schema_url("https://opentelemetry.io/schemas/1.26.0")
        .with_attributes([KeyValue::new("scope.attr", 1)])
        .build();
    spans.push(plain("owned scope", Scope::Owned(Box::new(owned))));
    let same_as_a = InstrumentationScope::builder("encoder.tests.a")
        .with_version("1.2.3")
        .build();
    spans.push(plain(
        "owned, equal to a",
        Scope::Owned(Box::new(same_as_a)),
    ));

    let mut wide = plain("many attributes", Scope::Interned(a));
    for i in 0..200 {
        wide.attributes.push(KeyValue::new(format!("attr.{i}"), i));
    }
    spans.push(wide);
    spans
}

/// The old encoder's request for `records`.
fn old_request(records: &mut [SpanRecord], resource: &Resource) -> ExportTraceServiceRequest {
    let mut refs: Vec<&mut SpanRecord> = records.iter_mut().collect();
    let spans = SpanBatch::new(&mut refs, false).span_data();
    ExportTraceServiceRequest {
        resource_spans: group_spans_by_resource_and_scope(
            spans,
            &ResourceAttributesWithSchema::from(resource),
        ),
    }
}

fn new_body(encoder: &mut Encoder, records: &mut [SpanRecord]) -> bytes::Bytes {
    let mut refs: Vec<&mut SpanRecord> = records.iter_mut().collect();
    encoder
        .encode(&SpanBatch::new(&mut refs, true))
        .expect("encodes")
}

/// Both encoders on `records`: the same protobuf bytes and the same
/// decoded request; the same JSON, and the same request read back from it.
fn assert_same(records: &mut [SpanRecord]) {
    let resource = resource();
    let old = old_request(records, &resource);

    let body = new_body(
        &mut Encoder::new(Encoding::Protobuf, resource.clone()),
        records,
    );
    let decoded = ExportTraceServiceRequest::decode(&body[..]).expect("valid protobuf");
    assert_eq!(decoded, old, "decoded protobuf differs");
    assert_eq!(&body[..], &old.encode_to_vec()[..], "protobuf bytes differ");

    #[cfg(feature = "http")]
    assert_same_json(records, &old, resource);
}

/// The JSON encoder against opentelemetry-proto's serde.
#[cfg(feature = "http")]
fn assert_same_json(
    records: &mut [SpanRecord],
    old: &ExportTraceServiceRequest,
    resource: Resource,
) {
    let body = new_body(&mut Encoder::new(Encoding::Json, resource), records);
    let decoded: ExportTraceServiceRequest =
        serde_json::from_slice(&body).expect("valid OTLP/JSON");
    assert_eq!(&decoded, old, "decoded JSON differs");
    let old_json = serde_json::to_string(old).expect("serialises");
    assert_eq!(String::from_utf8_lossy(&body), old_json, "JSON differs");
}

#[test]
fn every_shape_encodes_as_the_old_encoder_did() {
    let mut records = every_shape();
    assert_same(&mut records);
}

#[test]
fn each_shape_alone() {
    for record in every_shape() {
        assert_same(&mut [record]);
    }
}

#[test]
fn an_empty_batch() {
    assert_same(&mut []);
}

#[test]
fn scopes_interleaved_keep_the_order_they_first_appear_in() {
    let scopes = [
        intern("s.one", "1"),
        intern("s.two", "2"),
        intern("s.three", ""),
    ];
    let mut records: Vec<SpanRecord> = [0, 1, 0, 2, 1, 1, 0]
        .into_iter()
        .map(|i| plain("interleaved", Scope::Interned(scopes[i])))
        .collect();
    assert_same(&mut records);
}

/// Spans drawn from a fixed-seed generator: every combination of the
/// shapes above, in batches of every size up to a few hundred spans (so
/// that lengths need varints of several bytes).
#[test]
fn random_batches() {
    let shapes = every_shape();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for batch in 0..40 {
        let len = if batch % 10 == 9 { 300 } else { next(20) };
        let mut records: Vec<SpanRecord> = (0..len)
            .map(|_| {
                let mut record = SpanRecord::emptied();
                let shape = &shapes[next(shapes.len())];
                copy_into(shape, &mut record);
                record
            })
            .collect();
        assert_same(&mut records);
    }
}

fn copy_into(from: &SpanRecord, to: &mut SpanRecord) {
    let data = from.to_span_data();
    *to = SpanRecord::from_span_data(data);
    if let Scope::Interned(scope) = from.scope {
        to.scope = Scope::Interned(scope);
    }
}

#[cfg(feature = "http")]
#[test]
fn non_finite_doubles_are_json_strings() {
    let mut record = plain(
        "doubles",
        Scope::Interned(intern("encoder.tests.a", "1.2.3")),
    );
    record.attributes.extend([
        KeyValue::new("nan", f64::NAN),
        KeyValue::new("inf", f64::INFINITY),
        KeyValue::new("-inf", f64::NEG_INFINITY),
        KeyValue::new("array", Value::Array(Array::F64(vec![f64::NAN, 1.0]))),
    ]);
    let body = new_body(&mut Encoder::new(Encoding::Json, resource()), &mut [record]);
    let json: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
    let attributes = &json["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"];
    let value = |i: usize| attributes[i]["value"].clone();
    assert_eq!(value(0), serde_json::json!({ "doubleValue": "NaN" }));
    assert_eq!(value(1), serde_json::json!({ "doubleValue": "Infinity" }));
    assert_eq!(value(2), serde_json::json!({ "doubleValue": "-Infinity" }));
    assert_eq!(
        value(3),
        serde_json::json!({ "arrayValue": { "values": [{ "doubleValue": "NaN" }, { "doubleValue": 1.0 }] } })
    );
}

#[test]
fn the_buffer_is_reused_once_the_previous_request_is_gone() {
    let mut encoder = Encoder::new(Encoding::Protobuf, resource());
    let mut records = every_shape();
    let first = new_body(&mut encoder, &mut records);
    let address = first.as_ptr();
    drop(first);
    let second = new_body(&mut encoder, &mut records);
    assert_eq!(second.as_ptr(), address, "the allocation was taken back");
    // Still in flight: the next request gets a buffer of its own.
    let third = new_body(&mut encoder, &mut records);
    assert_ne!(third.as_ptr(), second.as_ptr());
}
