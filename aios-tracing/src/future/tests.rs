//! Futures in spans on a multi-thread runtime: nesting, errors, panics,
//! cancellation, boxed futures and spawned tasks.

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
    fn boxed<'a>(&'a self, n: u8) -> Pin<Box<dyn Future<Output = Result<u8, String>> + Send + 'a>> {
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
