//! Per-span cost of aios-tracing against its peers, in one process and one run:
//!
//! ```text
//! cargo bench -p aios-tracing-benches --bench spans -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! One span = start, 2 attributes (`a = 1`, `b = "x"`), end, into a batch
//! processor whose exporter discards (and counts):
//!
//! * `aios_*`: aios-tracing (guard and imperative runtime API, `#[trace]` on a
//!   sync fn and on an async fn run by a current-thread tokio runtime,
//!   `span!`) with `enable_otlp_exporter(false)`: its own
//!   pipeline (queue, batching, counters) runs, the batches are counted as
//!   exported and not sent. `aios_otlp_grpc_*` is the same with real OTLP/gRPC
//!   to a counting receiver in this process.
//! * `raw_sdk_*`: `opentelemetry_sdk` `SdkTracerProvider` with the default
//!   `BatchSpanProcessor` and a counting exporter. `span_current` also makes
//!   the span current while it runs (`mark_span_as_active`), as `#[trace]`
//!   and the guard do; `span` does not.
//! * `tracing_otel_*`: `tracing` `#[instrument]` + `tracing-opentelemetry`
//!   0.34 on the same kind of provider.
//! * `fastrace_*`: `fastrace` `#[trace]` child spans under a root span (one root
//!   per 1024 calls), with a counting reporter. Run last: its per-thread queue
//!   to the collector is unbounded, and when the collector falls behind the
//!   process grows by gigabytes; the spans still queued after `flush()` show
//!   as "missing".
//!
//! `*_child` cases (raw SDK `span_child`, aios `trace_sync_child` and
//! `guard_child`) make each span the child of a remote parent context,
//! attached the way an inbound request's is, sampled or not as the run: a
//! new parent every 1024 calls. Unsampled, that is the common case of a
//! service (one root decision per request, many spans under it); the plain
//! cases make every span a root, which decides afresh each time.
//!
//! Each case runs sampled (ratio 1.0) and unsampled (ratio 0.0). After every
//! bench the pipeline is flushed and the spans produced / exported / dropped
//! are printed, and a summary table (criterion's median) closes the run.

use aios_tracing::{Span as AiosSpan, TracingSdk};
use aios_tracing_benches::criterion_results::{median_ns, output_directory};
use aios_tracing_benches::proc_stats;
use aios_tracing_benches::sink::Sink;
use aios_tracing_benches::CountingExporter;
use criterion::{BenchmarkGroup, Criterion};
use opentelemetry::trace::{
    Span as _, SpanKind, TraceContextExt as _, TraceId, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{
    Sampler, SamplingResult, SdkTracer, SdkTracerProvider, ShouldSample,
};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing_subscriber::layer::SubscriberExt as _;

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// One bench's outcome, for the summary table.
#[derive(Debug, Clone)]
struct Row {
    group: String,
    bench: String,
    /// Which raw-SDK bench it is compared with.
    baseline: &'static str,
    spans_per_iter: u64,
    produced: u64,
    /// Spans that should reach the exporter (sampled ones).
    expected: u64,
    exported: u64,
    dropped: u64,
    /// Resident memory after the bench and its flush (MiB).
    rss_mib: f64,
}

/// Snapshot of an implementation's counters: (sampled spans ended, exported,
/// dropped); `None` where the implementation does not count it.
type Counts = (Option<u64>, u64, Option<u64>);

struct Runner {
    criterion: Criterion,
    rows: Vec<Row>,
}

impl Runner {
    /// Runs one bench: `routine(iters)` makes `iters` iterations of
    /// `spans_per_iter` spans each and returns the time taken; then `flush`
    /// runs and `counts` is read before and after.
    #[allow(clippy::too_many_arguments)]
    fn bench(
        &mut self,
        group_name: &str,
        bench: &str,
        baseline: &'static str,
        spans_per_iter: u64,
        sampled: bool,
        mut routine: impl FnMut(u64) -> Duration,
        flush: &dyn Fn(),
        counts: &dyn Fn() -> Counts,
    ) {
        let before = counts();
        let produced = Arc::new(AtomicU64::new(0));
        {
            let mut group: Group<'_> = self.criterion.benchmark_group(group_name);
            let produced = Arc::clone(&produced);
            group.bench_function(bench, |b| {
                b.iter_custom(|iters| {
                    produced.fetch_add(iters * spans_per_iter, Ordering::Relaxed);
                    routine(iters)
                })
            });
            group.finish();
        }
        flush();
        let rss_mib = proc_stats::rss_kib().unwrap_or(0) as f64 / 1024.0;
        let after = counts();
        let produced = produced.load(Ordering::Relaxed);
        let expected = if sampled { produced } else { 0 };
        let delta = |a: Option<u64>, b: Option<u64>| Some(a? - b?);
        let ended = delta(after.0, before.0);
        let exported = after.1 - before.1;
        // Implementations that count drops say so; for the others a drop is
        // a sampled span that never reached the exporter after the flush.
        let counted_drops = delta(after.2, before.2);
        let dropped = counted_drops.unwrap_or_else(|| expected.saturating_sub(exported));
        let mut note = String::new();
        if let Some(ended) = ended.filter(|&e| e != expected) {
            note += &format!(" (SDK ended {ended}, expected {expected})");
        }
        if counted_drops.is_some() && exported + dropped != expected {
            note += &format!(
                " (unaccounted: {})",
                expected as i64 - (exported + dropped) as i64
            );
        }
        println!(
            "    spans {group_name}/{bench}: produced {produced}, sampled {expected}, exported {exported}, {}{note}; RSS {rss_mib:.0} MiB",
            if counted_drops.is_some() {
                format!("dropped {dropped} (counted by the SDK)")
            } else {
                format!("missing {dropped} (sampled − exported after a flush)")
            },
        );
        self.rows.push(Row {
            group: group_name.to_owned(),
            bench: bench.to_owned(),
            baseline,
            spans_per_iter,
            produced,
            expected,
            exported,
            dropped,
            rss_mib,
        });
    }
}

/// Calls under one parent, for the `*_child` benches.
const CALLS_PER_PARENT: u64 = 1024;

/// Times `iters` calls of `f`, each the child of a remote parent context
/// (sampled or not, as the run): a new one every [`CALLS_PER_PARENT`]
/// calls, attached the way an inbound request's context is. A remote
/// parent produces no span of its own, so every implementation's counts
/// stay one span per call.
fn timed_under_parent(iters: u64, sampled: bool, mut f: impl FnMut()) -> Duration {
    use opentelemetry::trace::{SpanContext, TraceFlags, TraceState};
    use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
    let ids = RandomIdGenerator::default();
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let start = Instant::now();
    let mut left = iters;
    while left > 0 {
        let chunk = left.min(CALLS_PER_PARENT);
        let parent = SpanContext::new(
            ids.new_trace_id(),
            ids.new_span_id(),
            flags,
            true,
            TraceState::NONE,
        );
        let _attached = Context::new().with_remote_span_context(parent).attach();
        for _ in 0..chunk {
            f();
        }
        left -= chunk;
    }
    start.elapsed()
}

/// Times `iters` calls of `f`.
fn timed(iters: u64, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed()
}

// --------------------------------------------------------------------------
// aios-tracing

fn aios_sdk(ratio: f64) -> TracingSdk {
    TracingSdk::builder("bench")
        .environment(std::iter::empty::<(String, String)>())
        .enable_otlp_exporter(false)
        .enable_logging_correlation(false)
        .sampling_ratio(ratio)
        .init()
        .expect("aios-tracing init")
}

fn aios_guard() {
    let span = AiosSpan::builder("op")
        .attribute("a", 1_i64)
        .attribute("b", "x")
        .entered();
    black_box(&span);
}

fn aios_imperative() {
    let span = AiosSpan::builder("op")
        .attribute("a", 1_i64)
        .attribute("b", "x")
        .start();
    black_box(&span);
    span.end();
}

fn aios_nested() {
    let parent = AiosSpan::builder("parent")
        .attribute("a", 1_i64)
        .attribute("b", "x")
        .entered();
    {
        let child = AiosSpan::builder("child")
            .attribute("a", 1_i64)
            .attribute("b", "x")
            .entered();
        black_box(&child);
    }
    black_box(&parent);
}

#[aios_tracing::trace(attrs = { "a" = 1, "b" = "x" })]
fn aios_trace_sync() {
    black_box(());
}

#[aios_tracing::trace(attrs = { "a" = 1, "b" = "x" })]
async fn aios_trace_async() {
    black_box(());
}

#[aios_tracing::trace(attrs = { "a" = 1, "b" = "x" })]
fn aios_trace_parent() {
    aios_trace_sync();
}

fn aios_span_macro() {
    aios_tracing::span!("op", "a" = 1, "b" = "x", || {
        black_box(());
    });
}

fn bench_aios(runner: &mut Runner, sampled: bool) {
    let sdk = aios_sdk(if sampled { 1.0 } else { 0.0 });
    let group = format!("aios_{}", sampling(sampled));
    let flush = || {
        let _ = sdk.force_flush();
    };
    let counts = || {
        let s = sdk.stats();
        (Some(s.ended), s.exported, Some(s.dropped))
    };
    runner.bench(
        &group,
        "guard",
        "span",
        1,
        sampled,
        |n| timed(n, aios_guard),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "imperative",
        "span",
        1,
        sampled,
        |n| timed(n, aios_imperative),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "trace_sync",
        "span",
        1,
        sampled,
        |n| timed(n, aios_trace_sync),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "trace_sync_child",
        "span_child",
        1,
        sampled,
        |n| timed_under_parent(n, sampled, aios_trace_sync),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "guard_child",
        "span_child",
        1,
        sampled,
        |n| timed_under_parent(n, sampled, aios_guard),
        &flush,
        &counts,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runner.bench(
        &group,
        "trace_async",
        "span",
        1,
        sampled,
        |n| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    aios_trace_async().await;
                }
                start.elapsed()
            })
        },
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "span_macro",
        "span",
        1,
        sampled,
        |n| timed(n, aios_span_macro),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "nested_guard",
        "nested",
        2,
        sampled,
        |n| timed(n, aios_nested),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "nested_trace",
        "nested",
        2,
        sampled,
        |n| timed(n, aios_trace_parent),
        &flush,
        &counts,
    );
    sdk.shutdown().ok();
}

/// The guard API with the SDK exporting real OTLP/gRPC to a counting
/// receiver in this process (sampled only).
fn bench_aios_otlp(runner: &mut Runner) {
    let sink = Sink::start(1).expect("start OTLP receiver");
    let sdk = TracingSdk::builder("bench")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_endpoint(sink.grpc_endpoint())
        .enable_logging_correlation(false)
        .shutdown_timeout(Duration::from_secs(60))
        .init()
        .expect("aios-tracing init");
    let flush = || {
        let _ = sdk.force_flush();
    };
    let counts = || {
        let s = sdk.stats();
        (Some(s.ended), s.exported, Some(s.dropped))
    };
    let group = "aios_otlp_grpc_sampled";
    runner.bench(
        group,
        "guard",
        "span",
        1,
        true,
        |n| timed(n, aios_guard),
        &flush,
        &counts,
    );
    runner.bench(
        group,
        "nested_guard",
        "nested",
        2,
        true,
        |n| timed(n, aios_nested),
        &flush,
        &counts,
    );
    sdk.shutdown().ok();
    let stats = sdk.stats();
    println!(
        "    OTLP receiver got {} spans; SDK says exported {}, dropped {} ({} because the queue was full)",
        sink.spans(),
        stats.exported,
        stats.dropped,
        stats.dropped_queue_full
    );
}

// --------------------------------------------------------------------------
// raw opentelemetry_sdk

fn raw_provider(sampler: impl ShouldSample + 'static) -> (SdkTracerProvider, CountingExporter) {
    let exporter = CountingExporter::new();
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_batch_exporter(exporter.clone())
        .build();
    (provider, exporter)
}

fn ratio_sampler(ratio: f64) -> Sampler {
    Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio)))
}

fn raw_span(tracer: &SdkTracer) {
    let mut span = tracer
        .span_builder("op")
        .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
        .start(tracer);
    black_box(&span);
    span.end();
}

/// `raw_span` made current while it runs, as `#[trace]` and the guard make
/// theirs: the like-for-like hand-written OpenTelemetry for them.
fn raw_span_current(tracer: &SdkTracer) {
    let span = tracer
        .span_builder("op")
        .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
        .start(tracer);
    // The span ends when the context holding it is dropped, on detach.
    let active = opentelemetry::trace::mark_span_as_active(span);
    black_box(&active);
}

fn raw_nested(tracer: &SdkTracer) {
    let parent = tracer
        .span_builder("parent")
        .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
        .start(tracer);
    let cx = Context::current_with_span(parent);
    {
        let _attached = cx.clone().attach();
        let mut child = tracer
            .span_builder("child")
            .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
            .start(tracer);
        black_box(&child);
        child.end();
    }
    cx.span().end();
}

fn bench_raw(runner: &mut Runner, sampled: bool) {
    let (provider, exporter) = raw_provider(ratio_sampler(if sampled { 1.0 } else { 0.0 }));
    let tracer = provider.tracer("bench");
    let group = format!("raw_sdk_{}", sampling(sampled));
    let flush = || {
        let _ = provider.force_flush();
    };
    let counts = || (None, exporter.count(), None);
    runner.bench(
        &group,
        "span",
        "span",
        1,
        sampled,
        |n| timed(n, || raw_span(&tracer)),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "span_current",
        "span",
        1,
        sampled,
        |n| timed(n, || raw_span_current(&tracer)),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "span_child",
        "span_child",
        1,
        sampled,
        |n| timed_under_parent(n, sampled, || raw_span(&tracer)),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "nested",
        "nested",
        2,
        sampled,
        |n| timed(n, || raw_nested(&tracer)),
        &flush,
        &counts,
    );
    provider.shutdown().ok();
}

// --------------------------------------------------------------------------
// tracing + tracing-opentelemetry

/// A sampler switched between sampled and unsampled at run time, so one
/// global `tracing` subscriber serves both runs.
#[derive(Debug, Clone)]
struct SwitchSampler {
    on: Arc<AtomicBool>,
    sampled: Sampler,
    unsampled: Sampler,
}

impl ShouldSample for SwitchSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[opentelemetry::trace::Link],
    ) -> SamplingResult {
        let sampler = if self.on.load(Ordering::Relaxed) {
            &self.sampled
        } else {
            &self.unsampled
        };
        sampler.should_sample(parent_context, trace_id, name, span_kind, attributes, links)
    }
}

struct TracingOtel {
    provider: SdkTracerProvider,
    exporter: CountingExporter,
    sampled: Arc<AtomicBool>,
}

/// Installs the global `tracing` subscriber: registry + `OpenTelemetryLayer`
/// (default settings) on a provider with the default batch processor.
fn tracing_otel() -> TracingOtel {
    let sampled = Arc::new(AtomicBool::new(true));
    let (provider, exporter) = raw_provider(SwitchSampler {
        on: Arc::clone(&sampled),
        sampled: ratio_sampler(1.0),
        unsampled: ratio_sampler(0.0),
    });
    let layer = tracing_opentelemetry::OpenTelemetryLayer::new(provider.tracer("bench"));
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    TracingOtel {
        provider,
        exporter,
        sampled,
    }
}

#[tracing::instrument(fields(a = 1, b = "x"))]
fn tracing_work() {
    black_box(());
}

#[tracing::instrument(fields(a = 1, b = "x"))]
fn tracing_parent() {
    tracing_work();
}

fn bench_tracing(runner: &mut Runner, otel: &TracingOtel, sampled: bool) {
    otel.sampled.store(sampled, Ordering::Relaxed);
    let group = format!("tracing_otel_{}", sampling(sampled));
    let flush = || {
        let _ = otel.provider.force_flush();
    };
    let counts = || (None, otel.exporter.count(), None);
    runner.bench(
        &group,
        "instrument",
        "span",
        1,
        sampled,
        |n| timed(n, tracing_work),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "nested",
        "nested",
        2,
        sampled,
        |n| timed(n, tracing_parent),
        &flush,
        &counts,
    );
}

// --------------------------------------------------------------------------
// fastrace

#[derive(Debug)]
struct CountingReporter(Arc<AtomicU64>);

impl fastrace::collector::Reporter for CountingReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        self.0.fetch_add(spans.len() as u64, Ordering::AcqRel);
    }
}

#[fastrace::trace(properties = { "a": "1", "b": "x" })]
fn fastrace_work() {
    black_box(());
}

#[fastrace::trace(properties = { "a": "1", "b": "x" })]
fn fastrace_parent() {
    fastrace_work();
}

/// Child spans are collected under a root: one root per this many calls.
const FASTRACE_CALLS_PER_ROOT: u64 = 1024;

fn fastrace_run(iters: u64, sampled: bool, roots: &AtomicU64, f: fn()) -> Duration {
    let start = Instant::now();
    let mut left = iters;
    while left > 0 {
        let chunk = left.min(FASTRACE_CALLS_PER_ROOT);
        let context = fastrace::collector::SpanContext::random().sampled(sampled);
        let root = fastrace::Span::root("root", context);
        {
            let _parent = root.set_local_parent();
            for _ in 0..chunk {
                f();
            }
        }
        drop(root);
        roots.fetch_add(1, Ordering::Relaxed);
        left -= chunk;
    }
    start.elapsed()
}

fn bench_fastrace(runner: &mut Runner, reported: &Arc<AtomicU64>, sampled: bool) {
    let group = format!("fastrace_{}", sampling(sampled));
    let roots = Arc::new(AtomicU64::new(0));
    let flush = fastrace::flush;
    // Root spans are reported too: subtract them so the counts are per child span.
    let counts = || {
        let roots = roots.load(Ordering::Relaxed);
        let reported = reported.load(Ordering::Acquire);
        let children = if sampled {
            reported.saturating_sub(roots)
        } else {
            reported
        };
        (None, children, None)
    };
    runner.bench(
        &group,
        "trace",
        "span",
        1,
        sampled,
        |n| fastrace_run(n, sampled, &roots, fastrace_work),
        &flush,
        &counts,
    );
    runner.bench(
        &group,
        "nested",
        "nested",
        2,
        sampled,
        |n| fastrace_run(n, sampled, &roots, fastrace_parent),
        &flush,
        &counts,
    );
}

// --------------------------------------------------------------------------

fn sampling(sampled: bool) -> &'static str {
    if sampled {
        "sampled"
    } else {
        "unsampled"
    }
}

fn summary(rows: &[Row], dir: &std::path::Path) {
    let medians: Vec<Option<f64>> = rows
        .iter()
        .map(|r| median_ns(dir, &r.group, &r.bench))
        .collect();
    let baseline = |row: &Row| -> Option<f64> {
        let sampled = !row.group.ends_with("unsampled");
        rows.iter().zip(&medians).find_map(|(r, m)| {
            (r.group == format!("raw_sdk_{}", sampling(sampled)) && r.bench == row.baseline)
                .then_some(*m)
                .flatten()
        })
    };
    println!();
    println!("| group | bench | spans/iter | median ns/iter | × raw SDK | produced | sampled | exported | dropped or missing | RSS after |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (row, median) in rows.iter().zip(&medians) {
        let ratio = match (median, baseline(row)) {
            (Some(m), Some(b)) if b > 0.0 => format!("{:.2}", m / b),
            _ => "–".to_owned(),
        };
        let median = median.map_or("–".to_owned(), |m| format!("{m:.0}"));
        println!(
            "| {} | {} | {} | {median} | {ratio} | {} | {} | {} | {} | {:.0} MiB |",
            row.group,
            row.bench,
            row.spans_per_iter,
            row.produced,
            row.expected,
            row.exported,
            row.dropped,
            row.rss_mib
        );
    }
}

fn main() {
    let dir = output_directory();
    let criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .output_directory(&dir)
        .configure_from_args();
    let mut runner = Runner {
        criterion,
        rows: Vec::new(),
    };

    // The global `tracing` subscriber goes first, so aios-tracing's init
    // finds one and installs none of its own.
    let otel = tracing_otel();
    let fastrace_reported = Arc::new(AtomicU64::new(0));
    fastrace::set_reporter(
        CountingReporter(Arc::clone(&fastrace_reported)),
        fastrace::collector::Config::default(),
    );

    for sampled in [true, false] {
        bench_raw(&mut runner, sampled);
        bench_aios(&mut runner, sampled);
        bench_tracing(&mut runner, &otel, sampled);
    }
    bench_aios_otlp(&mut runner);
    // Last: when its collector falls behind, fastrace queues spans without
    // bound on the producing thread (gigabytes here), which would weigh on
    // every bench after it.
    for sampled in [true, false] {
        bench_fastrace(&mut runner, &fastrace_reported, sampled);
    }

    otel.provider.shutdown().ok();
    runner.criterion.final_summary();
    summary(&runner.rows, &dir);
}
