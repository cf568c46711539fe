//! The span helpers for code that has no handle: they act on the span
//! current on this thread (or do nothing outside any span).

use crate::attributes::IntoKeyValue;
use crate::span::Span;
use opentelemetry::trace::{Link, TraceContextExt};
use opentelemetry::Context;
use std::borrow::Cow;

/// A link to the current span, or `None` outside any span; pass it to
/// [`SpanBuilder::links`](crate::SpanBuilder::links) for fan-in / fan-out.
///
/// ```
/// assert!(aios_tracing::link_current_span().is_none());
/// ```
pub fn link_current_span() -> Option<Link> {
    Context::map_current(|cx| {
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| Link::with_context(sc))
    })
}

/// Adds an event to the current span.
///
/// ```
/// aios_tracing::current::add_event("cache.miss", [("key", "user:123")]);
/// ```
pub fn add_event<I>(name: impl Into<Cow<'static, str>>, attributes: I)
where
    I: IntoIterator,
    I::Item: IntoKeyValue,
{
    Span::current().add_event(name, attributes);
}

/// Sets attributes on the current span.
///
/// ```
/// aios_tracing::current::set_attributes([("user.id", "u_123")]);
/// ```
pub fn set_attributes<I>(attributes: I)
where
    I: IntoIterator,
    I::Item: IntoKeyValue,
{
    Span::current().set_attributes(attributes);
}

/// Records an exception on the current span and sets its status to ERROR.
///
/// ```
/// if let Err(e) = "x".parse::<i32>() {
///     aios_tracing::current::record_exception(&e);
/// }
/// ```
pub fn record_exception<E: std::error::Error + ?Sized>(error: &E) {
    Span::current().record_exception(error);
}

/// The current span's trace id as 32 hex digits, if there is a span.
///
/// ```
/// assert_eq!(aios_tracing::current::trace_id(), None);
/// ```
pub fn trace_id() -> Option<String> {
    Context::map_current(|cx| {
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| sc.trace_id().to_string())
    })
}

/// Wraps a closure so it runs in the context current *now*, wherever it is
/// later called: for `std::thread::spawn` and `tokio::task::spawn_blocking`,
/// whose closures would otherwise start outside the caller's trace.
///
/// ```
/// use aios_tracing::{current::in_current_context, Span};
/// let parent = Span::builder("parent").entered();
/// let worker = std::thread::spawn(in_current_context(|| {
///     Span::current().span_context().span_id() // the parent's, inside the thread
/// }));
/// assert_eq!(worker.join().unwrap(), parent.span_context().span_id());
/// ```
pub fn in_current_context<F, R>(f: F) -> impl FnOnce() -> R + Send
where
    F: FnOnce() -> R + Send,
{
    let cx = Context::current();
    move || {
        let _attached = cx.attach();
        f()
    }
}
