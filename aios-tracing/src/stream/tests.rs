//! Streams in a span: every poll inside it, the span ended with the
//! stream, cancelled when the stream is dropped first, panics recorded.

use super::StreamExt as _;
use crate::test_sdk::{attr, event_attr, install};
use crate::{span, Span, CANCELLED_ATTRIBUTE};
use futures_core::stream::{FusedStream, Stream};
use opentelemetry::trace::{SpanId, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{Sampler, SpanData};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields `0..end`, pending once before each item; each poll that yields
/// starts a `tick` span, a child of whatever is current then.
struct Ticks {
    next: u32,
    end: u32,
    ready: bool,
    panic_at: Option<u32>,
}

fn ticks(end: u32) -> Ticks {
    Ticks {
        next: 0,
        end,
        ready: false,
        panic_at: None,
    }
}

impl Stream for Ticks {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        if self.next == self.end {
            return Poll::Ready(None);
        }
        if self.panic_at == Some(self.next) {
            panic!("tick {} failed", self.next);
        }
        let n = self.next;
        self.next += 1;
        span!("tick", "n" = i64::from(n), || ());
        Poll::Ready(Some(n))
    }
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn children<'a>(spans: &'a [SpanData], parent: &SpanData) -> Vec<&'a SpanData> {
    spans
        .iter()
        .filter(|s| s.parent_span_id == parent.span_context.span_id())
        .collect()
}

#[test]
fn every_poll_is_inside_the_span_which_ends_with_the_stream() {
    let sdk = install(Sampler::AlwaysOn);
    let mut rows = ticks(3).in_span(Span::builder("rows").start());
    let task = async move {
        let mut items = Vec::new();
        while let Some(item) = next(&mut rows).await {
            items.push(item);
        }
        // Ended: `None` from now on, without polling the inner stream.
        assert!(rows.is_terminated());
        assert_eq!(next(&mut rows).await, None);
        assert_eq!(rows.size_hint(), (0, Some(0)));
        items
    };
    let items = runtime().block_on(async { tokio::spawn(task).await.unwrap() });
    assert_eq!(items, [0, 1, 2]);
    let spans = sdk.spans();
    let rows = sdk.span("rows");
    assert_eq!(attr(&rows, CANCELLED_ATTRIBUTE), None);
    let ticks = children(&spans, &rows);
    assert_eq!(ticks.len(), 3);
    assert!(ticks.iter().all(|t| t.name == "tick"));
    assert!(ticks.iter().all(|t| rows.end_time >= t.end_time));
}

#[test]
fn a_stream_dropped_before_it_ends_ends_its_span_cancelled() {
    let sdk = install(Sampler::AlwaysOn);
    runtime().block_on(async {
        let mut rows = ticks(10).in_span(Span::builder("rows").start());
        assert_eq!(next(&mut rows).await, Some(0));
        assert!(!rows.is_terminated());
    });
    let spans = sdk.spans();
    let rows = sdk.span("rows");
    assert_eq!(attr(&rows, CANCELLED_ATTRIBUTE), Some(Value::Bool(true)));
    assert_eq!(children(&spans, &rows).len(), 1);
}

#[test]
fn a_panic_while_polling_is_recorded_and_continues() {
    let sdk = install(Sampler::AlwaysOn);
    let mut failing = ticks(3);
    failing.panic_at = Some(1);
    let mut rows = failing.in_span(Span::builder("rows").start());
    let task = async move { while next(&mut rows).await.is_some() {} };
    let joined = runtime().block_on(async { tokio::spawn(task).await });
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("tick 1 failed")
    );
    let rows = sdk.span("rows");
    assert!(matches!(rows.status, Status::Error { .. }));
    assert!(event_attr(&rows, "exception", "exception.message").is_some());
    assert_eq!(
        attr(&rows, CANCELLED_ATTRIBUTE),
        None,
        "ended, not cancelled"
    );
}

#[test]
fn in_context_attaches_a_span_it_does_not_end() {
    let sdk = install(Sampler::AlwaysOn);
    let parent = Span::builder("parent").start();
    let mut rows = ticks(2).in_context(parent.context().clone());
    assert_eq!(
        rows.span().span_context().span_id(),
        parent.span_context().span_id()
    );
    runtime().block_on(async { while next(&mut rows).await.is_some() {} });
    drop(rows);
    assert!(sdk.spans().iter().all(|s| s.name != "parent"), "not ended");
    parent.end();
    let spans = sdk.spans();
    let parent = sdk.span("parent");
    assert_eq!(parent.parent_span_id, SpanId::INVALID);
    assert_eq!(children(&spans, &parent).len(), 2);
}
