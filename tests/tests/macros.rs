//! Spans made by `#[trace]` and `span!`, as a real OTLP receiver gets them.

mod common;

use aios_tracing::{span, trace, FutureExt, Protocol, Span, CANCELLED_ATTRIBUTE};
use aios_tracing_tests::{AttrValue, SpansExt, StatusCode};
use common::{current_thread_runtime, multi_thread_runtime, Fixture};
use std::collections::HashSet;
use std::time::Duration;

#[derive(Debug)]
struct NotFound(u64);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {} not found", self.0)
    }
}

impl std::error::Error for NotFound {}

#[trace("fetch_user", kind = client, attrs = { "db.table" = "users", "retries" = 3 }, record(uid))]
fn fetch_user(uid: u64) -> Result<String, NotFound> {
    if uid == 0 {
        return Err(NotFound(uid));
    }
    Ok(format!("user-{uid}"))
}

#[trace]
fn plain() -> u32 {
    7
}

#[trace(err = false)]
fn quiet_failure() -> std::io::Result<()> {
    Err(std::io::Error::other("ignored"))
}

#[trace(kind = server)]
async fn handle(task: u64) -> Result<u64, NotFound> {
    tokio::task::yield_now().await;
    let name = fetch_user(task + 1)?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    child(task).await;
    Ok(name.len() as u64)
}

#[trace(record(task))]
async fn child(task: u64) {
    tokio::task::yield_now().await;
    let _ = task;
}

#[trace]
fn explode() {
    panic!("kaboom {}", 42);
}

#[trace]
async fn explode_async() {
    tokio::task::yield_now().await;
    panic!("async kaboom");
}

#[trace]
async fn forever() {
    std::future::pending::<()>().await;
}

#[test]
fn sync_fns_record_names_kinds_attributes_and_errors() {
    let fx = Fixture::start(Protocol::Grpc);
    assert_eq!(fetch_user(5).unwrap(), "user-5");
    assert!(fetch_user(0).is_err());
    assert_eq!(plain(), 7);
    assert!(quiet_failure().is_err());

    let spans = fx.shutdown_and_wait(4);
    let fetches = spans.by_name("fetch_user");
    assert_eq!(fetches.len(), 2);
    let ok = fetches
        .iter()
        .find(|s| s.attr("uid") == Some(&AttrValue::Int(5)))
        .unwrap();
    assert_eq!(ok.kind_name(), "client");
    assert_eq!(
        ok.attr("db.table").and_then(AttrValue::as_str),
        Some("users")
    );
    assert_eq!(ok.attr("retries"), Some(&AttrValue::Int(3)));
    assert_eq!(ok.status.code, StatusCode::Unset);
    assert!(ok.events.is_empty());

    let failed = fetches
        .iter()
        .find(|s| s.attr("uid") == Some(&AttrValue::Int(0)))
        .unwrap();
    assert_eq!(failed.status.code, StatusCode::Error);
    assert_eq!(failed.status.message, "user 0 not found");
    let exception = failed.event("exception").unwrap();
    assert_eq!(
        exception
            .attr("exception.message")
            .and_then(AttrValue::as_str),
        Some("user 0 not found")
    );
    assert!(exception
        .attr("exception.type")
        .and_then(AttrValue::as_str)
        .unwrap()
        .ends_with("NotFound"));

    let plain = spans.one("plain");
    assert_eq!(plain.kind_name(), "internal");
    assert_eq!(
        plain.scope_name, "aios-tracing-tests",
        "scope = the calling crate"
    );
    assert_eq!(plain.scope_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        spans.one("quiet_failure").status.code,
        StatusCode::Unset,
        "err = false"
    );
}

#[test]
fn span_macro_runs_the_closure_inside_the_span() {
    let fx = Fixture::start(Protocol::Grpc);
    let user = span!("checkout", kind = server, "cart.items" = 3, |span| {
        let user = fetch_user(9).unwrap();
        span.set_attributes([("user.id", user.clone())]);
        user
    });
    assert_eq!(user, "user-9");
    let spans = fx.shutdown_and_wait(2);
    let checkout = spans.one("checkout");
    assert_eq!(checkout.kind_name(), "server");
    assert_eq!(checkout.attr("cart.items"), Some(&AttrValue::Int(3)));
    assert_eq!(
        checkout.attr("user.id").and_then(AttrValue::as_str),
        Some("user-9")
    );
    assert_eq!(
        spans.one("fetch_user").parent_span_id.as_deref(),
        Some(checkout.span_id.as_str())
    );
}

#[test]
fn panics_are_recorded_and_continue_with_the_same_payload() {
    let fx = Fixture::start(Protocol::Grpc);
    let payload = std::panic::catch_unwind(explode).unwrap_err();
    // rustc folds literal arguments into the format string, so the payload
    // may be a `&'static str` or a `String`; either way it is the original.
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    assert_eq!(message, Some("kaboom 42"));
    let runtime = current_thread_runtime();
    let joined = runtime.block_on(async { tokio::spawn(explode_async()).await });
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(
        payload.downcast_ref::<&str>().copied(),
        Some("async kaboom")
    );
    let spans = fx.shutdown_and_wait(2);
    for (name, message) in [("explode", "kaboom 42"), ("explode_async", "async kaboom")] {
        let span = spans.one(name);
        assert_eq!(span.status.code, StatusCode::Error, "{name}");
        let exception = span.event("exception").unwrap();
        assert_eq!(
            exception
                .attr("exception.message")
                .and_then(AttrValue::as_str),
            Some(message)
        );
    }
}

#[test]
fn concurrent_tasks_on_a_multi_thread_runtime_keep_their_own_parents() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.max_queue_size(100_000));
    let runtime = multi_thread_runtime(4);
    const TASKS: u64 = 128;
    runtime.block_on(async {
        let handles: Vec<_> = (0..TASKS).map(|task| tokio::spawn(handle(task))).collect();
        for handle in handles {
            handle.await.unwrap().unwrap();
        }
    });
    // A task spawned inside a span stays in the trace with in_current_context.
    runtime.block_on(async {
        let parent = Span::builder("spawner").start();
        let cx = parent.context().clone();
        tokio::spawn(async { child(999).await }.in_context(cx))
            .await
            .unwrap();
        parent.end();
    });
    drop(runtime);
    let spans = fx.shutdown_and_wait((TASKS * 3 + 2) as usize);
    let handles = spans.by_name("handle");
    assert_eq!(handles.len(), TASKS as usize);
    let traces: HashSet<_> = handles.iter().map(|s| s.trace_id.clone()).collect();
    assert_eq!(traces.len(), TASKS as usize, "each task its own trace");
    for handle in &handles {
        assert!(
            handle.is_root(),
            "no task's span became another task's parent"
        );
        assert_eq!(handle.kind_name(), "server");
        let children: Vec<_> = spans
            .iter()
            .filter(|s| s.parent_span_id.as_deref() == Some(handle.span_id.as_str()))
            .collect();
        let names: HashSet<_> = children.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            HashSet::from(["fetch_user", "child"]),
            "children across .await"
        );
        assert!(children.iter().all(|c| c.trace_id == handle.trace_id));
    }
    let spawner = spans.one("spawner");
    let spawned = spans
        .iter()
        .find(|s| s.attr("task") == Some(&AttrValue::Int(999)))
        .unwrap();
    assert_eq!(
        spawned.parent_span_id.as_deref(),
        Some(spawner.span_id.as_str())
    );
}

#[test]
fn a_future_dropped_before_completion_ends_its_span_marked_cancelled() {
    let fx = Fixture::start(Protocol::Grpc);
    let runtime = current_thread_runtime();
    runtime.block_on(async {
        let _ = tokio::time::timeout(Duration::from_millis(20), forever()).await;
    });
    let spans = fx.shutdown_and_wait(1);
    let forever = spans.one("forever");
    assert_eq!(
        forever.attr(CANCELLED_ATTRIBUTE),
        Some(&AttrValue::Bool(true))
    );
    assert!(forever.duration() >= Duration::from_millis(15));
}

#[test]
fn unsampled_calls_evaluate_and_record_nothing() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.sampling_ratio(0.0));
    let evaluated = std::cell::Cell::new(0);
    let expensive = || {
        evaluated.set(evaluated.get() + 1);
        "computed"
    };
    let value = span!("unsampled", "cost" = expensive(), |span| {
        assert!(!span.is_recording());
        1
    });
    assert_eq!(value, 1);
    assert_eq!(
        evaluated.get(),
        0,
        "attribute expressions of an unsampled span are not evaluated"
    );
    assert!(fetch_user(0).is_err());
    fx.shutdown();
    assert_eq!(fx.sdk().stats().ended, 0);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(fx.rx().span_count(), 0);
}
