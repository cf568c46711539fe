//! The span of a future or stream that runs inside it: current during
//! each poll and, when the wrapper owns the span, ended when the work is
//! done, given the panic of a poll, or marked cancelled when the wrapper
//! is dropped first. [`Instrumented`](crate::Instrumented) and (feature
//! `stream`) `InstrumentedStream` share it.

use crate::span::Span;
use opentelemetry::{Context, ContextGuard};
use std::panic::{self, AssertUnwindSafe};

/// The attribute set on a span whose future was dropped before it completed.
pub const CANCELLED_ATTRIBUTE: &str = "aios.cancelled";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// Only attach the context (`in_context`): the span belongs to someone else.
    Attach,
    /// The span is ours (`in_span`): record panics and end it when the
    /// work is done, or mark it cancelled on drop.
    Own,
    /// As `Own`, for the futures of `#[trace]` and `span!`, which nobody
    /// asks for their span: while polled, the span's context is moved into
    /// the current one rather than cloned, and the span is reached there.
    Traced,
    /// An owned span that has ended (completed or panicked).
    Ended,
}

/// A span and what the wrapper polling inside it does with it.
#[derive(Debug)]
pub(crate) struct InSpan {
    pub(crate) span: Span,
    pub(crate) mode: Mode,
}

impl InSpan {
    /// An owned span (`in_span`).
    pub(crate) fn owning(span: Span) -> InSpan {
        InSpan {
            span,
            mode: Mode::Own,
        }
    }

    /// A context only attached (`in_context`); its span is not ended.
    pub(crate) fn attaching(cx: Context) -> InSpan {
        InSpan {
            span: Span::from_context(cx),
            mode: Mode::Attach,
        }
    }

    /// Runs one poll with the span's context attached. A panic in it is
    /// recorded on an owned span, which ends, and then resumed. The guard
    /// comes back with the result: drop it after whatever the finished
    /// work leaves to drop, whose destructors then run in the context too.
    pub(crate) fn poll<T>(&mut self, poll: impl FnOnce() -> T) -> (T, ContextGuard) {
        let attached = self.span.context().clone().attach();
        if self.mode != Mode::Own {
            return (poll(), attached);
        }
        match panic::catch_unwind(AssertUnwindSafe(poll)) {
            Ok(value) => (value, attached),
            Err(payload) => {
                drop(attached);
                self.mode = Mode::Ended;
                self.span.end_after_panic(&*payload);
                panic::resume_unwind(payload)
            }
        }
    }

    /// The work is done: an owned span ends.
    pub(crate) fn finish(&mut self) {
        if self.mode == Mode::Own {
            self.mode = Mode::Ended;
            self.span.end();
        }
    }

    /// The wrapper is dropped before its work is done: `drop_inner` drops
    /// the work inside the context, and an owned span that has not ended
    /// ends with `aios.cancelled = true`.
    pub(crate) fn drop_unfinished(&mut self, drop_inner: impl FnOnce()) {
        let _attached = self.span.context().clone().attach();
        let cancelled = matches!(self.mode, Mode::Own | Mode::Traced);
        if cancelled {
            self.span.set_attribute(CANCELLED_ATTRIBUTE, true);
        }
        drop_inner();
        if cancelled {
            self.span.end();
        }
    }
}
