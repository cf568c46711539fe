//! OTLP/JSON written straight from span records, per the OTLP
//! specification's JSON mapping of the protobuf messages: lowerCamelCase
//! keys, trace and span ids as lowercase hex, 64-bit integers (`intValue`,
//! timestamps) as decimal strings, enums (`kind`, `code`) as integers, and
//! non-finite doubles as the strings `"NaN"`, `"Infinity"` and
//! `"-Infinity"` (proto3's JSON mapping). Every field is written, defaults
//! included, in the order opentelemetry-proto's serde derive writes them:
//! the same bodies as before, except for those doubles (serde wrote
//! `null`, which receivers read as "no value").

use super::protobuf::{flags, kind, status_parts, unix_nanos};
use crate::data::SpanRecord;
use opentelemetry::trace::{Event, Link, SpanContext, SpanId, Status, TraceState};
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::Resource;
use serde_json::to_writer;
use std::io::{self, Write};

type Result = io::Result<()>;

fn string<W: Write + ?Sized>(w: &mut W, s: &str) -> Result {
    Ok(to_writer(w, s)?)
}

fn number<W: Write + ?Sized>(w: &mut W, n: u64) -> Result {
    Ok(to_writer(w, &n)?)
}

/// A 64-bit integer (signed or not), as OTLP/JSON writes them: a decimal string.
fn int64<W: Write + ?Sized>(w: &mut W, n: i128) -> Result {
    w.write_all(b"\"")?;
    to_writer(&mut *w, &n)?;
    w.write_all(b"\"")
}

fn double<W: Write + ?Sized>(w: &mut W, f: f64) -> Result {
    match f {
        f if f.is_finite() => Ok(to_writer(w, &f)?),
        f if f.is_nan() => w.write_all(b"\"NaN\""),
        f if f > 0.0 => w.write_all(b"\"Infinity\""),
        _ => w.write_all(b"\"-Infinity\""),
    }
}

/// Trace and span ids: lowercase hex, in quotes.
fn hex<W: Write + ?Sized>(w: &mut W, bytes: &[u8]) -> Result {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 34];
    out[0] = b'"';
    for (i, b) in bytes.iter().enumerate().take(16) {
        out[1 + 2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 + 2 * i] = DIGITS[usize::from(b & 0xf)];
    }
    let end = 1 + 2 * bytes.len().min(16);
    out[end] = b'"';
    w.write_all(&out[..=end])
}

/// A JSON array of `items`, each written by `each`.
fn list<W: Write + ?Sized, T>(
    w: &mut W,
    items: &[T],
    mut each: impl FnMut(&mut W, &T) -> Result,
) -> Result {
    w.write_all(b"[")?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        each(w, item)?;
    }
    w.write_all(b"]")
}

fn any_value<W: Write + ?Sized>(w: &mut W, value: &Value) -> Result {
    match value {
        Value::Bool(b) => w.write_all(if *b {
            b"{\"boolValue\":true}"
        } else {
            b"{\"boolValue\":false}"
        }),
        Value::I64(i) => {
            w.write_all(b"{\"intValue\":")?;
            int64(w, (*i).into())?;
            w.write_all(b"}")
        }
        Value::F64(f) => {
            w.write_all(b"{\"doubleValue\":")?;
            double(w, *f)?;
            w.write_all(b"}")
        }
        Value::String(s) => {
            w.write_all(b"{\"stringValue\":")?;
            string(w, s.as_str())?;
            w.write_all(b"}")
        }
        Value::Array(array) => {
            w.write_all(b"{\"arrayValue\":{\"values\":")?;
            match array {
                Array::Bool(items) => list(w, items, |w, b| any_value(w, &Value::Bool(*b)))?,
                Array::I64(items) => list(w, items, |w, i| any_value(w, &Value::I64(*i)))?,
                Array::F64(items) => list(w, items, |w, f| any_value(w, &Value::F64(*f)))?,
                Array::String(items) => list(w, items, |w, s| {
                    w.write_all(b"{\"stringValue\":")?;
                    string(w, s.as_str())?;
                    w.write_all(b"}")
                })?,
                other => list(w, &[other.to_string()], |w, s| {
                    w.write_all(b"{\"stringValue\":")?;
                    string(w, s)?;
                    w.write_all(b"}")
                })?,
            }
            w.write_all(b"}}")
        }
        // A kind of value this encoder does not know yet: its text.
        other => {
            w.write_all(b"{\"stringValue\":")?;
            string(w, &other.as_str())?;
            w.write_all(b"}")
        }
    }
}

fn attributes<W: Write + ?Sized>(w: &mut W, attributes: &[KeyValue]) -> Result {
    list(w, attributes, |w, kv| {
        w.write_all(b"{\"key\":")?;
        string(w, kv.key.as_str())?;
        w.write_all(b",\"value\":")?;
        any_value(w, &kv.value)?;
        w.write_all(b"}")
    })
}

fn trace_state<W: Write + ?Sized>(w: &mut W, state: &TraceState) -> Result {
    if state.into_iter().len() == 0 {
        return w.write_all(b"\"\"");
    }
    string(w, &state.header())
}

fn event<W: Write + ?Sized>(w: &mut W, event: &Event) -> Result {
    w.write_all(b"{\"timeUnixNano\":")?;
    int64(w, unix_nanos(event.timestamp).into())?;
    w.write_all(b",\"name\":")?;
    string(w, &event.name)?;
    w.write_all(b",\"attributes\":")?;
    attributes(w, &event.attributes)?;
    w.write_all(b",\"droppedAttributesCount\":")?;
    number(w, event.dropped_attributes_count.into())?;
    w.write_all(b"}")
}

/// `{"traceId":…,"spanId":…,"traceState":…`: how both a `Span` and a
/// `Link` start.
fn open_with_context<W: Write + ?Sized>(w: &mut W, context: &SpanContext) -> Result {
    w.write_all(b"{\"traceId\":")?;
    hex(w, &context.trace_id().to_bytes())?;
    w.write_all(b",\"spanId\":")?;
    hex(w, &context.span_id().to_bytes())?;
    w.write_all(b",\"traceState\":")?;
    trace_state(w, context.trace_state())
}

fn link<W: Write + ?Sized>(w: &mut W, link: &Link) -> Result {
    let context = &link.span_context;
    open_with_context(w, context)?;
    w.write_all(b",\"attributes\":")?;
    attributes(w, &link.attributes)?;
    w.write_all(b",\"droppedAttributesCount\":")?;
    number(w, link.dropped_attributes_count.into())?;
    w.write_all(b",\"flags\":")?;
    number(w, flags(context, context.is_remote()).into())?;
    w.write_all(b"}")
}

fn status<W: Write + ?Sized>(w: &mut W, status: &Status) -> Result {
    let (message, code) = status_parts(status);
    w.write_all(b"{\"message\":")?;
    string(w, message)?;
    w.write_all(b",\"code\":")?;
    number(w, code)?;
    w.write_all(b"}")
}

/// One `Span` object.
pub(super) fn span<W: Write + ?Sized>(w: &mut W, record: &SpanRecord) -> Result {
    let context = &record.span_context;
    let extras = record.extras_or_default();
    open_with_context(w, context)?;
    w.write_all(b",\"parentSpanId\":")?;
    if record.parent_span_id == SpanId::INVALID {
        w.write_all(b"\"\"")?;
    } else {
        hex(w, &record.parent_span_id.to_bytes())?;
    }
    w.write_all(b",\"flags\":")?;
    number(w, flags(context, record.parent_is_remote).into())?;
    w.write_all(b",\"name\":")?;
    string(w, &record.name)?;
    w.write_all(b",\"kind\":")?;
    number(w, kind(&record.kind))?;
    w.write_all(b",\"startTimeUnixNano\":")?;
    int64(w, unix_nanos(record.start).into())?;
    w.write_all(b",\"endTimeUnixNano\":")?;
    int64(w, unix_nanos(record.end).into())?;
    w.write_all(b",\"attributes\":")?;
    attributes(w, &record.attributes)?;
    w.write_all(b",\"droppedAttributesCount\":")?;
    number(w, record.dropped_attributes.into())?;
    w.write_all(b",\"events\":")?;
    list(w, &extras.events, event)?;
    w.write_all(b",\"droppedEventsCount\":")?;
    number(w, extras.dropped_events.into())?;
    w.write_all(b",\"links\":")?;
    list(w, &extras.links, link)?;
    w.write_all(b",\"droppedLinksCount\":")?;
    number(w, extras.dropped_links.into())?;
    w.write_all(b",\"status\":")?;
    status(w, &extras.status)?;
    w.write_all(b"}")
}

/// What goes around the spans of one scope: `{"scope":{…},"spans":[` and
/// `],"schemaUrl":"…"}`.
pub(super) fn scope(scope: &InstrumentationScope) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut head = b"{\"scope\":{\"name\":".to_vec();
    string(&mut head, scope.name())?;
    head.extend_from_slice(b",\"version\":");
    string(&mut head, scope.version().unwrap_or_default())?;
    head.extend_from_slice(b",\"attributes\":");
    let scope_attributes: Vec<KeyValue> = scope.attributes().cloned().collect();
    attributes(&mut head, &scope_attributes)?;
    head.extend_from_slice(b",\"droppedAttributesCount\":0},\"spans\":[");
    Ok((head, schema_url(scope.schema_url())?))
}

/// What goes around the scopes of the resource: the request's start up to
/// `"scopeSpans":[`, and `],"schemaUrl":"…"}]}`.
pub(super) fn resource(resource: &Resource) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut head = b"{\"resourceSpans\":[{\"resource\":{\"attributes\":".to_vec();
    let resource_attributes: Vec<KeyValue> = resource
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    attributes(&mut head, &resource_attributes)?;
    head.extend_from_slice(b",\"droppedAttributesCount\":0,\"entityRefs\":[]},\"scopeSpans\":[");
    let mut tail = schema_url(resource.schema_url())?;
    tail.extend_from_slice(b"]}");
    Ok((head, tail))
}

fn schema_url(url: Option<&str>) -> io::Result<Vec<u8>> {
    let mut tail = b"],\"schemaUrl\":".to_vec();
    string(&mut tail, url.unwrap_or_default())?;
    tail.push(b'}');
    Ok(tail)
}
