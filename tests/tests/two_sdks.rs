//! Two `TracingSdk`s in one process, with different sampling ratios,
//! propagators and endpoints: each keeps its own for the spans made with
//! `sdk.span(..)` and for `inject_headers` / `extract_context`, and
//! shutting one down leaves the other working.

mod common;

use aios_tracing::{span, Protocol, Span, TraceContextExt as _};
use aios_tracing_tests::SpansExt;
use common::{Fixture, Setup, WAIT};
use std::collections::HashMap;

const W3C_PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const B3_PARENT: &str = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1";

/// `a`: gRPC, W3C, everything sampled. `b`, started after it: HTTP, B3,
/// no new trace sampled.
fn two_sdks() -> (Fixture, Fixture) {
    let a = Fixture::with(Protocol::Grpc, |b| b.sampling_ratio(1.0));
    let b = Setup::new(Protocol::HttpProtobuf).init_with(|b| {
        b.sampling_ratio(0.0)
            .use_b3_propagation(true)
            .resource_attributes([("sdk", "b")])
    });
    (a, b)
}

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn each_sdk_samples_propagates_and_exports_with_its_own_settings() {
    let (a, b) = two_sdks();

    // Sampling: each SDK's spans follow its own ratio, whichever started last.
    let a_root = a.sdk().span("a.root").start();
    let b_root = b.sdk().span("b.root").start();
    assert!(a_root.is_recording(), "a samples every trace");
    assert!(!b_root.is_recording(), "b samples no new trace");

    // Propagation: each SDK writes and reads its own headers.
    let _entered = a_root.enter();
    let from_a = a.sdk().inject_headers(HashMap::new());
    let from_b = b.sdk().inject_headers(HashMap::new());
    assert!(from_a.contains_key("traceparent") && !from_a.contains_key("b3"));
    assert!(from_b.contains_key("b3") && !from_b.contains_key("traceparent"));
    let w3c = headers(&[("traceparent", W3C_PARENT)]);
    let b3 = headers(&[("b3", B3_PARENT)]);
    let valid = |cx: aios_tracing::Context| cx.span().span_context().is_valid();
    assert!(valid(a.sdk().extract_context(&w3c)) && !valid(a.sdk().extract_context(&b3)));
    assert!(valid(b.sdk().extract_context(&b3)) && !valid(b.sdk().extract_context(&w3c)));

    // Export: a sampled remote parent makes b record; each span reaches
    // its own SDK's collector.
    let b_child = b
        .sdk()
        .span("b.child")
        .parent(&b.sdk().extract_context(&b3))
        .start();
    assert!(b_child.is_recording());
    b_child.end();
    drop(_entered);
    a_root.end();
    b_root.end();
    let a_spans = a.shutdown_and_wait(1);
    let b_spans = b.shutdown_and_wait(1);
    assert_eq!(a_spans.names(), ["a.root"]);
    assert_eq!(b_spans.names(), ["b.child"]);
    assert_eq!(
        b_spans.one("b.child").trace_id,
        "80f198ee56343ba864fe8b2a57d3eff7"
    );
    assert_eq!(a.sdk().stats().exported, 1);
    assert_eq!(b.sdk().stats().exported, 1);
}

#[test]
fn shutting_down_the_newer_sdk_makes_the_older_one_active_again() {
    let (a, b) = two_sdks();
    // `#[trace]`, `span!` and `Span::builder` record into the newest SDK.
    assert!(!Span::builder("while.b").start().is_recording());
    b.shutdown();
    // `a` is active again, with its own ratio, and still exports.
    span!("after.b", || Span::builder("inner").start().end());
    let spans = a.shutdown_and_wait(2);
    let mut names = spans.names();
    names.sort_unstable();
    assert_eq!(names, ["after.b", "inner"]);
    assert_eq!(b.rx().wait_for_spans(1, WAIT / 10).len(), 0);
}

#[test]
fn shutting_down_the_older_sdk_leaves_the_newer_one_active() {
    let (a, b) = two_sdks();
    a.shutdown();
    let remote = b.sdk().extract_context(&headers(&[("b3", B3_PARENT)]));
    let _attached = remote.attach();
    span!("in.b", || {});
    drop(_attached);
    let spans = b.shutdown_and_wait(1);
    assert_eq!(spans.names(), ["in.b"]);
    assert_eq!(a.rx().wait_for_spans(1, WAIT / 10).len(), 0);
}
