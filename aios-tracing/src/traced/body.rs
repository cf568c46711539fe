//! Running the body of a `#[trace]` fn or a `span!` block inside its span:
//! sync bodies under `catch_unwind`, async ones as an [`Instrumented`]
//! future. A panic is recorded on the span, which ends, and then resumed
//! with its original payload.

use crate::future::Instrumented;
use crate::lifecycle::{self, exception};
use crate::span::Span;
use opentelemetry::trace::SpanRef;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};

/// Runs `f` with the span current. A panic is recorded on the span, which
/// is ended, and then resumed with its original payload.
pub fn run<R, F: FnOnce() -> R>(span: &Span, f: F) -> R {
    let attached = span.needs_attach().then(|| span.context().clone().attach());
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    drop(attached);
    match result {
        Ok(value) => value,
        Err(payload) => {
            span.end_after_panic(&*payload);
            panic::resume_unwind(payload)
        }
    }
}

/// Runs a sync `#[trace]` body with `span` current, then lets `check`
/// record its result on the span and ends the span; a panic is recorded
/// instead, and resumed. The span's context is moved into the thread's
/// current context, not cloned: the span is reached there when the body
/// is done (no reference count to raise and drop per call).
#[inline]
pub fn run_sync<R, F, C>(span: Span, f: F, check: C) -> R
where
    F: FnOnce() -> R,
    C: FnOnce(&SpanRef<'_>, &R),
{
    // Not recorded, and its parent's context is the current one: there is
    // nothing to attach, record or end.
    let Some((attached, lent)) = span.attach_moved() else {
        return f();
    };
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    lifecycle::end_lent(&lent, |current| match &result {
        Ok(value) => check(current, value),
        Err(payload) => exception::record_panic(current, Some(&**payload)),
    });
    drop(attached);
    result.unwrap_or_else(|payload| panic::resume_unwind(payload))
}

/// The span `span!` annotates and ends.
pub fn span_ref(span: &Span) -> SpanRef<'_> {
    span.span_ref()
}

/// [`run`] for closures taking the span, as `span!` calls them.
pub fn run_with<R, F: FnOnce(&Span) -> R>(span: &Span, f: F) -> R {
    run(span, || f(span))
}

/// Calls a `span!` closure that returns a future, handing it the span.
pub fn call_with<R, F: FnOnce(Span) -> R>(span: Span, f: F) -> R {
    f(span)
}

/// Calls a `span!` closure that returns a future and takes no span.
pub fn call<R, F: FnOnce() -> R>(f: F) -> R {
    f()
}

/// `future` with `span` current on every poll; the span ends when it
/// completes (after `check` saw the output) or is dropped.
pub fn traced<T, F: Future<Output = T>>(
    span: Span,
    future: F,
    check: fn(&SpanRef<'_>, &T),
) -> Instrumented<F> {
    Instrumented::traced(future, span, Some(check))
}

/// [`traced`] without inspecting the output.
pub fn traced_unchecked<T, F: Future<Output = T>>(span: Span, future: F) -> Instrumented<F> {
    Instrumented::traced(future, span, None)
}

/// `!`, nameable on stable Rust as the output of `fn() -> !`, so a body
/// that never returns can still be given its type.
pub type Never = <fn() -> ! as HasOutput>::Output;

/// Names a function pointer's output type; see [`Never`].
pub trait HasOutput {
    /// The output type.
    type Output;
}

impl<T> HasOutput for fn() -> T {
    type Output = T;
}
