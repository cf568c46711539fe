//! What a span costs the queue, measured in the one walk over its
//! attributes that also cuts string values to the length limit (which the
//! SDK leaves to exporters). Done before queueing, so one oversized value
//! can neither fill the queue nor push an export request past the
//! collector's message size limit.

use crate::data::{Extras, SpanRecord};
use crate::limits::truncate_value;
use opentelemetry::KeyValue;
use std::mem::size_of;

fn fit_all(attributes: &mut [KeyValue], max: usize) -> usize {
    attributes
        .iter_mut()
        .map(|kv| {
            size_of::<KeyValue>() + kv.key.as_str().len() + truncate_value(&mut kv.value, max)
        })
        .sum()
}

/// Cuts every string attribute value (span, events, links) to `max` bytes
/// at a character boundary, and returns the span's approximate size.
pub(super) fn truncate_and_measure(span: &mut SpanRecord, max: usize) -> usize {
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
