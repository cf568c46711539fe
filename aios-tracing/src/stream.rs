//! Streams that run inside a span (feature `stream`): the span is current
//! during each poll, as for futures (see [`Instrumented`](crate::Instrumented)),
//! and ends when the stream does.

use crate::polled::InSpan;
use crate::span::Span;
use futures_core::stream::{FusedStream, Stream};
use opentelemetry::Context;
use pin_project_lite::pin_project;
use std::fmt;
use std::pin::Pin;
use std::task::{self, Poll};

pin_project! {
    /// A stream that makes a span (or a context) current while it is
    /// polled; made by [`StreamExt`].
    ///
    /// With [`in_span`](StreamExt::in_span) the stream owns the span:
    /// - the span ends when the stream ends (yields `None`);
    /// - a panic while polling is recorded on the span (an `exception`
    ///   event, status ERROR), the span ends and the panic continues;
    /// - a stream dropped before it ends ends the span with the attribute
    ///   `aios.cancelled = true`.
    ///
    /// With [`in_context`](StreamExt::in_context) it only attaches the
    /// context and never ends the span in it.
    ///
    /// Once the inner stream has ended it is dropped, and this stream
    /// yields `None` from then on ([`FusedStream`]). It is `Send` (and
    /// `Sync`) when the inner stream is.
    #[must_use = "streams do nothing unless polled"]
    pub struct InstrumentedStream<S> {
        // `None` once ended: the inner stream is dropped as soon as it is
        // done, with the context attached.
        #[pin]
        inner: Option<S>,
        in_span: InSpan,
    }

    impl<S> PinnedDrop for InstrumentedStream<S> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_none() {
                return;
            }
            this.in_span.drop_unfinished(|| this.inner.set(None));
        }
    }
}

impl<S> InstrumentedStream<S> {
    fn new(stream: S, in_span: InSpan) -> Self {
        InstrumentedStream {
            inner: Some(stream),
            in_span,
        }
    }

    /// The span made current while polling (for `in_context`, a handle to
    /// the context's span).
    pub fn span(&self) -> &Span {
        &self.in_span.span
    }
}

impl<S: Stream> Stream for InstrumentedStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, task: &mut task::Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        let (poll, attached) = this.in_span.poll(|| inner.poll_next(task));
        if let Poll::Ready(None) = poll {
            this.inner.set(None);
            drop(attached);
            this.in_span.finish();
        }
        poll
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner
            .as_ref()
            .map_or((0, Some(0)), |inner| inner.size_hint())
    }
}

impl<S: Stream> FusedStream for InstrumentedStream<S> {
    fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }
}

impl<S> fmt::Debug for InstrumentedStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstrumentedStream")
            .field("span", &self.in_span.span)
            .field("ended", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

/// Runs streams inside a span or context (feature `stream`): the span is
/// current whenever the stream is polled, so spans started while it
/// produces an item are its children.
///
/// ```
/// use aios_tracing::{Span, StreamExt as _};
/// use futures_core::Stream;
///
/// fn rows() -> impl Stream<Item = u32> {
///     // …
/// #   Numbers(0)
/// }
/// # struct Numbers(u32);
/// # impl Stream for Numbers {
/// #     type Item = u32;
/// #     fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>)
/// #         -> std::task::Poll<Option<u32>> {
/// #         self.0 += 1;
/// #         std::task::Poll::Ready((self.0 <= 3).then_some(self.0))
/// #     }
/// # }
///
/// // One span over the whole stream; it ends when the stream does.
/// let rows = rows().in_span(Span::builder("export_rows").start());
/// # drop(rows);
/// ```
pub trait StreamExt: Stream + Sized {
    /// Makes `span` current whenever the stream is polled and ends it when
    /// the stream ends (or is dropped before: then `aios.cancelled =
    /// true`). A panic while polling is recorded on the span.
    fn in_span(self, span: Span) -> InstrumentedStream<Self> {
        InstrumentedStream::new(self, InSpan::owning(span))
    }

    /// Makes `cx` current whenever the stream is polled; the span in it is
    /// not ended.
    fn in_context(self, cx: Context) -> InstrumentedStream<Self> {
        InstrumentedStream::new(self, InSpan::attaching(cx))
    }

    /// [`in_context`](StreamExt::in_context) with the context current now,
    /// for a stream handed to another task.
    fn in_current_context(self) -> InstrumentedStream<Self> {
        self.in_context(Context::current())
    }
}

impl<S: Stream> StreamExt for S {}

#[cfg(test)]
mod tests;
