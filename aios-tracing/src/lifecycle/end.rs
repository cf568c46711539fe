//! Ending a span, including one whose context was moved into the thread's
//! current context (lent) rather than cloned.

use super::clock;
use super::settings::records;
use opentelemetry::trace::{SpanId, SpanRef, TraceContextExt as _};
use opentelemetry::Context;

/// Ends `span` now.
pub(crate) fn end(span: &SpanRef<'_>) {
    // Spans that do not record need no end time.
    if records(span) {
        span.end_with_timestamp(clock::now());
    }
}

/// A span's context lent out to the thread's current context.
#[derive(Debug)]
pub(crate) struct Lent {
    /// The id of its span, to recognise it as the current one.
    pub(crate) span_id: SpanId,
    /// Whether the span is to be ended (and its outcome recorded).
    ends: bool,
}

impl Lent {
    /// `cx` lent out; `inherited`: its span is a parent's, not to be ended.
    pub(crate) fn new(cx: &Context, inherited: bool) -> Lent {
        let span = cx.span();
        let sc = span.span_context();
        Lent {
            span_id: sc.span_id(),
            // Only a recording span has anything to end; an inherited
            // handle must not reach its context's span at all.
            ends: !inherited && records(&span),
        }
    }

    /// The lent context, taken back from the current one. If the code that
    /// ran left another context attached on top, the span's own context
    /// is out of reach and its span ends when that context is detached;
    /// what is returned then is a stand-in that carries no span, so later
    /// code runs in no span rather than in a stranger's.
    pub(crate) fn take_back(&self) -> Context {
        Context::map_current(|cx| {
            if cx.span().span_context().span_id() == self.span_id {
                cx.clone()
            } else {
                Context::new()
            }
        })
    }
}

/// Ends the lent span, after `record` has recorded its outcome on it, if
/// it is to be ended and is the current context's span (the code that just
/// ran may have left another context attached on top; that one's span is
/// left alone, and the lent span ends when its context is detached).
pub(crate) fn end_lent(lent: &Lent, record: impl FnOnce(&SpanRef<'_>)) {
    if !lent.ends {
        return;
    }
    Context::map_current(|cx| {
        let current = cx.span();
        if current.span_context().span_id() == lent.span_id {
            record(&current);
            end(&current);
        }
    });
}
