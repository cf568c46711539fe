//! Futures that run inside a span or a context.
//!
//! A context attached with [`Span::enter`] or `Context::attach` is a
//! thread-local guard: held across `.await`, it would leak into whatever
//! else the thread polls, and it is `!Send`. [`Instrumented`] attaches the
//! context only for the duration of each `poll`, so the span is current
//! for the future's own code (children nest under it across `.await`s and
//! worker threads) and for nothing else.

use crate::lifecycle::{self, exception};
use crate::polled::{InSpan, Mode};
use crate::span::Span;
use opentelemetry::trace::SpanRef;
use opentelemetry::Context;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{self, Poll};

pin_project! {
    /// A future that makes a span (or a context) current while it is
    /// polled. Made by [`FutureExt`], `#[trace]` on async code, and `span!`
    /// with an async body.
    ///
    /// With [`in_span`](FutureExt::in_span) the future owns the span:
    /// - the span ends when the future completes;
    /// - a panic while polling is recorded on the span (an `exception`
    ///   event, status ERROR), the span ends and the panic continues;
    /// - a future dropped before completing ends the span with the
    ///   attribute `aios.cancelled = true`.
    ///
    /// With [`in_context`](FutureExt::in_context) it only attaches the
    /// context and never ends the span in it.
    ///
    /// The future is `Send` when the inner future is, so it can move
    /// between the worker threads of a multi-thread runtime.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    #[project = InstrumentedProj]
    pub struct Instrumented<F>
    where
        F: Future,
    {
        // `None` once completed: the inner future is dropped as soon as
        // it is done, with the context attached.
        #[pin]
        inner: Option<F>,
        in_span: InSpan,
        // Only `Mode::Traced` futures (`#[trace]`, `span!`) have one.
        check: Option<fn(&SpanRef<'_>, &F::Output)>,
    }

    impl<F> PinnedDrop for Instrumented<F>
    where
        F: Future,
    {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_none() {
                return;
            }
            this.in_span.drop_unfinished(|| this.inner.set(None));
        }
    }
}

impl<F: Future> Instrumented<F> {
    /// The future of a `#[trace]` fn or `span!`; `check` sees its output.
    pub(crate) fn traced(
        future: F,
        span: Span,
        check: Option<fn(&SpanRef<'_>, &F::Output)>,
    ) -> Self {
        Instrumented {
            inner: Some(future),
            in_span: InSpan {
                span,
                mode: Mode::Traced,
            },
            check,
        }
    }

    fn new(future: F, in_span: InSpan) -> Self {
        Instrumented {
            inner: Some(future),
            in_span,
            check: None,
        }
    }

    /// The span made current while polling (for `in_context`, a handle to
    /// the context's span).
    pub fn span(&self) -> &Span {
        &self.in_span.span
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut task::Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        if this.in_span.mode == Mode::Traced {
            return poll_traced(this, task);
        }
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            panic!("`Instrumented` future polled after completion");
        };
        let (poll, attached) = this.in_span.poll(|| inner.poll(task));
        let Poll::Ready(output) = poll else {
            return Poll::Pending;
        };
        this.inner.set(None);
        drop(attached);
        this.in_span.finish();
        Poll::Ready(output)
    }
}

/// A poll in `Mode::Traced`. The span's context is lent to the thread's
/// current context for the poll and taken back (cloned from there) only if
/// the future is not done: a future done in one poll clones nothing.
fn poll_traced<F: Future>(
    mut this: InstrumentedProj<'_, F>,
    task: &mut task::Context<'_>,
) -> Poll<F::Output> {
    let in_span = &mut *this.in_span;
    let (cx, lent) = in_span.span.lend();
    let attached = cx.attach();
    let Some(inner) = this.inner.as_mut().as_pin_mut() else {
        panic!("`Instrumented` future polled after completion");
    };
    let output = match panic::catch_unwind(AssertUnwindSafe(|| inner.poll(task))) {
        Ok(Poll::Ready(output)) => output,
        Ok(Poll::Pending) => {
            in_span.span.restore(lent.take_back());
            return Poll::Pending;
        }
        Err(payload) => {
            in_span.mode = Mode::Ended;
            lifecycle::end_lent(&lent, |span| exception::record_panic(span, Some(&*payload)));
            drop(attached);
            panic::resume_unwind(payload);
        }
    };
    // Dropped inside the context, as its destructors may log or trace.
    this.inner.set(None);
    in_span.mode = Mode::Ended;
    let check = this.check.take();
    lifecycle::end_lent(&lent, |span| {
        if let Some(check) = check {
            check(span, &output);
        }
    });
    drop(attached);
    Poll::Ready(output)
}

impl<F: Future> fmt::Debug for Instrumented<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instrumented")
            .field("span", &self.in_span.span)
            .field("completed", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

/// Runs futures inside a span or context; use it for tasks you spawn,
/// which otherwise start with no current span.
///
/// ```
/// use aios_tracing::{FutureExt as _, Span};
///
/// # async fn work() {}
/// # async fn demo() {
/// // A span for the task; it ends when the task completes.
/// let span = Span::builder("refresh_cache").start();
/// let task = work().in_span(span);
///
/// // The spawner's current span stays the parent of spans in the task.
/// let task2 = work().in_current_context();
/// # task.await; task2.await;
/// # }
/// ```
pub trait FutureExt: Future + Sized {
    /// Makes `span` current whenever the future is polled and ends it when
    /// the future completes (or is dropped: then `aios.cancelled = true`).
    /// A panic while polling is recorded on the span.
    fn in_span(self, span: Span) -> Instrumented<Self> {
        Instrumented::new(self, InSpan::owning(span))
    }

    /// Makes `cx` current whenever the future is polled; the span in it is
    /// not ended.
    fn in_context(self, cx: Context) -> Instrumented<Self> {
        Instrumented::new(self, InSpan::attaching(cx))
    }

    /// [`in_context`](FutureExt::in_context) with the context current now,
    /// so a spawned task's spans are children of the spawner's span.
    fn in_current_context(self) -> Instrumented<Self> {
        self.in_context(Context::current())
    }
}

impl<F: Future> FutureExt for F {}

#[cfg(test)]
mod tests;
