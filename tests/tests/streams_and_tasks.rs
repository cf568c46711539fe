//! Streams in a span and tasks spawned in the spawner's context
//! (features `stream` and `tokio`), as a real OTLP receiver gets them.

mod common;

use aios_tracing::{span, task, trace, Protocol, Span, StreamExt as _, CANCELLED_ATTRIBUTE};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt};
use common::{multi_thread_runtime, Fixture};
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

#[trace(record(page))]
fn fetch_page(page: i64) -> i64 {
    page * 10
}

/// Pages `0..end`, each fetched in a poll of its own after a pending one.
struct Pages {
    next: i64,
    end: i64,
    ready: bool,
}

impl Stream for Pages {
    type Item = i64;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<i64>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        if self.next == self.end {
            return Poll::Ready(None);
        }
        self.next += 1;
        Poll::Ready(Some(fetch_page(self.next - 1)))
    }
}

fn pages(end: i64) -> Pages {
    Pages {
        next: 0,
        end,
        ready: false,
    }
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[trace(kind = server)]
async fn export(pages_wanted: i64) -> i64 {
    let mut rows = pages(pages_wanted).in_span(Span::builder("rows").start());
    // Consumed by another task, which the stream's span goes along with.
    let consumer = task::spawn(async move {
        let mut sum = 0;
        while let Some(row) = next(&mut rows).await {
            sum += row;
        }
        sum
    });
    let audit = task::spawn_blocking(|| span!("audit", || ()));
    audit.await.unwrap();
    consumer.await.unwrap()
}

fn parent<'a>(spans: &'a [ReceivedSpan], child: &ReceivedSpan) -> &'a str {
    let id = child.parent_span_id.as_deref().expect("has a parent");
    &spans.by_span_id(id).expect("parent exported").name
}

#[test]
fn a_stream_in_a_span_consumed_by_a_spawned_task() {
    let fx = Fixture::start(Protocol::Grpc);
    let total = multi_thread_runtime(2).block_on(async { task::spawn(export(3)).await.unwrap() });
    assert_eq!(total, 30);
    let spans = fx.shutdown_and_wait(6);
    let export = spans.one("export");
    assert!(export.is_root());
    let rows = spans.one("rows");
    assert_eq!(parent(&spans, rows), "export");
    assert_eq!(
        parent(&spans, spans.one("audit")),
        "export",
        "spawn_blocking"
    );
    let pages = spans.by_name("fetch_page");
    assert_eq!(pages.len(), 3);
    for page in &pages {
        assert_eq!(parent(&spans, page), "rows", "every poll of the stream");
        assert!(rows.end_unix_nanos >= page.end_unix_nanos);
    }
    assert_eq!(rows.attr(CANCELLED_ATTRIBUTE), None);
    assert!(export.end_unix_nanos >= rows.end_unix_nanos);
}

#[test]
fn a_stream_dropped_before_it_ends_is_cancelled() {
    let fx = Fixture::start(Protocol::HttpProtobuf);
    multi_thread_runtime(2).block_on(async {
        let mut rows = pages(100).in_span(Span::builder("rows").start());
        assert_eq!(next(&mut rows).await, Some(0));
        assert_eq!(next(&mut rows).await, Some(10));
    });
    let spans = fx.shutdown_and_wait(3);
    let rows = spans.one("rows");
    assert_eq!(rows.attr(CANCELLED_ATTRIBUTE), Some(&AttrValue::Bool(true)));
    assert_eq!(spans.children_of(rows).len(), 2);
}
