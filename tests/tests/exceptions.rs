//! With backtraces on, a recorded error's event carries the stack trace,
//! formatted on the export thread; its timestamp is the moment of the
//! error, not the end of the capture.

mod common;

use aios_tracing::Protocol;
use aios_tracing_tests::SpansExt;
use common::Fixture;
use std::time::{SystemTime, UNIX_EPOCH};

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

#[test]
fn stack_traces_are_captured_here_and_formatted_at_export() {
    // Before any capture in this process: std reads it once.
    std::env::set_var("RUST_LIB_BACKTRACE", "1");
    let fx = Fixture::start(Protocol::Grpc);
    let span = fx.sdk().start_span("failing");
    let error = "x".parse::<u8>().unwrap_err();
    let before = SystemTime::now();
    span.record_exception(&error);
    let after = SystemTime::now();
    span.end();
    let spans = fx.shutdown_and_wait(1);
    let event = spans
        .one("failing")
        .events
        .iter()
        .find(|e| e.name == "exception")
        .cloned()
        .expect("event");
    let trace = event
        .attr("exception.stacktrace")
        .and_then(|v| v.as_str())
        .expect("a stack trace")
        .to_owned();
    assert!(
        trace.contains("stack_traces_are_captured_here_and_formatted_at_export"),
        "{trace}"
    );
    assert!(
        nanos(before) <= event.time_unix_nanos + 1_000_000,
        "event before the error"
    );
    assert!(event.time_unix_nanos <= nanos(after) + 1_000_000);
    assert_eq!(
        event.attr("exception.type").and_then(|v| v.as_str()),
        Some("core::num::error::ParseIntError")
    );
}
