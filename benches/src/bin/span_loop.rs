//! A tight loop of one kind of span, for profilers (`perf record`,
//! `valgrind --tool=callgrind`), which criterion's harness gets in the way of.
//!
//! ```text
//! cargo build --release -p aios-tracing-benches --bin span_loop
//! perf record -g target/release/span_loop trace 2000000
//! ```
//!
//! Kinds: `trace` (`#[trace]` with two attributes), `nested` (a `#[trace]`
//! fn calling another: two spans per iteration), `guard`, `imperative`,
//! `sdk` (the SDK's own span, from `TracingSdk::tracer`), and `floor`: what
//! any span kept in an OpenTelemetry `Context` pays before recording
//! anything (a span that does nothing, put in a context, attached,
//! detached, dropped; with `unsampled`, a context carrying fresh ids and no
//! span, which is what an unsampled root that keeps its ids must pay);
//! add `unsampled` as a third argument for ratio 0, and `child` as a
//! fourth to make every span a child of a root span (one root per 1024).

use aios_tracing::{trace, Span, TracingSdk};
use std::time::Instant;

#[trace(attrs = { "a" = 1, "b" = "x" })]
fn op() {}

#[trace(attrs = { "a" = 1, "b" = "x" })]
fn parent_op() {
    op();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "trace".into());
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let ratio = if args.next().as_deref() == Some("unsampled") {
        0.0
    } else {
        1.0
    };
    let children = args.next().as_deref() == Some("child");
    let sdk = TracingSdk::builder("span-loop")
        .environment(std::iter::empty::<(String, String)>())
        .enable_otlp_exporter(false)
        .enable_logging_correlation(false)
        .sampling_ratio(ratio)
        .init()
        .expect("sdk");
    let tracer = sdk.tracer();
    let start = Instant::now();
    let mut root = None;
    for i in 0..n {
        if children && i % 1024 == 0 {
            drop(root.take());
            root = Some(Span::builder("root").entered());
        }
        match kind.as_str() {
            "guard" => drop(
                Span::builder("op")
                    .attribute("a", 1)
                    .attribute("b", "x")
                    .entered(),
            ),
            "floor" if ratio < 1.0 => unsampled_floor(),
            "floor" => floor(),
            "sdk" => {
                use opentelemetry::trace::{Span as _, Tracer as _};
                let mut span = tracer
                    .span_builder("op")
                    .with_attributes([
                        opentelemetry::KeyValue::new("a", 1),
                        opentelemetry::KeyValue::new("b", "x"),
                    ])
                    .start(&tracer);
                span.end();
            }
            "imperative" => Span::builder("op")
                .attribute("a", 1)
                .attribute("b", "x")
                .start()
                .end(),
            "nested" => parent_op(),
            _ => op(),
        }
    }
    drop(root);
    let elapsed = start.elapsed();
    sdk.shutdown().ok();
    let stats = sdk.stats();
    println!(
        "{kind}: {:.0} ns/span over {n} spans; ended {}, exported {}, dropped {}",
        elapsed.as_nanos() as f64 / n as f64,
        stats.ended,
        stats.exported,
        stats.dropped
    );
}

/// A span that records nothing: its cost in a context is the floor.
#[derive(Debug)]
struct Nothing(opentelemetry::trace::SpanContext);

impl opentelemetry::trace::Span for Nothing {
    fn add_event_with_timestamp<T>(
        &mut self,
        _: T,
        _: std::time::SystemTime,
        _: Vec<opentelemetry::KeyValue>,
    ) where
        T: Into<std::borrow::Cow<'static, str>>,
    {
    }
    fn span_context(&self) -> &opentelemetry::trace::SpanContext {
        &self.0
    }
    fn is_recording(&self) -> bool {
        true
    }
    fn set_attribute(&mut self, _: opentelemetry::KeyValue) {}
    fn set_status(&mut self, _: opentelemetry::trace::Status) {}
    fn update_name<T>(&mut self, _: T)
    where
        T: Into<std::borrow::Cow<'static, str>>,
    {
    }
    fn add_link(&mut self, _: opentelemetry::trace::SpanContext, _: Vec<opentelemetry::KeyValue>) {}
    fn end_with_timestamp(&mut self, _: std::time::SystemTime) {}
}

fn floor() {
    use opentelemetry::trace::TraceContextExt as _;
    let cx = opentelemetry::Context::current_with_span(Nothing(
        opentelemetry::trace::SpanContext::empty_context(),
    ));
    let _attached = cx.clone().attach();
    // No clock read: the floor is the context alone.
    cx.span().end_with_timestamp(std::time::UNIX_EPOCH);
}

/// What any unsampled root pays that keeps its ids, as OpenTelemetry has
/// it: fresh ids in a context of their own, attached, then dropped.
fn unsampled_floor() {
    use opentelemetry::trace::TraceContextExt as _;
    use opentelemetry_sdk::trace::IdGenerator as _;
    let ids = opentelemetry_sdk::trace::RandomIdGenerator::default();
    let sc = opentelemetry::trace::SpanContext::new(
        ids.new_trace_id(),
        ids.new_span_id(),
        opentelemetry::trace::TraceFlags::default(),
        false,
        opentelemetry::trace::TraceState::NONE,
    );
    let _attached =
        opentelemetry::Context::map_current(|cx| cx.with_remote_span_context(sc)).attach();
}
