//! Span limits: how many attributes, events and links a span keeps, and
//! how long a string attribute value may be. The counts are applied as a
//! span records (past a limit, items are dropped and counted); the value
//! length as the span is queued, in the same walk that sizes it.

use opentelemetry::{Array, KeyValue, StringValue, Value};

/// What a span keeps at most; past a limit, items are dropped and
/// counted (the counts are exported). Set with the builder's `max_*`
/// methods or the `OTEL_*_COUNT_LIMIT` variables.
///
/// ```
/// let limits = aios_tracing::SpanLimits::default();
/// assert_eq!((limits.attributes, limits.events, limits.links), (128, 128, 128));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpanLimits {
    /// Attributes per span.
    pub attributes: usize,
    /// Events per span.
    pub events: usize,
    /// Links per span.
    pub links: usize,
    /// Attributes per event.
    pub attributes_per_event: usize,
    /// Attributes per link.
    pub attributes_per_link: usize,
}

impl Default for SpanLimits {
    /// The OpenTelemetry specification's defaults.
    fn default() -> Self {
        SpanLimits {
            attributes: 128,
            events: 128,
            links: 128,
            attributes_per_event: 128,
            attributes_per_link: 128,
        }
    }
}

/// Adds an item made by `make`, or counts it dropped once `items` holds `max`.
pub(crate) fn push_capped<T>(
    items: &mut Vec<T>,
    dropped: &mut u32,
    max: usize,
    make: impl FnOnce() -> T,
) {
    if items.len() < max {
        items.push(make());
    } else {
        *dropped += 1;
    }
}

/// Truncates an event's or link's attributes to `max`; returns how many
/// were dropped.
pub(crate) fn cap(attributes: &mut Vec<KeyValue>, max: usize) -> u32 {
    let dropped = attributes.len().saturating_sub(max);
    attributes.truncate(max);
    dropped as u32
}

/// `s` cut to `max` bytes at a character boundary, if it is longer.
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
fn truncate_string(s: &mut StringValue, max: usize) -> usize {
    if let Some(short) = cut(s.as_str(), max) {
        *s = StringValue::from(short);
    }
    s.as_str().len()
}

/// Cuts a string value (or each string of an array) to `max` bytes;
/// returns the heap bytes the value holds afterwards.
pub(crate) fn truncate_value(value: &mut Value, max: usize) -> usize {
    match value {
        Value::String(s) => truncate_string(s, max),
        Value::Array(Array::String(items)) => {
            items.iter_mut().map(|s| truncate_string(s, max) + 24).sum()
        }
        Value::Array(Array::I64(v)) => v.len() * 8,
        Value::Array(Array::F64(v)) => v.len() * 8,
        Value::Array(Array::Bool(v)) => v.len(),
        Value::Array(_) => 64,
        _ => 0,
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
