//! `#[trace]` on sync fns returning a boxed future, the shapes of the
//! peers' macro tests (tracing's `out_of_scope_fields` for its issue 1296,
//! the `sync_fun` of its `#[async_trait]` test, `manual_box_pin`), as a
//! real OTLP receiver gets their spans: statements before the box run
//! inside the span, the span is current during every poll of the returned
//! future, and it ends when the future completes or is dropped.

mod common;

use aios_tracing::{trace, Protocol, CANCELLED_ATTRIBUTE};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use common::{multi_thread_runtime, Fixture};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[trace(record(n))]
fn step(n: i64) {
    let _ = n;
}

#[trace]
fn prepare() {}

#[derive(Clone)]
struct Thing {
    metrics: Arc<i64>,
}

impl Thing {
    #[trace(record(label))]
    fn call(&mut self, label: &str) -> Pin<Box<dyn Future<Output = Arc<i64>> + Send + Sync>> {
        let metrics = self.metrics.clone();
        prepare();
        let _ = label;
        Box::pin(async move {
            for n in 0..3 {
                tokio::task::yield_now().await;
                step(n);
            }
            metrics
        })
    }

    #[trace]
    fn sync_fun(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let val = self.clone();
        Box::pin(async move {
            tokio::task::yield_now().await;
            step(*val.metrics);
        })
    }

    #[trace]
    async fn call_with_self(&self) {
        self.sync_fun().await;
    }

    #[trace]
    fn cached(&self, hit: bool) -> BoxFuture<'_, i64> {
        if hit {
            return Box::pin(async { 0 });
        }
        let metrics = Arc::clone(&self.metrics);
        Box::pin(async move {
            step(*metrics);
            *metrics
        })
    }

    #[trace]
    fn stalled(&self) -> BoxFuture<'_, ()> {
        let metrics = Arc::clone(&self.metrics);
        Box::pin(async move {
            step(*metrics);
            std::future::pending::<()>().await;
        })
    }

    /// The output type hidden behind an alias: the `Err` is still seen.
    #[trace]
    fn fallible(&self) -> BoxFuture<'static, Result<i64, String>> {
        let value = *self.metrics;
        Box::pin(async move {
            tokio::task::yield_now().await;
            Err(format!("no quota for {value}"))
        })
    }

    /// A box made some other way: instrumented from outside.
    #[trace]
    fn delegated(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        prepare();
        self.sync_fun()
    }
}

fn parent_of<'a>(spans: &'a [ReceivedSpan], child: &ReceivedSpan) -> &'a ReceivedSpan {
    let id = child.parent_span_id.as_deref().expect("has a parent");
    spans.by_span_id(id).expect("parent exported")
}

#[test]
fn statements_before_the_box_and_every_poll_run_inside_the_span() {
    let fx = Fixture::start(Protocol::Grpc);
    let runtime = multi_thread_runtime(2);
    let mut thing = Thing {
        metrics: Arc::new(7),
    };
    let metrics = runtime.block_on(async {
        // Made outside any task, polled on the runtime's workers.
        let future = thing.call("orders");
        tokio::spawn(future).await.unwrap()
    });
    assert_eq!(*metrics, 7);
    let spans = fx.shutdown_and_wait(5);
    let call = spans.one("call");
    assert!(call.is_root());
    assert_eq!(
        call.attr("label").and_then(AttrValue::as_str),
        Some("orders")
    );
    let prepare = spans.one("prepare");
    assert_eq!(parent_of(&spans, prepare).name, "call", "the statements");
    let steps = spans.by_name("step");
    assert_eq!(steps.len(), 3);
    for step in &steps {
        assert_eq!(
            parent_of(&spans, step).span_id,
            call.span_id,
            "every poll of the future"
        );
        assert!(
            call.end_unix_nanos >= step.end_unix_nanos,
            "the span covers the future"
        );
    }
    assert_eq!(call.attr(CANCELLED_ATTRIBUTE), None);
}

#[test]
fn a_boxed_future_awaited_in_an_async_fn_nests_under_it() {
    let fx = Fixture::start(Protocol::HttpProtobuf);
    let runtime = multi_thread_runtime(2);
    let thing = Thing {
        metrics: Arc::new(3),
    };
    runtime.block_on(async {
        thing.call_with_self().await;
        thing.delegated().await;
    });
    let spans = fx.shutdown_and_wait(6);
    let outer = spans.one("call_with_self");
    let delegated = spans.one("delegated");
    assert!(outer.is_root() && delegated.is_root());
    let sync_funs = spans.by_name("sync_fun");
    assert_eq!(sync_funs.len(), 2);
    let under_outer = sync_funs
        .iter()
        .find(|s| s.parent_span_id.as_deref() == Some(outer.span_id.as_str()))
        .expect("sync_fun under call_with_self");
    let under_delegated = sync_funs
        .iter()
        .find(|s| s.parent_span_id.as_deref() == Some(delegated.span_id.as_str()))
        .expect("sync_fun under delegated");
    for sync_fun in [under_outer, under_delegated] {
        let step = spans
            .children_of(sync_fun)
            .into_iter()
            .find(|s| s.name == "step")
            .expect("step under sync_fun");
        assert_eq!(step.attr("n"), Some(&AttrValue::Int(3)));
    }
    assert!(delegated.end_unix_nanos >= under_delegated.end_unix_nanos);
    assert_eq!(parent_of(&spans, spans.one("prepare")).name, "delegated");
}

#[test]
fn a_boxed_future_ends_its_span_when_dropped_or_returned_early() {
    let fx = Fixture::start(Protocol::Grpc);
    let runtime = multi_thread_runtime(2);
    let thing = Thing {
        metrics: Arc::new(5),
    };
    runtime.block_on(async {
        assert_eq!(thing.cached(true).await, 0);
        assert_eq!(thing.cached(false).await, 5);
        let timeout = tokio::time::timeout(Duration::from_millis(20), thing.stalled()).await;
        assert!(timeout.is_err());
        assert!(thing.fallible().await.is_err());
    });
    let spans = fx.shutdown_and_wait(6);
    let cached = spans.by_name("cached");
    assert_eq!(cached.len(), 2);
    let (hit, miss): (Vec<_>, Vec<_>) = cached
        .into_iter()
        .partition(|s| spans.children_of(s).is_empty());
    assert_eq!((hit.len(), miss.len()), (1, 1), "only the miss ran a step");
    for span in hit.iter().chain(&miss) {
        assert_eq!(span.attr(CANCELLED_ATTRIBUTE), None);
    }
    let stalled = spans.one("stalled");
    assert_eq!(
        stalled.attr(CANCELLED_ATTRIBUTE),
        Some(&AttrValue::Bool(true))
    );
    assert!(stalled.duration() >= Duration::from_millis(15));
    assert_eq!(spans.children_of(stalled).len(), 1);
    let fallible = spans.one("fallible");
    assert_eq!(fallible.status.code, StatusCode::Error);
    assert_eq!(fallible.status.message, "no quota for 5");
}
