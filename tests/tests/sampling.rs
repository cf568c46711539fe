//! `ParentBased(TraceIdRatioBased(ratio))`, checked on what is exported.

mod common;

use aios_tracing::{extract_context, Protocol, Span};
use aios_tracing_tests::SpansExt;
use common::{Fixture, WAIT};
use std::collections::HashMap;
use std::time::Duration;

const SAMPLED_PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const UNSAMPLED_PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

fn remote(traceparent: &str) -> aios_tracing::Context {
    extract_context(&HashMap::from([(
        "traceparent".to_string(),
        traceparent.to_string(),
    )]))
}

#[test]
fn ratio_one_samples_every_root_and_ratio_zero_none() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.sampling_ratio(0.0));
    for _ in 0..50 {
        let span = fx.sdk().start_span("unsampled");
        assert!(!span.is_recording());
        span.end();
    }
    fx.shutdown();
    assert_eq!(fx.sdk().stats().ended, 0);

    // A second SDK on the same receiver.
    let sdk = fx.builder().sampling_ratio(1.0).init().unwrap();
    for _ in 0..50 {
        sdk.start_span("sampled").end();
    }
    sdk.shutdown().unwrap();
    let spans = fx.rx().wait_for_spans(50, WAIT);
    assert_eq!(spans.len(), 50);
    assert!(spans.iter().all(|s| s.name == "sampled"));
}

#[test]
fn a_sampled_remote_parent_is_followed_even_at_ratio_zero() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.sampling_ratio(0.0));
    let span = Span::builder("continued")
        .parent(&remote(SAMPLED_PARENT))
        .start();
    assert!(span.is_recording());
    span.end();
    let spans = fx.shutdown_and_wait(1);
    let span = spans.one("continued");
    assert_eq!(span.trace_id, "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(span.parent_span_id.as_deref(), Some("b7ad6b7169203331"));
}

#[test]
fn an_unsampled_remote_parent_is_followed_even_at_ratio_one() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.sampling_ratio(1.0));
    let span = Span::builder("dropped")
        .parent(&remote(UNSAMPLED_PARENT))
        .start();
    assert!(!span.is_recording());
    // Children of an unsampled local span are unsampled too.
    let child = Span::builder("child").parent(span.context()).start();
    assert!(!child.is_recording());
    assert_eq!(
        child.span_context().trace_id().to_string(),
        "0af7651916cd43dd8448eb211c80319c"
    );
    child.end();
    span.end();
    fx.sdk().start_span("control").end();
    fx.shutdown();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(fx.rx().spans().names(), ["control"]);
}

#[test]
fn a_fractional_ratio_samples_whole_traces_at_that_rate() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.sampling_ratio(0.5));
    const ROOTS: usize = 600;
    let mut recorded = 0;
    for _ in 0..ROOTS {
        let root = Span::builder("root").entered();
        let child = Span::builder("child").start();
        assert_eq!(
            child.is_recording(),
            root.is_recording(),
            "children follow their root"
        );
        assert_eq!(
            child.span_context().trace_id(),
            root.span_context().trace_id()
        );
        recorded += usize::from(root.is_recording());
        child.end();
    }
    let spans = fx.shutdown_and_wait(recorded * 2);
    assert_eq!(
        spans.len(),
        recorded * 2,
        "every recorded span exported, nothing else"
    );
    let fraction = recorded as f64 / ROOTS as f64;
    assert!(
        (0.4..=0.6).contains(&fraction),
        "sampled {fraction:.2} of roots at ratio 0.5"
    );
    for child in spans.by_name("child") {
        assert!(spans
            .iter()
            .any(|s| s.name == "root" && Some(&s.span_id) == child.parent_span_id.as_ref()));
    }
}
