//! Exceptions recorded the way the OpenTelemetry semantic conventions say:
//! an `exception` event with `exception.type`, `exception.message` and,
//! when backtraces are enabled, `exception.stacktrace`; status ERROR.

use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::KeyValue;
use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};

/// Records one exception on `span` and sets its status to ERROR. Callers
/// check `is_recording` first, so nothing is formatted for unsampled spans.
pub(crate) fn record(
    span: &SpanRef<'_>,
    exception_type: &str,
    message: &str,
    stacktrace: Option<String>,
    extra: Vec<KeyValue>,
) {
    let mut attributes = Vec::with_capacity(3 + extra.len());
    if !exception_type.is_empty() {
        attributes.push(KeyValue::new("exception.type", exception_type.to_owned()));
    }
    attributes.push(KeyValue::new("exception.message", message.to_owned()));
    if let Some(trace) = stacktrace {
        attributes.push(KeyValue::new("exception.stacktrace", trace));
    }
    attributes.extend(extra);
    span.add_event_with_timestamp("exception", super::clock::now(), attributes);
    span.set_status(Status::error(message.to_owned()));
}

/// A backtrace when the user turned them on (`RUST_BACKTRACE` /
/// `RUST_LIB_BACKTRACE`); capturing costs nothing otherwise.
pub(crate) fn backtrace() -> Option<String> {
    let trace = Backtrace::capture();
    (trace.status() == BacktraceStatus::Captured).then(|| trace.to_string())
}

/// The message of a panic payload, as the default hook would print it.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "Box<dyn Any>"
    }
}

/// Records a panic unwinding through a span.
pub(crate) fn record_panic(span: &SpanRef<'_>, payload: Option<&(dyn Any + Send)>) {
    if span.is_recording() {
        let message = payload.map_or("panicked", panic_message);
        record(span, "panic", message, backtrace(), Vec::new());
    }
}
