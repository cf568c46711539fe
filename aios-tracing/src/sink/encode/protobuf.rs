//! OTLP's protobuf messages written straight from span records: the field
//! numbers of `opentelemetry/proto/trace/v1/trace.proto` and
//! `common/v1/common.proto`, fields in tag order and defaults left out, as
//! prost writes them, so the bytes are those prost would produce for the
//! same spans.
//!
//! A message's length comes before its content, so every message has a
//! `*_len` function (what prost calls `encoded_len`) next to the one that
//! writes it; the span's is computed once per span and kept by the caller.

use super::wire::{
    field_len, header, key, opt_fixed64, opt_fixed64_len, opt_string, opt_string_len,
    opt_string_len_of, opt_varint, opt_varint_len, repeated_len, string, FIXED32, FIXED64, VARINT,
};
use crate::data::SpanRecord;
use bytes::BufMut;
use opentelemetry::trace::{Event, Link, SpanContext, SpanKind, Status, TraceState};
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::Resource;
use prost::encoding::{encode_varint, encoded_len_varint};
use std::time::{SystemTime, UNIX_EPOCH};

/// `Span.flags` is field 16: its key takes two bytes.
const SPAN_FLAGS: [u8; 2] = [(16 << 3 | FIXED32) | 0x80, 1];
/// `SpanFlags`: the parent's remoteness is known, and whether it is remote.
const HAS_IS_REMOTE: u32 = 0x100;
const IS_REMOTE: u32 = 0x200;

/// Nanoseconds since the Unix epoch (0 before it), as OTLP counts time.
#[inline]
pub(super) fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

/// The W3C `tracestate` header of `state` (`k=v,k2=v2`): its length, then its pieces.
fn trace_state_len(state: &TraceState) -> usize {
    let mut len = 0;
    for (i, (k, v)) in state.into_iter().enumerate() {
        len += usize::from(i > 0) + k.len() + 1 + v.len();
    }
    len
}

fn opt_trace_state(buf: &mut impl BufMut, field: u8, state: &TraceState, len: usize) {
    if len == 0 {
        return;
    }
    header(buf, field, len);
    for (i, (k, v)) in state.into_iter().enumerate() {
        if i > 0 {
            buf.put_u8(b',');
        }
        buf.put_slice(k.as_bytes());
        buf.put_u8(b'=');
        buf.put_slice(v.as_bytes());
    }
}

// `AnyValue` (common.proto): a oneof, written even when it holds a default.

fn any_value_len(value: &Value) -> usize {
    match value {
        Value::Bool(_) => 2,
        Value::I64(i) => 1 + encoded_len_varint(*i as u64),
        Value::F64(_) => 9,
        Value::String(s) => field_len(s.as_str().len()),
        Value::Array(array) => field_len(array_len(array)),
        // A kind of value this encoder does not know yet: its text.
        other => field_len(other.as_str().len()),
    }
}

fn write_any_value(buf: &mut impl BufMut, value: &Value) {
    match value {
        Value::Bool(b) => {
            buf.put_u8(key(2, VARINT));
            buf.put_u8(u8::from(*b));
        }
        Value::I64(i) => {
            buf.put_u8(key(3, VARINT));
            encode_varint(*i as u64, buf);
        }
        Value::F64(f) => {
            buf.put_u8(key(4, FIXED64));
            buf.put_f64_le(*f);
        }
        Value::String(s) => string(buf, 1, s.as_str()),
        Value::Array(array) => {
            header(buf, 5, array_len(array));
            write_array(buf, array);
        }
        other => string(buf, 1, &other.as_str()),
    }
}

/// `ArrayValue`: its elements as `AnyValue`s (field 1), each wrapped as `Value`s are.
fn array_len(array: &Array) -> usize {
    fn each<T>(items: &[T], len: impl Fn(&T) -> usize) -> usize {
        items.iter().map(|item| field_len(len(item))).sum()
    }
    match array {
        Array::Bool(items) => each(items, |_| 2),
        Array::I64(items) => each(items, |i| 1 + encoded_len_varint(*i as u64)),
        Array::F64(items) => each(items, |_| 9),
        Array::String(items) => each(items, |s| field_len(s.as_str().len())),
        other => field_len(field_len(other.to_string().len())),
    }
}

fn write_array(buf: &mut impl BufMut, array: &Array) {
    match array {
        Array::Bool(items) => {
            for b in items {
                header(buf, 1, 2);
                buf.put_u8(key(2, VARINT));
                buf.put_u8(u8::from(*b));
            }
        }
        Array::I64(items) => {
            for i in items {
                header(buf, 1, 1 + encoded_len_varint(*i as u64));
                buf.put_u8(key(3, VARINT));
                encode_varint(*i as u64, buf);
            }
        }
        Array::F64(items) => {
            for f in items {
                header(buf, 1, 9);
                buf.put_u8(key(4, FIXED64));
                buf.put_f64_le(*f);
            }
        }
        Array::String(items) => {
            for s in items {
                header(buf, 1, field_len(s.as_str().len()));
                string(buf, 1, s.as_str());
            }
        }
        other => {
            let text = other.to_string();
            header(buf, 1, field_len(text.len()));
            string(buf, 1, &text);
        }
    }
}

// `KeyValue`: key (1), value (2, always present).

fn key_value_len(kv: &KeyValue) -> usize {
    opt_string_len(kv.key.as_str()) + field_len(any_value_len(&kv.value))
}

/// A list of attributes as repeated field `field`.
fn attributes_len(attributes: &[KeyValue]) -> usize {
    repeated_len(attributes, key_value_len)
}

fn write_attributes(buf: &mut impl BufMut, field: u8, attributes: &[KeyValue]) {
    for kv in attributes {
        header(buf, field, key_value_len(kv));
        opt_string(buf, 1, kv.key.as_str());
        header(buf, 2, any_value_len(&kv.value));
        write_any_value(buf, &kv.value);
    }
}

// `Span.Event`: time (1), name (2), attributes (3), dropped (4).

fn event_len(event: &Event) -> usize {
    opt_fixed64_len(unix_nanos(event.timestamp))
        + opt_string_len(&event.name)
        + attributes_len(&event.attributes)
        + opt_varint_len(event.dropped_attributes_count.into())
}

fn write_event(buf: &mut impl BufMut, event: &Event) {
    opt_fixed64(buf, 1, unix_nanos(event.timestamp));
    opt_string(buf, 2, &event.name);
    write_attributes(buf, 3, &event.attributes);
    opt_varint(buf, 4, event.dropped_attributes_count.into());
}

// `Span.Link`: trace id (1), span id (2), trace state (3), attributes
// (4), dropped (5), flags (6).

/// `Span.flags` and `Link.flags`: W3C trace flags, and whether the
/// parent (or linked) context is remote.
pub(super) fn flags(context: &SpanContext, remote: bool) -> u32 {
    let remote = if remote { IS_REMOTE } else { 0 };
    u32::from(context.trace_flags().to_u8()) | HAS_IS_REMOTE | remote
}

/// Trace id (1), span id (2) and trace state (3): the first fields of
/// both `Span` and `Link`.
fn context_len(context: &SpanContext) -> usize {
    18 + 10 + opt_string_len_of(trace_state_len(context.trace_state()))
}

fn write_context(buf: &mut impl BufMut, context: &SpanContext) {
    header(buf, 1, 16);
    buf.put_slice(&context.trace_id().to_bytes());
    header(buf, 2, 8);
    buf.put_slice(&context.span_id().to_bytes());
    let state = context.trace_state();
    opt_trace_state(buf, 3, state, trace_state_len(state));
}

fn link_len(link: &Link) -> usize {
    context_len(&link.span_context)
        + attributes_len(&link.attributes)
        + opt_varint_len(link.dropped_attributes_count.into())
        + 5
}

fn write_link(buf: &mut impl BufMut, link: &Link) {
    let context = &link.span_context;
    write_context(buf, context);
    write_attributes(buf, 4, &link.attributes);
    opt_varint(buf, 5, link.dropped_attributes_count.into());
    buf.put_u8(key(6, FIXED32));
    buf.put_u32_le(flags(context, context.is_remote()));
}

// `Status`: message (2), code (3).

pub(super) fn status_parts(status: &Status) -> (&str, u64) {
    match status {
        Status::Unset => ("", 0),
        Status::Ok => ("", 1),
        Status::Error { description } => (description, 2),
    }
}

fn status_len(status: &Status) -> usize {
    let (message, code) = status_parts(status);
    opt_string_len(message) + opt_varint_len(code)
}

pub(super) fn kind(kind: &SpanKind) -> u64 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

/// What writing a span needs worked out first: its `Span` message's length
/// (without its own key and length), and its times, which are costly
/// enough to convert once only.
#[derive(Debug, Clone, Copy)]
pub(super) struct Measured {
    pub(super) len: usize,
    start: u64,
    end: u64,
}

pub(super) fn measure(record: &SpanRecord) -> Measured {
    let start = unix_nanos(record.start);
    let end = unix_nanos(record.end);
    let extras = record.extras_or_default();
    let parent = if record.parent_span_id == opentelemetry::trace::SpanId::INVALID {
        0
    } else {
        10
    };
    // Ids, kind (2 bytes) and flags (6) are always there.
    let len = context_len(&record.span_context)
        + parent
        + opt_string_len(&record.name)
        + 2
        + opt_fixed64_len(start)
        + opt_fixed64_len(end)
        + attributes_len(&record.attributes)
        + opt_varint_len(record.dropped_attributes.into())
        + repeated_len(&extras.events, event_len)
        + opt_varint_len(extras.dropped_events.into())
        + repeated_len(&extras.links, link_len)
        + opt_varint_len(extras.dropped_links.into())
        + field_len(status_len(&extras.status))
        + 6;
    Measured { len, start, end }
}

/// Writes `record`'s `Span` message (its content: the caller wrote its key and length).
pub(super) fn write_span(buf: &mut impl BufMut, record: &SpanRecord, measured: &Measured) {
    let context = &record.span_context;
    let extras = record.extras_or_default();
    write_context(buf, context);
    if record.parent_span_id != opentelemetry::trace::SpanId::INVALID {
        header(buf, 4, 8);
        buf.put_slice(&record.parent_span_id.to_bytes());
    }
    opt_string(buf, 5, &record.name);
    buf.put_u8(key(6, VARINT));
    buf.put_u8(kind(&record.kind) as u8);
    opt_fixed64(buf, 7, measured.start);
    opt_fixed64(buf, 8, measured.end);
    write_attributes(buf, 9, &record.attributes);
    opt_varint(buf, 10, record.dropped_attributes.into());
    for event in &extras.events {
        header(buf, 11, event_len(event));
        write_event(buf, event);
    }
    opt_varint(buf, 12, extras.dropped_events.into());
    for link in &extras.links {
        header(buf, 13, link_len(link));
        write_link(buf, link);
    }
    opt_varint(buf, 14, extras.dropped_links.into());
    let (message, code) = status_parts(&extras.status);
    header(buf, 15, status_len(&extras.status));
    opt_string(buf, 2, message);
    opt_varint(buf, 3, code);
    buf.put_slice(&SPAN_FLAGS);
    buf.put_u32_le(flags(context, record.parent_is_remote));
}

/// What goes around the spans of one scope in its `ScopeSpans`: the
/// `scope` field (1) before them, the `schema_url` field (3) after.
pub(super) fn scope(scope: &InstrumentationScope) -> (Vec<u8>, Vec<u8>) {
    let name = scope.name();
    let version = scope.version().unwrap_or_default();
    let attributes: Vec<KeyValue> = scope.attributes().cloned().collect();
    let len = opt_string_len(name) + opt_string_len(version) + attributes_len(&attributes);
    let mut head = Vec::with_capacity(field_len(len));
    header(&mut head, 1, len);
    opt_string(&mut head, 1, name);
    opt_string(&mut head, 2, version);
    write_attributes(&mut head, 3, &attributes);
    (head, schema_url(scope.schema_url()))
}

/// What goes around the scopes of one resource in its `ResourceSpans`:
/// the `resource` field (1) before them, the `schema_url` field (3) after.
pub(super) fn resource(resource: &Resource) -> (Vec<u8>, Vec<u8>) {
    let attributes: Vec<KeyValue> = resource
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let len = attributes_len(&attributes);
    let mut head = Vec::with_capacity(field_len(len));
    header(&mut head, 1, len);
    write_attributes(&mut head, 1, &attributes);
    (head, schema_url(resource.schema_url()))
}

fn schema_url(url: Option<&str>) -> Vec<u8> {
    let mut tail = Vec::new();
    opt_string(&mut tail, 3, url.unwrap_or_default());
    tail
}
