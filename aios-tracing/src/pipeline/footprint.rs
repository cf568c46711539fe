//! What a span costs the queue, measured in the one walk over its
//! attributes that also applies the attribute value length limit
//! (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, which the SDK leaves to
//! exporters). Done before queueing, so one oversized value can neither
//! fill the queue nor push an export request past the collector's message
//! size limit.

use crate::record::{Extras, SpanRecord};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use std::mem::size_of;

fn cut(s: &str, max: usize) -> Option<String> {
    if s.len() <= max {
        return None;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Some(s[..end].to_owned())
}

/// Cuts `s` to `max` bytes if longer; returns its length afterwards.
fn fit_string(s: &mut StringValue, max: usize) -> usize {
    if let Some(short) = cut(s.as_str(), max) {
        *s = StringValue::from(short);
    }
    s.as_str().len()
}

/// Heap bytes of `value` once cut to `max`.
fn fit_value(value: &mut Value, max: usize) -> usize {
    match value {
        Value::String(s) => fit_string(s, max),
        Value::Array(Array::String(items)) => {
            items.iter_mut().map(|s| fit_string(s, max) + 24).sum()
        }
        Value::Array(Array::I64(v)) => v.len() * 8,
        Value::Array(Array::F64(v)) => v.len() * 8,
        Value::Array(Array::Bool(v)) => v.len(),
        Value::Array(_) => 64,
        _ => 0,
    }
}

fn fit_all(attributes: &mut [KeyValue], max: usize) -> usize {
    attributes
        .iter_mut()
        .map(|kv| size_of::<KeyValue>() + kv.key.as_str().len() + fit_value(&mut kv.value, max))
        .sum()
}

/// Cuts every string attribute value (span, events, links) to `max` bytes
/// at a character boundary, and returns the span's approximate size.
pub(super) fn fit(span: &mut SpanRecord, max: usize) -> usize {
    let mut size = size_of::<SpanRecord>() + span.name.len() + fit_all(&mut span.attributes, max);
    if !span.attributes.spilled() {
        // Those are inside the record, already counted by its size.
        size -= span.attributes.len() * size_of::<KeyValue>();
    }
    if let Some(extras) = &mut span.extras {
        size += size_of::<Extras>();
        for event in &mut extras.events {
            size += 64 + event.name.len() + fit_all(&mut event.attributes, max);
        }
        for link in &mut extras.links {
            size += 64 + fit_all(&mut link.attributes, max);
        }
    }
    size
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cuts_at_a_character_boundary() {
        assert_eq!(cut("abc", 5), None);
        assert_eq!(cut("abcdef", 3).as_deref(), Some("abc"));
        assert_eq!(cut("aé", 2).as_deref(), Some("a"));
    }
}
