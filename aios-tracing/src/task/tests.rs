//! Spawned tasks and blocking jobs keep the spawner's context.

use crate::test_sdk::install;
use crate::{span, task};
use opentelemetry::trace::SpanId;
use opentelemetry_sdk::trace::Sampler;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

#[test]
fn spawned_work_is_a_child_of_the_spawner() {
    let sdk = install(Sampler::AlwaysOn);
    runtime().block_on(async {
        let (task, job, plain) = span!("spawner", || (
            task::spawn(async {
                tokio::task::yield_now().await;
                span!("task", || ());
            }),
            task::spawn_blocking(|| span!("job", || ())),
            tokio::spawn(async { span!("plain", || ()) }),
        ));
        task.await.unwrap();
        job.await.unwrap();
        plain.await.unwrap();
    });
    let spawner = sdk.span("spawner").span_context.span_id();
    assert_eq!(sdk.span("task").parent_span_id, spawner);
    assert_eq!(sdk.span("job").parent_span_id, spawner);
    assert_eq!(
        sdk.span("plain").parent_span_id,
        SpanId::INVALID,
        "tokio::spawn alone starts a new trace"
    );
}
