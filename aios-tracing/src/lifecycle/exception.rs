//! Exceptions recorded the way the OpenTelemetry semantic conventions say:
//! an `exception` event with `exception.type`, `exception.message` and,
//! when backtraces are enabled, `exception.stacktrace`; status ERROR.
//!
//! A backtrace is captured on the application thread (walking the stack,
//! a few microseconds) and formatted on the export thread (resolving
//! symbols, which takes milliseconds, tens of them in a debug build): it
//! reaches this crate's recording span through [`PENDING`] while the span
//! adds the event, and is stored with it until export. The event's
//! timestamp is taken before the capture: the moment of the error.

use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::KeyValue;
use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::RefCell;
use std::time::SystemTime;

/// A stack trace for an exception event.
#[derive(Debug)]
pub(crate) enum Stacktrace {
    None,
    /// Given as text (`record_exception_parts`).
    Text(String),
    /// Captured, not yet formatted.
    Captured(Backtrace),
}

thread_local! {
    /// A captured backtrace on its way to the recording span that adds the
    /// event (see [`take_pending`]).
    static PENDING: RefCell<Option<Backtrace>> = const { RefCell::new(None) };
}

/// The backtrace of the exception event being added on this thread, for
/// the recording span to keep and format later.
pub(crate) fn take_pending() -> Option<Backtrace> {
    PENDING
        .try_with(|pending| pending.borrow_mut().take())
        .ok()
        .flatten()
}

/// Records one exception on `span`, at `at`, and sets its status to
/// ERROR. Callers check `is_recording` first, so nothing is formatted for
/// unsampled spans.
pub(crate) fn record(
    span: &SpanRef<'_>,
    at: SystemTime,
    exception_type: &str,
    message: &str,
    stacktrace: Stacktrace,
    extra: Vec<KeyValue>,
) {
    let mut attributes = Vec::with_capacity(3 + extra.len());
    if !exception_type.is_empty() {
        attributes.push(KeyValue::new("exception.type", exception_type.to_owned()));
    }
    attributes.push(KeyValue::new("exception.message", message.to_owned()));
    match stacktrace {
        Stacktrace::None => {}
        Stacktrace::Text(trace) => attributes.push(KeyValue::new("exception.stacktrace", trace)),
        Stacktrace::Captured(trace) => {
            let _ = PENDING.try_with(|pending| *pending.borrow_mut() = Some(trace));
        }
    }
    attributes.extend(extra);
    span.add_event_with_timestamp("exception", at, attributes);
    // A span of the SDK's own (from `TracingSdk::tracer`) does not take
    // it; its event goes without the trace rather than wait for it here.
    drop(take_pending());
    span.set_status(Status::error(message.to_owned()));
}

/// A backtrace when the user turned them on (`RUST_BACKTRACE` /
/// `RUST_LIB_BACKTRACE`), captured but not formatted; capturing costs
/// nothing otherwise.
pub(crate) fn backtrace() -> Stacktrace {
    let trace = Backtrace::capture();
    if trace.status() == BacktraceStatus::Captured {
        Stacktrace::Captured(trace)
    } else {
        Stacktrace::None
    }
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
        let at = super::clock::now();
        let message = payload.map_or("panicked", panic_message);
        record(span, at, "panic", message, backtrace(), Vec::new());
    }
}
