//! W3C Trace Context / Baggage and B3 (single and multi) header formats, as
//! the specifications write them, in both directions.

mod common;

use aios_tracing::{extract_context, inject_headers, Protocol, Span, TraceContextExt};
use aios_tracing_tests::SpansExt;
use common::Fixture;
use std::collections::HashMap;

// The examples of the W3C Trace Context and B3 specifications.
const W3C_TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const W3C_PARENT_ID: &str = "00f067aa0ba902b7";
const B3_TRACE_ID: &str = "80f198ee56343ba864fe8b2a57d3eff7";
const B3_SPAN_ID: &str = "e457b5a2e4d86bd1";

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A fixture whose SDK has the default propagators, or `OTEL_PROPAGATORS`
/// set to `b3`.
fn sdk(b3: Option<&str>) -> Fixture {
    Fixture::with(Protocol::Grpc, |builder| match b3 {
        Some(propagators) => builder.environment([("OTEL_PROPAGATORS", propagators)]),
        None => builder,
    })
}

#[test]
fn w3c_inbound_traceparent_tracestate_and_baggage_continue_the_trace() {
    let fx = sdk(None);
    let sdk = fx.sdk();
    let inbound = headers(&[
        (
            "traceparent",
            &format!("00-{W3C_TRACE_ID}-{W3C_PARENT_ID}-01"),
        ),
        ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
        ("baggage", "userId=alice,serverNode=DF%2028"),
    ]);
    let cx = sdk.extract_context(&inbound);
    assert_eq!(
        cx.span().span_context().trace_state().get("congo"),
        Some("t61rcWkgMzE")
    );
    let baggage = opentelemetry::baggage::BaggageExt::baggage(&cx);
    assert_eq!(
        baggage.get("userId").map(|v| v.as_str().to_string()),
        Some("alice".into())
    );
    assert_eq!(
        baggage.get("serverNode").map(|v| v.as_str().to_string()),
        Some("DF 28".into())
    );

    let span = Span::builder("handle").parent(&cx).entered();
    let outbound = sdk.inject_headers(HashMap::new());
    let sc = span.span_context();
    assert_eq!(
        outbound["traceparent"],
        format!("00-{W3C_TRACE_ID}-{}-01", sc.span_id())
    );
    assert_eq!(
        outbound["tracestate"],
        "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    );
    assert!(outbound["baggage"].contains("userId=alice"));
    drop(span);

    let spans = fx.shutdown_and_wait(1);
    let handled = spans.one("handle");
    assert_eq!(handled.trace_id, W3C_TRACE_ID);
    assert_eq!(handled.parent_span_id.as_deref(), Some(W3C_PARENT_ID));
    assert_eq!(
        handled.trace_state,
        "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    );
    assert_eq!(handled.flags & 0x300, 0x300, "parent marked remote");
}

#[test]
fn http_header_maps_carry_context_too() {
    let fx = sdk(None);
    let root = fx.sdk().span("client").entered();
    let outbound = inject_headers(http::HeaderMap::new());
    let value = outbound
        .get("traceparent")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        value,
        format!(
            "00-{}-{}-01",
            root.span_context().trace_id(),
            root.span_context().span_id()
        )
    );
    let cx = extract_context(&outbound);
    assert_eq!(
        cx.span().span_context().span_id(),
        root.span_context().span_id()
    );
    assert!(cx.span().span_context().is_remote());
    drop(root);
    fx.shutdown();
}

#[test]
fn malformed_inbound_headers_yield_a_fresh_root_and_never_panic() {
    let fx = sdk(None);
    let sdk = fx.sdk();
    let bad = [
        "garbage",
        "",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
        "00-\u{1F600}bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ];
    for value in bad {
        let cx = sdk.extract_context(&headers(&[("traceparent", value), ("baggage", "%%%;;==,")]));
        assert!(!cx.span().span_context().is_valid(), "accepted {value:?}");
        let span = Span::builder("fresh").parent(&cx).start();
        assert!(span.span_context().is_valid());
        span.end();
    }
    let spans = fx.shutdown_and_wait(bad.len());
    assert_eq!(spans.len(), bad.len());
    assert!(spans
        .iter()
        .all(|s| s.is_root() && s.trace_id != W3C_TRACE_ID));
}

#[test]
fn b3_single_header_in_and_out() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.use_b3_propagation(true));
    let sdk = fx.sdk();
    let cx = sdk.extract_context(&headers(&[(
        "b3",
        &format!("{B3_TRACE_ID}-{B3_SPAN_ID}-1"),
    )]));
    let span = Span::builder("b3-child").parent(&cx).entered();
    let outbound = sdk.inject_headers(HashMap::new());
    assert_eq!(
        outbound["b3"],
        format!("{B3_TRACE_ID}-{}-1", span.span_context().span_id())
    );
    assert!(
        !outbound.contains_key("traceparent"),
        "B3 replaces W3C trace context"
    );
    drop(span);
    let spans = fx.shutdown_and_wait(1);
    let child = spans.one("b3-child");
    assert_eq!(child.trace_id, B3_TRACE_ID);
    assert_eq!(child.parent_span_id.as_deref(), Some(B3_SPAN_ID));
}

#[test]
fn b3_multi_header_in_and_out() {
    let fx = sdk(Some("b3multi"));
    let sdk = fx.sdk();
    let cx = sdk.extract_context(&headers(&[
        ("X-B3-TraceId", B3_TRACE_ID),
        ("X-B3-SpanId", B3_SPAN_ID),
        ("X-B3-Sampled", "1"),
    ]));
    let span = Span::builder("b3multi-child").parent(&cx).entered();
    let outbound = sdk.inject_headers(HashMap::new());
    assert_eq!(outbound["x-b3-traceid"], B3_TRACE_ID);
    assert_eq!(
        outbound["x-b3-spanid"],
        span.span_context().span_id().to_string()
    );
    assert_eq!(outbound["x-b3-sampled"], "1");
    drop(span);
    let spans = fx.shutdown_and_wait(1);
    assert_eq!(
        spans.one("b3multi-child").parent_span_id.as_deref(),
        Some(B3_SPAN_ID)
    );
}

#[test]
fn b3_unsampled_and_malformed_inputs() {
    let fx = sdk(Some("b3"));
    let sdk = fx.sdk();
    let unsampled = sdk.extract_context(&headers(&[(
        "b3",
        &format!("{B3_TRACE_ID}-{B3_SPAN_ID}-0"),
    )]));
    assert!(unsampled.span().span_context().is_valid());
    assert!(!Span::builder("x").parent(&unsampled).start().is_recording());
    for bad in [
        "",
        "0",
        "nonsense-xyz",
        &format!("{B3_TRACE_ID}-{B3_SPAN_ID}-7"),
        &"a".repeat(100_000),
    ] {
        let cx = sdk.extract_context(&headers(&[("b3", bad)]));
        assert!(!cx.span().span_context().is_valid(), "accepted {bad:?}");
    }
    fx.shutdown();
}
