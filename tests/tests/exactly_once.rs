//! The export path loses nothing it does not count: spans from many
//! threads, ended just before their threads exit, arrive exactly once with
//! their parentage; past the queue's byte bound the dropped counter equals
//! exactly what the receiver missed.

mod common;

use aios_tracing::{Protocol, Span};
use aios_tracing_tests::SpansExt;
use common::{Fixture, Setup, WAIT};
use std::collections::{HashMap, HashSet};

const THREADS: usize = 8;
const ROOTS_PER_THREAD: usize = 1_000;

fn produce_on_threads() {
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..ROOTS_PER_THREAD {
                    let _root = Span::builder("root")
                        .attribute("thread", t as i64)
                        .attribute("i", i as i64)
                        .entered();
                    Span::builder("child").start().end();
                }
                // The thread ends right after its last span ended.
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn spans_from_exiting_threads_arrive_exactly_once_with_their_parents() {
    let fx = Fixture::start(Protocol::Grpc);
    produce_on_threads();
    let expected = THREADS * ROOTS_PER_THREAD * 2;
    let spans = fx.shutdown_and_wait(expected);
    assert_eq!(spans.len(), expected);
    let ids: HashSet<_> = spans.iter().map(|s| s.span_id.as_str()).collect();
    assert_eq!(ids.len(), expected, "every span exactly once");
    let roots: HashMap<&str, &str> = spans
        .by_name("root")
        .into_iter()
        .map(|r| (r.span_id.as_str(), r.trace_id.as_str()))
        .collect();
    assert_eq!(roots.len(), THREADS * ROOTS_PER_THREAD);
    for child in spans.by_name("child") {
        let parent = child.parent_span_id.as_deref().expect("child has a parent");
        assert_eq!(
            roots.get(parent),
            Some(&child.trace_id.as_str()),
            "parent is its root, same trace"
        );
    }
    let stats = fx.sdk().stats();
    assert_eq!(
        (stats.ended, stats.exported, stats.dropped),
        (expected as u64, expected as u64, 0)
    );
}

#[test]
fn past_the_byte_bound_dropped_equals_what_the_receiver_missed() {
    let fx = Setup::with_receiver(Protocol::HttpProtobuf, |r| r.count_only())
        .init_with(|b| b.max_queue_bytes(256 * 1024));
    produce_on_threads();
    fx.shutdown();
    let stats = fx.sdk().stats();
    let produced = (THREADS * ROOTS_PER_THREAD * 2) as u64;
    assert_eq!(stats.ended, produced);
    assert!(
        stats.dropped_queue_full > 0,
        "the bound was reached: {stats:?}"
    );
    assert!(stats.peak_queued_bytes <= 256 * 1024);
    assert_eq!(
        stats.ended - stats.dropped,
        fx.rx().span_count() as u64,
        "{stats:?}"
    );
    assert_eq!(stats.exported, fx.rx().span_count() as u64);
}

/// Spans wait in their thread's buffer for at most the worker's timer:
/// a thread that ended a few spans and then idles (it neither exits nor
/// ends more) still gets them exported, without a flush.
#[test]
fn an_idle_threads_buffered_spans_go_out_on_the_timer() {
    let fx = Fixture::start(Protocol::HttpProtobuf);
    let sdk = fx.sdk();
    let (release, parked) = std::sync::mpsc::channel::<()>();
    let idle = std::thread::spawn(move || {
        for _ in 0..5 {
            Span::builder("idle-thread").start().end();
        }
        // Parked, alive, until the test is done.
        let _ = parked.recv();
    });
    // Ended counts the buffered spans at once.
    let deadline = std::time::Instant::now() + WAIT;
    while sdk.stats().ended < 5 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(sdk.stats().ended, 5);
    // The timer is 100 ms (`builder_for`); no flush is called.
    let spans = fx.rx().wait_for_spans(5, WAIT);
    assert_eq!(spans.by_name("idle-thread").len(), 5);
    release.send(()).unwrap();
    idle.join().unwrap();
    fx.shutdown();
}

/// `force_flush` reaches spans buffered by other, still running threads.
#[test]
fn force_flush_collects_other_threads_buffers() {
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.scheduled_delay(std::time::Duration::from_secs(3600))
    });
    let sdk = fx.sdk();
    let (ended, wait_ended) = std::sync::mpsc::channel::<()>();
    let (release, parked) = std::sync::mpsc::channel::<()>();
    let busy = std::thread::spawn(move || {
        for _ in 0..7 {
            Span::builder("other-thread").start().end();
        }
        ended.send(()).unwrap();
        let _ = parked.recv();
    });
    wait_ended.recv().unwrap();
    sdk.force_flush().unwrap();
    assert_eq!(fx.rx().spans().by_name("other-thread").len(), 7);
    let stats = sdk.stats();
    assert_eq!((stats.ended, stats.exported, stats.queued), (7, 7, 0));
    release.send(()).unwrap();
    busy.join().unwrap();
    fx.shutdown();
}

/// Spans built by the SDK itself (code using `sdk.tracer()` and the plain
/// OpenTelemetry API) take the same per-thread path: ended right before
/// their threads exit, they arrive exactly once with their parents.
#[test]
fn sdk_tracer_spans_from_exiting_threads_arrive_exactly_once() {
    use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
    let fx = Fixture::start(Protocol::HttpProtobuf);
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let tracer = fx.sdk().tracer();
            std::thread::spawn(move || {
                for _ in 0..ROOTS_PER_THREAD {
                    tracer.in_span("sdk-root", |cx| {
                        let mut child = tracer.start_with_context("sdk-child", &cx);
                        child.end();
                        assert!(cx.span().is_recording());
                    });
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let expected = THREADS * ROOTS_PER_THREAD * 2;
    let spans = fx.shutdown_and_wait(expected);
    let ids: HashSet<_> = spans.iter().map(|s| s.span_id.as_str()).collect();
    assert_eq!((spans.len(), ids.len()), (expected, expected));
    let roots: HashSet<&str> = spans
        .by_name("sdk-root")
        .into_iter()
        .map(|r| r.span_id.as_str())
        .collect();
    for child in spans.by_name("sdk-child") {
        let parent = child.parent_span_id.as_deref().expect("child has a parent");
        assert!(roots.contains(parent), "parent {parent} is a root");
    }
    let stats = fx.sdk().stats();
    assert_eq!(
        (stats.ended, stats.exported, stats.dropped),
        (expected as u64, expected as u64, 0)
    );
}

/// The worker is woken early by queued *bytes* too, not only by a span
/// count: a few large spans must not sit in the queue until its timer
/// (an hour here) while the byte bound fills up and drops the rest.
#[test]
fn large_spans_wake_the_worker_before_its_timer() {
    let fx = Fixture::with(Protocol::HttpProtobuf, |b| {
        b.scheduled_delay(std::time::Duration::from_secs(3600))
            .max_queue_bytes(1024 * 1024)
    });
    let payload = "x".repeat(100 * 1024);
    const SPANS: usize = 24;
    for _ in 0..SPANS {
        Span::builder("large")
            .attribute("payload", payload.clone())
            .start()
            .end();
        // Paced, so only a worker left asleep lets the queue fill up.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Every span fits after the first three; none waits for a flush.
    let received = fx.rx().wait_for_spans(SPANS - 3, WAIT).len();
    assert!(
        received >= SPANS - 3,
        "only {received} exported before the timer"
    );
    fx.shutdown();
    let stats = fx.sdk().stats();
    assert_eq!((stats.ended, stats.dropped), (SPANS as u64, 0), "{stats:?}");
}
