//! Work handed to other threads and tasks stays in the trace that spawned it.

mod common;

use aios_tracing::current::in_current_context;
use aios_tracing::{FutureExt, Protocol, Span};
use aios_tracing_tests::SpansExt;
use common::{multi_thread_runtime, Fixture};

#[test]
fn threads_blocking_tasks_and_spawned_tasks_keep_their_parent() {
    let fx = Fixture::start(Protocol::Grpc);
    let runtime = multi_thread_runtime(2);
    {
        let _parent = Span::builder("parent").entered();
        std::thread::spawn(in_current_context(|| {
            Span::builder("in-thread").start().end()
        }))
        .join()
        .unwrap();
        let blocking = runtime.spawn_blocking(in_current_context(|| {
            Span::builder("in-blocking").start().end();
        }));
        runtime.block_on(blocking).unwrap();
        let task = runtime.spawn(
            async {
                tokio::task::yield_now().await;
                Span::builder("in-task").start().end();
            }
            .in_current_context(),
        );
        runtime.block_on(task).unwrap();
        // Without the wrapper a thread starts a trace of its own.
        std::thread::spawn(|| Span::builder("unwrapped").start().end())
            .join()
            .unwrap();
    }
    drop(runtime);
    let spans = fx.shutdown_and_wait(5);
    let parent = spans.one("parent");
    for name in ["in-thread", "in-blocking", "in-task"] {
        let span = spans.one(name);
        assert_eq!(
            span.parent_span_id.as_deref(),
            Some(parent.span_id.as_str()),
            "{name}"
        );
        assert_eq!(span.trace_id, parent.trace_id, "{name}");
    }
    assert!(spans.one("unwrapped").is_root());
}
