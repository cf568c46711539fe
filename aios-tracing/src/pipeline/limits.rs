//! The attribute value length limit (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`),
//! which the SDK leaves to exporters: applied before a span is queued, so
//! one oversized value can neither fill the queue nor push an export
//! request past the collector's message size limit.

use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

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

fn truncate_value(value: &mut Value, max: usize) {
    match value {
        Value::String(s) => {
            if let Some(short) = cut(s.as_str(), max) {
                *s = StringValue::from(short);
            }
        }
        Value::Array(Array::String(items)) => {
            for item in items.iter_mut() {
                if let Some(short) = cut(item.as_str(), max) {
                    *item = StringValue::from(short);
                }
            }
        }
        _ => {}
    }
}

fn truncate_all(attributes: &mut [KeyValue], max: usize) {
    for kv in attributes {
        truncate_value(&mut kv.value, max);
    }
}

/// Cuts every string attribute value (span, events, links) to `max` bytes,
/// at a character boundary.
pub(super) fn truncate(span: &mut SpanData, max: usize) {
    truncate_all(&mut span.attributes, max);
    for event in span.events.events.iter_mut() {
        truncate_all(&mut event.attributes, max);
    }
    for link in span.links.links.iter_mut() {
        truncate_all(&mut link.attributes, max);
    }
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
