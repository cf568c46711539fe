//! Two tests that run at the same time (this binary holds only them, and
//! each waits for the other while its spans are open), each capturing
//! spans with the same names: each sees only its own, including those of
//! the thread or task it spawned.

use aios_tracing::testing::SpanCapture;
use aios_tracing::{current, trace, Span};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Both tests wait here for each other, twice; a test run on one thread
/// (`--test-threads 1`) waits in vain and goes on alone.
fn meet(step: u32) {
    static ARRIVED: Mutex<[u32; 2]> = Mutex::new([0, 0]);
    static CHANGED: Condvar = Condvar::new();
    let slot = step as usize;
    let mut arrived = ARRIVED.lock().unwrap();
    arrived[slot] += 1;
    CHANGED.notify_all();
    let (arrived, timeout) = CHANGED
        .wait_timeout_while(arrived, Duration::from_secs(20), |a| a[slot] < 2)
        .unwrap();
    if timeout.timed_out() {
        eprintln!("step {step}: the other test did not come (one test thread?): {arrived:?}");
    }
}

#[trace]
fn work(test: &'static str) {
    current::set_attributes([("test", test)]);
}

#[trace("spawned")]
fn in_thread(test: &'static str) {
    current::set_attributes([("test", test)]);
}

#[trace("spawned")]
async fn in_task(test: &'static str) {
    tokio::task::yield_now().await;
    current::set_attributes([("test", test)]);
}

fn check(capture: &SpanCapture, test: &str) {
    let spans = capture.spans();
    assert_eq!(
        spans.names(),
        ["outer", "work", "spawned"],
        "{test}: {spans}"
    );
    for span in spans.iter().filter(|s| s.name() != "outer") {
        span.assert_attribute("test", test.to_owned())
            .assert_parent("outer");
    }
}

#[test]
fn a_sync_test_with_a_thread() {
    let capture = SpanCapture::start();
    {
        let _outer = Span::builder("outer").entered();
        work("sync");
        meet(0);
        std::thread::spawn(current::in_current_context(|| in_thread("sync")))
            .join()
            .unwrap();
        meet(1);
    }
    check(&capture, "sync");
}

#[tokio::test]
async fn an_async_test_with_a_task() {
    let capture = SpanCapture::start();
    {
        let _outer = Span::builder("outer").entered();
        work("async");
        // Both tests' spans are open now. (Blocking the test's own
        // runtime is fine: nothing else runs on it yet.)
        meet(0);
        // A plain spawn: the task runs on this thread, in the capture.
        tokio::spawn(in_task("async")).await.unwrap();
        meet(1);
    }
    check(&capture, "async");
}
