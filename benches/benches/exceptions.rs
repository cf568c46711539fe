//! What recording an error costs the application thread, for a sampled
//! span: `record_exception` (type, message, and a backtrace when the
//! environment asks for one) and `#[trace]`'s `Err` recording. Run it
//! twice, to compare:
//!
//! ```text
//! cargo bench -p aios-tracing-benches --bench exceptions
//! RUST_LIB_BACKTRACE=1 cargo bench -p aios-tracing-benches --bench exceptions
//! ```
//!
//! (std reads the variable once per process.) Each iteration is a span
//! with one recorded error, so the span's own cost is in it too: the
//! `no_error` case is that cost alone.

use aios_tracing::{trace, Span, TracingSdk};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

#[trace]
fn failing(input: &str) -> Result<u8, std::num::ParseIntError> {
    input.parse()
}

fn bench(c: &mut Criterion) {
    let sdk = TracingSdk::builder("bench")
        .environment(std::iter::empty::<(String, String)>())
        .enable_otlp_exporter(false)
        .enable_logging_correlation(false)
        .init()
        .expect("init");
    let backtraces = std::env::var("RUST_LIB_BACKTRACE")
        .or_else(|_| std::env::var("RUST_BACKTRACE"))
        .map_or("off".to_owned(), |v| {
            format!("RUST_LIB_BACKTRACE/RUST_BACKTRACE={v}")
        });
    let mut group = c.benchmark_group(format!("exceptions ({backtraces})"));
    let error = "x".parse::<u8>().unwrap_err();
    group.bench_function("no_error", |b| {
        b.iter(|| Span::builder("op").start().end());
    });
    group.bench_function("record_exception", |b| {
        b.iter(|| {
            let span = Span::builder("op").start();
            span.record_exception(black_box(&error));
            span.end();
        });
    });
    group.bench_function("trace_err", |b| {
        b.iter(|| black_box(failing(black_box("x"))));
    });
    // What formatting a captured trace costs: the application thread paid
    // this too before traces were formatted on the export thread.
    group.bench_function("format_backtrace", |b| {
        b.iter(|| black_box(std::backtrace::Backtrace::capture().to_string()));
    });
    group.finish();
    drop(sdk);
}

criterion_group!(benches, bench);
criterion_main!(benches);
