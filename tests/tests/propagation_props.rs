//! Property tests of the propagators: inject then extract is the identity
//! for valid contexts, and any input to an extractor yields a valid
//! context or none, never a panic.

mod common;

use aios_tracing::{extract_context, inject_context, TraceContextExt, TracingSdk};
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use proptest::prelude::*;
use std::collections::HashMap;

fn sdk(propagators: &str) -> TracingSdk {
    TracingSdk::builder("props")
        .environment([("OTEL_PROPAGATORS", propagators)])
        .enable_otlp_exporter(false)
        .init()
        .unwrap()
}

fn round_trip(trace: u128, span: u64, sampled: bool) -> SpanContext {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let sc = SpanContext::new(
        TraceId::from(trace),
        SpanId::from(span),
        flags,
        // A span of this process: a remote parent is never injected as
        // is (what leaves names a span of this process, a fresh id).
        false,
        TraceState::default(),
    );
    let mut headers: HashMap<String, String> = HashMap::new();
    inject_context(&Context::new().with_remote_span_context(sc), &mut headers);
    extract_context(&headers).span().span_context().clone()
}

fn check_identity(propagators: &str) {
    let _serial = common::serial();
    let _sdk = sdk(propagators);
    proptest!(ProptestConfig::with_cases(500), |(trace in 1u128.., span in 1u64.., sampled: bool)| {
        let back = round_trip(trace, span, sampled);
        prop_assert!(back.is_valid());
        prop_assert!(back.is_remote());
        prop_assert_eq!(back.trace_id(), TraceId::from(trace));
        prop_assert_eq!(back.span_id(), SpanId::from(span));
        prop_assert_eq!(back.is_sampled(), sampled);
    });
}

#[test]
fn w3c_inject_then_extract_is_the_identity() {
    check_identity("tracecontext,baggage");
}

#[test]
fn b3_single_inject_then_extract_is_the_identity() {
    check_identity("b3");
}

#[test]
fn b3_multi_inject_then_extract_is_the_identity() {
    check_identity("b3multi");
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-f-]{0,70}",
        "(00|01|ff)-[0-9a-fA-F]{30,34}-[0-9a-fA-F]{14,18}-[0-9a-f]{1,3}(-.*)?",
        "[0-9a-f]{16,32}-[0-9a-f]{16}(-[01d])?(-[0-9a-f]{16})?",
    ]
}

#[test]
fn any_inbound_headers_yield_a_valid_context_or_none() {
    let _serial = common::serial();
    let _sdk = sdk("tracecontext,baggage,b3,b3multi");
    let names = [
        "traceparent",
        "tracestate",
        "baggage",
        "b3",
        "x-b3-traceid",
        "x-b3-spanid",
        "x-b3-sampled",
        "x-b3-flags",
    ];
    proptest!(ProptestConfig::with_cases(2000), |(values in proptest::collection::vec(proptest::option::of(header_value()), names.len()))| {
        let headers: HashMap<String, String> = names
            .iter()
            .zip(values)
            .filter_map(|(name, value)| value.map(|v| (name.to_string(), v)))
            .collect();
        let cx = extract_context(&headers);
        let sc = cx.span().span_context().clone();
        if sc.is_valid() {
            prop_assert_ne!(sc.trace_id(), TraceId::INVALID);
            prop_assert_ne!(sc.span_id(), SpanId::INVALID);
            prop_assert!(sc.is_remote());
        }
    });
}
