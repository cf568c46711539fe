//! Work handed to other threads and tasks stays in the trace that spawned it.

mod common;

use aios_tracing::current::in_current_context;
use aios_tracing::{FutureExt, Protocol, Span};
use aios_tracing_tests::SpansExt;
use common::{builder_for, receiver, serial, WAIT};

#[test]
fn threads_blocking_tasks_and_spawned_tasks_keep_their_parent() {
    let _serial = serial();
    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc).init().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
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
    sdk.shutdown().unwrap();
    let spans = rx.wait_for_spans(5, WAIT);
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
