//! `tracing` spans and our spans share one trace tree, in both directions,
//! and log lines (from `tracing` and from `log`) carry the ids of the span
//! they were written in.

mod common;

use aios_tracing::bridge::{self, Instrumentations};
use aios_tracing::{logging, Protocol, Span};
use aios_tracing_tests::{SpansExt, StatusCode};
use common::Fixture;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn with_subscriber<R>(buffer: &Buffer, f: impl FnOnce() -> R) -> R {
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::registry()
        .with(bridge::layer(
            Instrumentations::new()
                .target("bridge", true)
                .target("lib", true),
        ))
        .with(logging::layer_with_writer(move || writer.clone()));
    tracing::subscriber::with_default(subscriber, f)
}

#[test]
fn tracing_spans_nest_both_ways_with_our_spans() {
    let fx = Fixture::start(Protocol::Grpc);
    let buffer = Buffer::default();
    with_subscriber(&buffer, || {
        let _outer = Span::builder("ours-outer").entered();
        tracing::info_span!(target: "lib", "library-span", rows = 3).in_scope(|| {
            tracing::info!(target: "lib", "library event");
            let _inner = Span::builder("ours-inner").entered();
            tracing::info_span!(target: "lib", "library-leaf").in_scope(|| {});
        });
        // Not bridged: an unswitched target.
        tracing::info_span!(target: "noisy", "ignored").in_scope(|| {});
    });
    let spans = fx.shutdown_and_wait(4);
    assert_eq!(spans.len(), 4, "{:?}", spans.names());
    let outer = spans.one("ours-outer");
    let library = spans.one("library-span");
    let inner = spans.one("ours-inner");
    let leaf = spans.one("library-leaf");
    assert_eq!(
        library.parent_span_id.as_deref(),
        Some(outer.span_id.as_str())
    );
    assert_eq!(
        inner.parent_span_id.as_deref(),
        Some(library.span_id.as_str())
    );
    assert_eq!(leaf.parent_span_id.as_deref(), Some(inner.span_id.as_str()));
    assert_eq!(library.attr("rows").and_then(|v| v.as_i64()), Some(3));
    assert!(library.event("library event").is_some());
    assert_eq!(library.scope_name, "lib");
}

#[test]
fn log_lines_carry_the_exported_span_ids_for_tracing_and_log_records() {
    let fx = Fixture::start(Protocol::Grpc);
    logging::bridge_log();
    let buffer = Buffer::default();
    with_subscriber(&buffer, || {
        tracing::info!(target: "mylogger", "before any span");
        {
            let _span = Span::builder("logged").entered();
            tracing::info!(target: "mylogger", "from tracing");
            log::warn!(target: "mylogger", "from log");
        }
        tracing::info!(target: "mylogger", "after the span");
    });
    let spans = fx.shutdown_and_wait(1);
    let logged = spans.one("logged");
    let ids = format!("[trace={} span={}]", logged.trace_id, logged.span_id);
    let lines = buffer.lines();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let line = |needle: &str| lines.iter().find(|l| l.contains(needle)).cloned().unwrap();
    for inside in ["from tracing", "from log"] {
        let text = line(inside);
        assert!(text.contains(&ids), "{text}");
        assert!(text.contains("mylogger: "), "{text}");
    }
    assert!(line("from log").contains(" WARN "));
    for outside in ["before any span", "after the span"] {
        let text = line(outside);
        assert!(!text.contains("[trace="), "stale ids in {text}");
    }
    // `2025-09-08 10:00:00 INFO [trace=… span=…] mylogger: message`
    let text = line("from tracing");
    let (date, rest) = text.split_at(19);
    assert!(
        date.chars().filter(|c| c.is_ascii_digit()).count() == 14,
        "{text}"
    );
    assert!(rest.starts_with(" INFO [trace="), "{text}");
}

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card refused")
    }
}

impl std::error::Error for Refused {}

/// The fields `tracing-opentelemetry` users write shape the bridged span:
/// its name, kind and status; an `error` field is an exception event.
/// None of them is left as an attribute.
#[test]
fn otel_fields_name_kind_and_fail_the_bridged_span() {
    let fx = Fixture::start(Protocol::Grpc);
    with_subscriber(&Buffer::default(), || {
        let span = tracing::info_span!(
            target: "lib",
            "handler",
            otel.name = "GET /orders/{id}",
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            otel.status_description = tracing::field::Empty,
            rows = 1,
        );
        span.in_scope(|| {});
        span.record("otel.status_code", "error");
        span.record("otel.status_description", "the order store is down");
        drop(span);
        let error: &(dyn std::error::Error + 'static) = &Refused;
        tracing::info_span!(target: "lib", "charge", otel.kind = "client", error).in_scope(|| {});
    });
    let spans = fx.shutdown_and_wait(2);
    let handler = spans.one("GET /orders/{id}");
    assert_eq!(handler.kind_name(), "server");
    assert_eq!(handler.status.code, StatusCode::Error);
    assert_eq!(handler.status.message, "the order store is down");
    assert!(handler.attr("rows").is_some());
    assert!(handler
        .attributes
        .iter()
        .all(|(k, _)| !k.starts_with("otel.")));
    let charge = spans.one("charge");
    assert_eq!(charge.kind_name(), "client");
    assert_eq!(charge.status.code, StatusCode::Error);
    let exception = charge
        .events
        .iter()
        .find(|e| e.name == "exception")
        .expect("exception event");
    assert_eq!(
        exception.attr("exception.message").and_then(|v| v.as_str()),
        Some("card refused")
    );
    assert!(charge.attr("error").is_none());
}
