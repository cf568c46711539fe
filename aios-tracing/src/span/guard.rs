//! [`SpanGuard`]'s methods: current until dropped, ends then.

use super::{Span, SpanGuard};
use crate::lifecycle::exception;
use std::fmt;

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
