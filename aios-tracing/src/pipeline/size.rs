//! A cheap estimate of a span's memory, for the queue's byte bound.

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use std::mem::size_of;

fn value_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.as_str().len(),
        Value::Array(array) => match array {
            opentelemetry::Array::String(v) => v.iter().map(|s| s.as_str().len() + 24).sum(),
            opentelemetry::Array::I64(v) => v.len() * 8,
            opentelemetry::Array::F64(v) => v.len() * 8,
            opentelemetry::Array::Bool(v) => v.len(),
            _ => 64,
        },
        _ => 0,
    }
}

fn attributes_size(attributes: &[KeyValue]) -> usize {
    attributes
        .iter()
        .map(|kv| size_of::<KeyValue>() + kv.key.as_str().len() + value_size(&kv.value))
        .sum()
}

/// Bytes the span holds on the heap and inline, approximately.
pub(super) fn estimate(span: &SpanData) -> usize {
    let events: usize = span
        .events
        .iter()
        .map(|e| 64 + e.name.len() + attributes_size(&e.attributes))
        .sum();
    let links: usize = span
        .links
        .iter()
        .map(|l| 64 + attributes_size(&l.attributes))
        .sum();
    size_of::<SpanData>() + span.name.len() + attributes_size(&span.attributes) + events + links
}
