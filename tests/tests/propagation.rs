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
    // Flags `03`: sampled, and W3C Level 2's `random` (the trace id is).
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
            "00-{}-{}-03",
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

/// B3's debug flag implies an accept decision: `d` in the single header
/// and `X-B3-Flags: 1` both read as sampled, and `d` goes on downstream.
#[test]
fn b3_debug_reads_as_sampled() {
    let fx = sdk(Some("b3,b3multi"));
    let sdk = fx.sdk();
    let single = sdk.extract_context(&headers(&[(
        "b3",
        &format!("{B3_TRACE_ID}-{B3_SPAN_ID}-d"),
    )]));
    let multi = sdk.extract_context(&headers(&[
        ("X-B3-TraceId", B3_TRACE_ID),
        ("X-B3-SpanId", B3_SPAN_ID),
        ("X-B3-Flags", "1"),
    ]));
    for cx in [&single, &multi] {
        assert!(cx.span().span_context().is_sampled());
        assert!(Span::builder("debugged").parent(cx).start().is_recording());
    }
    let _attached = single.clone().attach();
    let outbound = sdk.inject_headers(HashMap::new());
    let b3 = outbound.get("b3").expect("b3 injected");
    assert!(b3.starts_with(B3_TRACE_ID) && b3.ends_with("-d"), "{b3}");
    fx.shutdown();
}

/// A request not sampled here builds no span, yet what it sends on names
/// a span id of its own (W3C: the parent-id is the caller's span), a new
/// one per request, with the caller's trace id, flags and tracestate
/// exactly as received.
#[test]
fn an_unsampled_request_sends_a_fresh_parent_id_and_the_tracestate_as_received() {
    let fx = sdk(None);
    let sdk = fx.sdk();
    let inbound = headers(&[
        (
            "traceparent",
            "00-12345678901234567890123456789012-1234567890123456-02",
        ),
        ("tracestate", "foo@@bar=1, \t baz=2"),
    ]);
    let cx = sdk.extract_context(&inbound);
    let _attached = cx.attach();
    let span = Span::builder("handler").start();
    assert!(!span.is_recording());
    let _entered = span.enter();
    let first = sdk.inject_headers(HashMap::new());
    let second = sdk.inject_headers(HashMap::new());
    let fields = |h: &HashMap<String, String>| {
        let parts: Vec<String> = h["traceparent"].split('-').map(str::to_owned).collect();
        (parts[1].clone(), parts[2].clone(), parts[3].clone())
    };
    let (trace_a, parent_a, flags_a) = fields(&first);
    let (trace_b, parent_b, _) = fields(&second);
    assert_eq!(trace_a, "12345678901234567890123456789012");
    assert_eq!(trace_b, trace_a);
    assert_ne!(parent_a, "1234567890123456");
    assert_ne!(parent_a, parent_b);
    assert_eq!(flags_a, "02", "random flag kept, not sampled");
    assert_eq!(first["tracestate"], "foo@@bar=1,baz=2");
    fx.shutdown();
}
