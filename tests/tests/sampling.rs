//! `ParentBased(TraceIdRatioBased(ratio))`, checked on what is exported.

mod common;

use aios_tracing::{extract_context, Protocol, Span};
use aios_tracing_tests::SpansExt;
use common::{builder_for, receiver, serial, WAIT};
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
    let _serial = serial();
    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc)
        .sampling_ratio(0.0)
        .init()
        .unwrap();
    for _ in 0..50 {
        let span = sdk.start_span("unsampled");
        assert!(!span.is_recording());
        span.end();
    }
    sdk.shutdown().unwrap();
    assert_eq!(sdk.stats().ended, 0);

    let sdk = builder_for(&rx, Protocol::Grpc)
        .sampling_ratio(1.0)
        .init()
        .unwrap();
    for _ in 0..50 {
        sdk.start_span("sampled").end();
    }
    sdk.shutdown().unwrap();
    let spans = rx.wait_for_spans(50, WAIT);
    assert_eq!(spans.len(), 50);
    assert!(spans.iter().all(|s| s.name == "sampled"));
}

#[test]
fn a_sampled_remote_parent_is_followed_even_at_ratio_zero() {
    let _serial = serial();
    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc)
        .sampling_ratio(0.0)
        .init()
        .unwrap();
    let span = Span::builder("continued")
        .parent(&remote(SAMPLED_PARENT))
        .start();
    assert!(span.is_recording());
    span.end();
    sdk.shutdown().unwrap();
    let spans = rx.wait_for_spans(1, WAIT);
    let span = spans.one("continued");
    assert_eq!(span.trace_id, "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(span.parent_span_id.as_deref(), Some("b7ad6b7169203331"));
}

#[test]
fn an_unsampled_remote_parent_is_followed_even_at_ratio_one() {
    let _serial = serial();
    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc)
        .sampling_ratio(1.0)
        .init()
        .unwrap();
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
    sdk.start_span("control").end();
    sdk.shutdown().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(rx.spans().names(), ["control"]);
}

#[test]
fn a_fractional_ratio_samples_whole_traces_at_that_rate() {
    let _serial = serial();
    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc)
        .sampling_ratio(0.5)
        .init()
        .unwrap();
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
    sdk.shutdown().unwrap();
    let spans = rx.wait_for_spans(recorded * 2, WAIT);
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
