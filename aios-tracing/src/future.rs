//! Futures that run inside a span or a context.
//!
//! A context attached with [`Span::enter`] or `Context::attach` is a
//! thread-local guard: held across `.await`, it would leak into whatever
//! else the thread polls, and it is `!Send`. [`Instrumented`] attaches the
//! context only for the duration of each `poll`, so the span is current
//! for the future's own code (children nest under it across `.await`s and
//! worker threads) and for nothing else.

use crate::lifecycle::{self, exception};
use crate::span::Span;
use opentelemetry::trace::SpanRef;
use opentelemetry::Context;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{self, Poll};

/// The attribute set on a span whose future was dropped before it completed.
pub const CANCELLED_ATTRIBUTE: &str = "aios.cancelled";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Only attach the context (`in_context`): the span belongs to someone else.
    Attach,
    /// The span is ours (`in_span`): record panics and end it on
    /// completion, or mark it cancelled on drop.
    Own,
    /// As `Own`, for the futures of `#[trace]` and `span!`, which nobody
    /// asks for their span: while polled, the span's context is moved into
    /// the current one rather than cloned, and the span is reached there.
    Traced,
    /// An owned span that has ended (completed or panicked).
    Ended,
}

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
        span: Span,
        mode: Mode,
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
            // Destructors of the inner future run inside the context too.
            let _attached = this.span.context().clone().attach();
            let cancelled = matches!(*this.mode, Mode::Own | Mode::Traced);
            if cancelled {
                this.span.set_attribute(CANCELLED_ATTRIBUTE, true);
            }
            this.inner.set(None);
            if cancelled {
                this.span.end();
            }
        }
    }
}

impl<F: Future> Instrumented<F> {
    /// `in_span`'s future: its output is not inspected.
    pub(crate) fn owning(future: F, span: Span) -> Self {
        Instrumented {
            inner: Some(future),
            span,
            mode: Mode::Own,
            check: None,
        }
    }

    /// The future of a `#[trace]` fn or `span!`; `check` sees its output.
    pub(crate) fn traced(
        future: F,
        span: Span,
        check: Option<fn(&SpanRef<'_>, &F::Output)>,
    ) -> Self {
        Instrumented {
            inner: Some(future),
            span,
            mode: Mode::Traced,
            check,
        }
    }

    fn attaching(future: F, cx: Context) -> Self {
        Instrumented {
            inner: Some(future),
            span: Span::from_context(cx),
            mode: Mode::Attach,
            check: None,
        }
    }

    /// The span made current while polling (for `in_context`, a handle to
    /// the context's span).
    pub fn span(&self) -> &Span {
        &self.span
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut task::Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        if *this.mode == Mode::Traced {
            return poll_traced(this, task);
        }
        let attached = this.span.context().clone().attach();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            panic!("`Instrumented` future polled after completion");
        };
        let poll = if *this.mode == Mode::Own {
            match panic::catch_unwind(AssertUnwindSafe(|| inner.poll(task))) {
                Ok(poll) => poll,
                Err(payload) => {
                    drop(attached);
                    *this.mode = Mode::Ended;
                    this.span.end_after_panic(&*payload);
                    panic::resume_unwind(payload);
                }
            }
        } else {
            inner.poll(task)
        };
        let Poll::Ready(output) = poll else {
            return Poll::Pending;
        };
        this.inner.set(None);
        drop(attached);
        if *this.mode == Mode::Own {
            *this.mode = Mode::Ended;
            this.span.end();
        }
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
    let (cx, lent) = this.span.lend();
    let attached = cx.attach();
    let Some(inner) = this.inner.as_mut().as_pin_mut() else {
        panic!("`Instrumented` future polled after completion");
    };
    let output = match panic::catch_unwind(AssertUnwindSafe(|| inner.poll(task))) {
        Ok(Poll::Ready(output)) => output,
        Ok(Poll::Pending) => {
            this.span.restore(lent.take_back());
            return Poll::Pending;
        }
        Err(payload) => {
            *this.mode = Mode::Ended;
            lifecycle::end_lent(&lent, |span| exception::record_panic(span, Some(&*payload)));
            drop(attached);
            panic::resume_unwind(payload);
        }
    };
    // Dropped inside the context, as its destructors may log or trace.
    this.inner.set(None);
    *this.mode = Mode::Ended;
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
            .field("span", &self.span)
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
        Instrumented::owning(self, span)
    }

    /// Makes `cx` current whenever the future is polled; the span in it is
    /// not ended.
    fn in_context(self, cx: Context) -> Instrumented<Self> {
        Instrumented::attaching(self, cx)
    }

    /// [`in_context`](FutureExt::in_context) with the context current now,
    /// so a spawned task's spans are children of the spawner's span.
    fn in_current_context(self) -> Instrumented<Self> {
        Instrumented::attaching(self, Context::current())
    }
}

impl<F: Future> FutureExt for F {}

#[cfg(test)]
mod tests {
    use super::FutureExt as _;
    use crate::test_sdk::{attr, event_attr, install};
    use crate::{span, trace, Span};
    use opentelemetry::trace::Status;
    use opentelemetry::Value;
    use opentelemetry_sdk::trace::Sampler;
    use std::future::Future;
    use std::pin::Pin;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_time()
            .build()
            .unwrap()
    }

    #[trace(record(task))]
    async fn parent(task: i64) -> i64 {
        tokio::task::yield_now().await;
        let out = child(task).await;
        tokio::task::yield_now().await;
        out
    }

    #[trace(record(task))]
    async fn child(task: i64) -> i64 {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        task
    }

    #[test]
    fn children_nest_across_awaits_on_a_multi_thread_runtime() {
        let sdk = install(Sampler::AlwaysOn);
        runtime().block_on(async {
            let tasks: Vec<_> = (0..64).map(|i| tokio::spawn(parent(i))).collect();
            for (i, task) in (0..).zip(tasks) {
                assert_eq!(task.await.unwrap(), i);
            }
        });
        let spans = sdk.spans();
        assert_eq!(spans.len(), 128);
        for child in spans.iter().filter(|s| s.name == "child") {
            let task = attr(child, "task");
            let parent = spans
                .iter()
                .find(|s| s.name == "parent" && attr(s, "task") == task)
                .unwrap();
            assert_eq!(
                child.parent_span_id,
                parent.span_context.span_id(),
                "task {task:?}"
            );
            assert_eq!(
                child.span_context.trace_id(),
                parent.span_context.trace_id()
            );
            // Spawned without a context: a root, so nothing leaked between tasks.
            assert_eq!(parent.parent_span_id, opentelemetry::trace::SpanId::INVALID);
        }
    }

    #[trace]
    async fn failing() -> anyhow_like::Result<()> {
        tokio::task::yield_now().await;
        Err(anyhow_like::Error("disk full"))
    }

    /// The shape of `anyhow`: an error type used through a `Result` alias.
    mod anyhow_like {
        #[derive(Debug)]
        pub(super) struct Error(pub(super) &'static str);
        impl std::fmt::Display for Error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        pub(super) type Result<T> = std::result::Result<T, Error>;
    }

    #[trace]
    async fn panicking() {
        tokio::task::yield_now().await;
        panic!("async kaput");
    }

    #[test]
    fn async_errors_panics_and_cancellation() {
        let sdk = install(Sampler::AlwaysOn);
        let rt = runtime();
        assert!(rt.block_on(failing()).is_err());
        let s = sdk.span("failing");
        assert_eq!(s.status, Status::error("disk full"));
        assert_eq!(
            event_attr(&s, "exception", "exception.message"),
            Some(Value::from("disk full"))
        );

        let payload = rt
            .block_on(async { tokio::spawn(panicking()).await })
            .unwrap_err()
            .into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"async kaput"));
        let s = sdk.span("panicking");
        assert_eq!(s.status, Status::error("async kaput"));
        assert_eq!(attr(&s, "aios.cancelled"), None);

        // Polled once, then dropped.
        rt.block_on(async {
            let never = span!("abandoned", async { std::future::pending::<()>().await });
            let _ = tokio::time::timeout(std::time::Duration::from_millis(5), never).await;
        });
        assert_eq!(
            attr(&sdk.span("abandoned"), "aios.cancelled"),
            Some(Value::Bool(true))
        );
    }

    struct Service;

    impl Service {
        /// What `#[async_trait]` makes of an `async fn` method.
        #[trace]
        fn boxed<'a>(
            &'a self,
            n: u8,
        ) -> Pin<Box<dyn Future<Output = Result<u8, String>> + Send + 'a>> {
            Box::pin(async move {
                tokio::task::yield_now().await;
                child(1).await;
                Err(format!("n = {n}"))
            })
        }

        #[trace]
        fn returns_future(&self) -> impl Future<Output = i64> + Send {
            async { child(2).await }
        }
    }

    #[test]
    fn boxed_and_returned_futures_are_instrumented() {
        let sdk = install(Sampler::AlwaysOn);
        let rt = runtime();
        assert!(rt.block_on(Service.boxed(3)).is_err());
        assert_eq!(rt.block_on(Service.returns_future()), 2);
        let boxed = sdk.span("boxed");
        assert_eq!(boxed.status, Status::error("n = 3"));
        let future = sdk.span("returns_future");
        let children: Vec<_> = sdk
            .spans()
            .into_iter()
            .filter(|s| s.name == "child")
            .collect();
        assert_eq!(children[0].parent_span_id, boxed.span_context.span_id());
        assert_eq!(children[1].parent_span_id, future.span_context.span_id());
        assert!(
            future.end_time >= children[1].end_time,
            "the span covers the future"
        );
    }

    #[test]
    fn spawned_tasks_keep_their_parent() {
        let sdk = install(Sampler::AlwaysOn);
        runtime().block_on(async {
            let handle = span!("spawner", |_span| tokio::spawn(
                child(5).in_current_context()
            ));
            handle.await.unwrap();
            let span = Span::builder("owned").start();
            span!("with_handle", |span| async move {
                span.set_attribute("inside", true);
                child(6).await
            })
            .await;
            child(7).in_span(span).await;
        });
        let spawner = sdk.span("spawner");
        let children: Vec<_> = sdk
            .spans()
            .into_iter()
            .filter(|s| s.name == "child")
            .collect();
        assert_eq!(children[0].parent_span_id, spawner.span_context.span_id());
        let with_handle = sdk.span("with_handle");
        assert_eq!(attr(&with_handle, "inside"), Some(Value::Bool(true)));
        assert_eq!(
            children[1].parent_span_id,
            with_handle.span_context.span_id()
        );
        assert_eq!(
            children[2].parent_span_id,
            sdk.span("owned").span_context.span_id()
        );
    }
}
