//! Every inbound propagation header (W3C traceparent/tracestate/baggage,
//! B3 single and multi) from arbitrary bytes: extraction must return a
//! valid context or none, and never panic.
#![no_main]

use aios_tracing::{extract_context, TraceContextExt, TracingSdk};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::OnceLock;

const NAMES: [&str; 8] = [
    "traceparent", "tracestate", "baggage", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags",
];

fn sdk() -> &'static TracingSdk {
    static SDK: OnceLock<TracingSdk> = OnceLock::new();
    SDK.get_or_init(|| {
        TracingSdk::builder("fuzz")
            .environment([("OTEL_PROPAGATORS", "tracecontext,baggage,b3,b3multi")])
            .enable_otlp_exporter(false)
            .init()
            .expect("fuzz SDK starts")
    })
}

fuzz_target!(|data: &[u8]| {
    let sdk = sdk();
    let text = String::from_utf8_lossy(data);
    // The first byte picks which headers get the input (split on newlines).
    let mask = data.first().copied().unwrap_or(0xff);
    let mut parts = text.split('\n');
    let headers: HashMap<String, String> = NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, name)| (name.to_string(), parts.next().unwrap_or_default().to_string()))
        .collect();
    let cx = sdk.extract_context(&headers);
    let sc = cx.span().span_context().clone();
    if sc.is_valid() {
        assert!(sc.is_remote());
    }
    let again = extract_context(&headers);
    assert_eq!(again.span().span_context().trace_id(), sc.trace_id());
});
