//! [`SpanGuard`]: a span made current on this thread until the guard drops.

use super::Span;
use crate::lifecycle::exception;
use opentelemetry::ContextGuard;
use std::fmt;

/// A span made current on this thread; it ends when the guard drops.
///
/// A panic unwinding through the guard is recorded as an exception with
/// status ERROR before the span ends. Dereferences to [`Span`].
///
/// ```
/// use aios_tracing::Span;
/// {
///     let span = Span::builder("io.read").attribute("file", "/tmp/data").entered();
///     span.add_event("opened", [("bytes", 42)]);
/// } // ends here
/// ```
pub struct SpanGuard {
    span: Span,
    record_panics: bool,
    _attached: Option<ContextGuard>,
}

impl SpanGuard {
    /// Makes `span` current until the guard drops; `record_panics`: a
    /// panic unwinding through the guard is recorded on the span.
    pub(crate) fn enter(span: Span, record_panics: bool) -> SpanGuard {
        let attached = span.needs_attach().then(|| span.context().clone().attach());
        SpanGuard {
            span,
            record_panics,
            _attached: attached,
        }
    }
}

impl fmt::Debug for SpanGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SpanGuard").field(&self.span).finish()
    }
}

impl std::ops::Deref for SpanGuard {
    type Target = Span;
    fn deref(&self) -> &Span {
        &self.span
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if self.record_panics && std::thread::panicking() {
            // The payload is out of reach from `Drop`; `#[trace]` and `span!`
            // catch the unwind instead and record the message.
            exception::record_panic(&self.span.span_ref(), None);
        }
        self.span.end();
    }
}

impl SpanGuard {
    /// The span this guard keeps current.
    pub fn span(&self) -> &Span {
        &self.span
    }
}
