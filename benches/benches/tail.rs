//! Keeping failed and slow traces (tail sampling): what it costs the
//! application thread, side by side in one run:
//!
//! ```text
//! cargo bench -p aios-tracing-benches --bench tail -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! One iteration is one request of 4 spans: a `#[trace]` root (`handle`)
//! calling three `#[trace]` children (`load`, `price`, `check_stock`); the
//! last returns `Err` in a fraction of requests (1 % by default, spread
//! evenly; `TAIL_BENCH_FAILING=0.05` for 5 %), which sets its status to
//! ERROR. Three SDKs, one after the other, in the criterion group `tail`:
//!
//! * `ratio_0.01`: `sampling_ratio(0.01)`, head sampling only;
//! * `ratio_0.01_keep_failed`: the same plus `keep_failed_traces(true)`:
//!   every span of every request is recorded and held on the export
//!   thread until its root ends, then exported if a span failed, else let
//!   go (`sampled_out`);
//! * `ratio_1.0`: everything sampled, for reference.
//!
//! The SDKs are built as the `spans` bench builds its `aios_*` ones
//! (`enable_otlp_exporter(false)`): the whole pipeline runs (thread rings,
//! queue, export thread, tail stage) and batches are counted as exported
//! without being sent. After each bench the pipeline is flushed and its
//! counters printed (nothing dropped = the export thread kept up); a
//! summary table with criterion's medians and the ratios to `ratio_0.01`
//! closes the run.
//!
//! Before the criterion group, three passes outside criterion (skipped
//! with `TAIL_BENCH_PASSES=0`, to profile the group alone):
//!
//! * **counting**: 100 000 requests through each SDK, exporting real
//!   OTLP/gRPC to the counting receiver in this process
//!   (`benches/src/sink.rs`); each request notes whether its root was
//!   head-sampled, and with tail mode on the trees kept must equal the
//!   failing requests that were not (and the receiver must get exactly
//!   what the SDK says it exported);
//! * **held bytes**: with `sampling_ratio(0.0)`, `keep_failed_traces(true)`
//!   and `tail_max_held_bytes(1 GiB)`, 10 000 roots each with 3 ended
//!   children and the root still open, then `force_flush`: held spans stay
//!   charged to the queue, so `stats().queued_bytes / 10 000` is what the
//!   tail stage charges per held tree (the pipeline's size estimate; its
//!   own maps and the open roots are not in it: RSS growth is printed
//!   next to it);
//! * **CPU**: 1 000 000 requests through each SDK as the criterion group
//!   builds it, with the wall time, the application thread's CPU time and
//!   the export thread's (10 ms ticks) per request: the gap between the
//!   first two is time the application thread spent off its CPU.

use aios_tracing::{trace, Span, TracingSdk};
use aios_tracing_benches::criterion_results::{median_ns, output_directory};
use aios_tracing_benches::proc_stats;
use aios_tracing_benches::sink::Sink;
use criterion::Criterion;
use std::cell::Cell;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// Spans per request: the root and its three children.
const SPANS_PER_REQUEST: u64 = 4;
/// Requests of the counting pass, per SDK.
const COUNTING_REQUESTS: u64 = 100_000;
/// Open trees of the held-bytes pass.
const HELD_TREES: usize = 10_000;
/// The head sampling ratio of the two tail-sampling-relevant cases.
const RATIO: f64 = 0.01;

// --------------------------------------------------------------------------
// The request

#[derive(Debug)]
struct OutOfStock;

impl std::fmt::Display for OutOfStock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of stock")
    }
}

impl std::error::Error for OutOfStock {}

#[trace]
fn load(id: u64) -> u64 {
    black_box(id)
}

#[trace]
fn price(row: u64) -> u64 {
    black_box(row.wrapping_mul(100))
}

#[trace]
fn check_stock(price: u64, fail: bool) -> Result<u64, OutOfStock> {
    if black_box(fail) {
        Err(OutOfStock)
    } else {
        Ok(price)
    }
}

/// One request: a root span and three children, the last failing when
/// `fail`. With `head_sampled`, notes whether the root was head-sampled.
#[trace]
fn handle(id: u64, fail: bool, head_sampled: Option<&mut bool>) -> u16 {
    if let Some(out) = head_sampled {
        *out = Span::current().span_context().is_sampled();
    }
    let row = load(id);
    let price = price(row);
    match check_stock(price, fail) {
        Ok(_) => 200,
        Err(_) => 500,
    }
}

/// Which requests fail: `ppm` in a million, spread evenly (the first
/// failing one is the `1e6 / ppm`-th).
#[derive(Debug, Clone, Copy)]
struct Failing {
    ppm: u64,
    acc: u64,
}

impl Failing {
    fn new(fraction: f64) -> Self {
        Failing {
            ppm: (fraction.clamp(0.0, 1.0) * 1e6).round() as u64,
            acc: 0,
        }
    }

    fn next(&mut self) -> bool {
        self.acc += self.ppm;
        if self.acc >= 1_000_000 {
            self.acc -= 1_000_000;
            true
        } else {
            false
        }
    }
}

fn failing_fraction() -> f64 {
    std::env::var("TAIL_BENCH_FAILING")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|f| (0.0..=1.0).contains(f))
        .unwrap_or(0.01)
}

// --------------------------------------------------------------------------
// The SDKs

#[derive(Debug, Clone, Copy)]
struct Case {
    bench: &'static str,
    ratio: f64,
    keep_failed: bool,
}

const CASES: [Case; 3] = [
    Case {
        bench: "ratio_0.01",
        ratio: RATIO,
        keep_failed: false,
    },
    Case {
        bench: "ratio_0.01_keep_failed",
        ratio: RATIO,
        keep_failed: true,
    },
    Case {
        bench: "ratio_1.0",
        ratio: 1.0,
        keep_failed: false,
    },
];

fn builder(case: Case) -> aios_tracing::TracingSdkBuilder {
    let builder = TracingSdk::builder("bench")
        .environment(std::iter::empty::<(String, String)>())
        .enable_logging_correlation(false)
        .sampling_ratio(case.ratio);
    if case.keep_failed {
        builder.keep_failed_traces(true)
    } else {
        builder
    }
}

/// As the `spans` bench's `aios_*` SDKs: the pipeline runs, batches are
/// counted as exported and not sent.
fn counting_sdk(case: Case) -> TracingSdk {
    builder(case)
        .enable_otlp_exporter(false)
        .init()
        .expect("aios-tracing init")
}

fn otlp_sdk(case: Case, sink: &Sink) -> TracingSdk {
    builder(case)
        .otlp_endpoint(sink.grpc_endpoint())
        .shutdown_timeout(Duration::from_secs(60))
        .init()
        .expect("aios-tracing init")
}

// --------------------------------------------------------------------------
// Counting pass

/// What one counting pass saw.
#[derive(Debug, Clone, Copy)]
struct Counted {
    requests: u64,
    failing: u64,
    head_sampled: u64,
    failing_not_head_sampled: u64,
    ns_per_request: f64,
    ended: u64,
    exported: u64,
    dropped: u64,
    sampled_out: u64,
    tail_trees_kept: u64,
    decided_early: u64,
    received: u64,
}

fn counting_pass(case: Case, fraction: f64, sink: &Sink) -> Counted {
    let sdk = otlp_sdk(case, sink);
    let received_before = sink.spans();
    let mut failing = Failing::new(fraction);
    let (mut n_failing, mut n_head, mut n_failing_unsampled) = (0, 0, 0);
    let start = Instant::now();
    for id in 0..COUNTING_REQUESTS {
        let fail = failing.next();
        let mut sampled = false;
        black_box(handle(id, fail, Some(&mut sampled)));
        n_failing += u64::from(fail);
        n_head += u64::from(sampled);
        n_failing_unsampled += u64::from(fail && !sampled);
    }
    let elapsed = start.elapsed();
    let _ = sdk.force_flush();
    let stats = sdk.stats();
    sdk.shutdown().ok();
    Counted {
        requests: COUNTING_REQUESTS,
        failing: n_failing,
        head_sampled: n_head,
        failing_not_head_sampled: n_failing_unsampled,
        ns_per_request: elapsed.as_nanos() as f64 / COUNTING_REQUESTS as f64,
        ended: stats.ended,
        exported: stats.exported,
        dropped: stats.dropped,
        sampled_out: stats.sampled_out,
        tail_trees_kept: stats.tail_trees_kept,
        decided_early: stats.tail_trees_decided_early,
        received: sink.spans() - received_before,
    }
}

fn counting(fraction: f64) -> Vec<(Case, Counted)> {
    let sink = Sink::start(1).expect("start OTLP receiver");
    let results: Vec<_> = CASES
        .iter()
        .map(|&case| (case, counting_pass(case, fraction, &sink)))
        .collect();
    println!();
    println!(
        "Counting pass: {COUNTING_REQUESTS} requests per SDK ({} spans each, {:.2} % failing), real OTLP/gRPC to the in-process counting receiver",
        SPANS_PER_REQUEST,
        fraction * 100.0
    );
    println!();
    println!("| case | requests | failing | head-sampled | failing, not head-sampled | tail_trees_kept | decided early | ended | exported | received | dropped | sampled_out | ns/request (one pass) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (case, c) in &results {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            case.bench,
            c.requests,
            c.failing,
            c.head_sampled,
            c.failing_not_head_sampled,
            c.tail_trees_kept,
            c.decided_early,
            c.ended,
            c.exported,
            c.received,
            c.dropped,
            c.sampled_out,
            c.ns_per_request,
        );
    }
    println!();
    for (case, c) in &results {
        let kept = if case.keep_failed {
            c.tail_trees_kept
        } else {
            0
        };
        let mut checks = vec![
            (
                "nothing dropped",
                c.dropped == 0,
                format!("dropped {}", c.dropped),
            ),
            (
                "receiver got what was exported",
                c.received == c.exported,
                format!("received {}, exported {}", c.received, c.exported),
            ),
            (
                "exported = 4 × (head-sampled + kept)",
                c.exported == SPANS_PER_REQUEST * (c.head_sampled + kept),
                format!(
                    "{} vs {}",
                    c.exported,
                    SPANS_PER_REQUEST * (c.head_sampled + kept)
                ),
            ),
        ];
        if case.keep_failed {
            checks.push((
                "tail_trees_kept = failing requests not head-sampled",
                c.tail_trees_kept == c.failing_not_head_sampled,
                format!("{} vs {}", c.tail_trees_kept, c.failing_not_head_sampled),
            ));
            checks.push((
                "sampled_out = 4 × the other unsampled requests",
                c.sampled_out
                    == SPANS_PER_REQUEST * (c.requests - c.head_sampled - c.tail_trees_kept),
                format!(
                    "{} vs {}",
                    c.sampled_out,
                    SPANS_PER_REQUEST * (c.requests - c.head_sampled - c.tail_trees_kept)
                ),
            ));
            checks.push((
                "ended = every span of every request",
                c.ended == SPANS_PER_REQUEST * c.requests,
                format!("{} vs {}", c.ended, SPANS_PER_REQUEST * c.requests),
            ));
        }
        for (what, ok, detail) in checks {
            println!(
                "    {} {}: {what} ({detail})",
                if ok { "ok      " } else { "MISMATCH" },
                case.bench
            );
        }
    }
    results
}

// --------------------------------------------------------------------------
// CPU pass

/// Requests of the CPU pass, per SDK.
const CPU_REQUESTS: u64 = 1_000_000;

/// The thread id of the (one running) SDK's export thread.
fn export_thread() -> Option<u32> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    tasks.flatten().find_map(|task| {
        let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
        // `aios-tracing-export`, cut to 15 bytes by the kernel.
        comm.starts_with("aios-tracing-ex")
            .then(|| task.file_name().to_str()?.parse().ok())
            .flatten()
    })
}

/// User + system CPU time of thread `tid` of this process, at clock-tick
/// (10 ms) resolution. (`/proc/<tid>/stat` would be the whole process's.)
fn thread_cpu_of(tid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // After the parenthesised name: state is field 3, utime and stime 14 and 15.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Voluntary and involuntary context switches of the calling thread.
fn context_switches() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].trim().parse().ok()
    };
    Some((
        field("voluntary_ctxt_switches:")?,
        field("nonvoluntary_ctxt_switches:")?,
    ))
}

/// Application-thread and export-thread CPU per request, each SDK as the
/// criterion group builds it (nothing sent).
fn cpu(fraction: f64) {
    println!();
    println!(
        "CPU pass: {CPU_REQUESTS} requests per SDK, pipeline without a sink (as the criterion group); the application thread's CPU (CLOCK_THREAD_CPUTIME_ID) and the export thread's (/proc, 10 ms ticks), up to the end of a flush"
    );
    println!();
    println!("| case | wall ns/request | application thread CPU ns/request | export thread CPU ns/request | app thread context switches per 1000 requests (voluntary / involuntary) | flush after the loop (ms) | dropped |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for case in CASES {
        let sdk = counting_sdk(case);
        let _ = sdk.force_flush();
        let tid = export_thread();
        let export_before = tid.and_then(thread_cpu_of);
        let before = sdk.stats();
        let mut failing = Failing::new(fraction);
        let switches_before = context_switches();
        let app_before = proc_stats::thread_cpu();
        let start = Instant::now();
        for id in 0..CPU_REQUESTS {
            black_box(handle(black_box(id), failing.next(), None));
        }
        let wall = start.elapsed();
        let app_after = proc_stats::thread_cpu();
        let switches_after = context_switches();
        let flush_start = Instant::now();
        let _ = sdk.force_flush();
        let flush = flush_start.elapsed();
        let export_after = tid.and_then(thread_cpu_of);
        let after = sdk.stats();
        sdk.shutdown().ok();
        let per_request = |d: Duration| format!("{:.0}", d.as_nanos() as f64 / CPU_REQUESTS as f64);
        let app = match (app_before, app_after) {
            (Some(a), Some(b)) => per_request(b - a),
            _ => "–".to_owned(),
        };
        let export = match (export_before, export_after) {
            (Some(a), Some(b)) => per_request(b - a),
            _ => "–".to_owned(),
        };
        let switches = match (switches_before, switches_after) {
            (Some((v0, i0)), Some((v1, i1))) => {
                let per_1000 = |n: u64| n as f64 * 1000.0 / CPU_REQUESTS as f64;
                format!("{:.2} / {:.2}", per_1000(v1 - v0), per_1000(i1 - i0))
            }
            _ => "–".to_owned(),
        };
        println!(
            "| {} | {} | {app} | {export} | {switches} | {:.1} | {} |",
            case.bench,
            per_request(wall),
            flush.as_secs_f64() * 1000.0,
            after.dropped - before.dropped,
        );
    }
}

// --------------------------------------------------------------------------
// Held-bytes pass

fn held_bytes() {
    let sdk = TracingSdk::builder("bench")
        .environment(std::iter::empty::<(String, String)>())
        .enable_otlp_exporter(false)
        .enable_logging_correlation(false)
        .sampling_ratio(0.0)
        .keep_failed_traces(true)
        .tail_max_held_bytes(1 << 30)
        .init()
        .expect("aios-tracing init");
    let _ = sdk.force_flush();
    let before = sdk.stats();
    let rss_before = proc_stats::rss_kib().unwrap_or(0);
    let roots: Vec<Span> = (0..HELD_TREES as u64)
        .map(|id| {
            let root = Span::builder("handle").root().start();
            {
                let _current = root.enter();
                let row = load(id);
                let price = price(row);
                let _ = black_box(check_stock(price, false));
            }
            root
        })
        .collect();
    let _ = sdk.force_flush();
    let held = sdk.stats();
    let rss_held = proc_stats::rss_kib().unwrap_or(0);
    for root in &roots {
        root.end();
    }
    drop(roots);
    let _ = sdk.force_flush();
    let after = sdk.stats();
    sdk.shutdown().ok();

    let n = HELD_TREES as f64;
    let queued = held.queued - before.queued;
    let bytes = held.queued_bytes - before.queued_bytes;
    println!();
    println!(
        "Held-bytes pass: {HELD_TREES} roots (ratio 0, keep_failed_traces, tail_max_held_bytes 1 GiB), each with 3 ended children, root open, after force_flush:"
    );
    println!(
        "    held (queued) spans {queued} (expected {}), queued_bytes {bytes} → {:.0} bytes per held tree, {:.0} bytes per held span",
        3 * HELD_TREES,
        bytes as f64 / n,
        bytes as f64 / queued.max(1) as f64,
    );
    println!(
        "    RSS grew by {} KiB while they were open → {:.0} bytes per open tree (held spans, the tail stage's maps, the open roots and their handles; allocator reuse makes this approximate)",
        rss_held.saturating_sub(rss_before),
        rss_held.saturating_sub(rss_before) as f64 * 1024.0 / n,
    );
    println!(
        "    after the roots ended: queued {} (bytes {}), sampled_out {}, tail_trees_kept {}, decided early {}",
        after.queued,
        after.queued_bytes,
        after.sampled_out - before.sampled_out,
        after.tail_trees_kept - before.tail_trees_kept,
        after.tail_trees_decided_early - before.tail_trees_decided_early,
    );
}

// --------------------------------------------------------------------------
// Criterion group

/// One timed bench's outcome.
#[derive(Debug, Clone, Copy)]
struct Row {
    case: Case,
    requests: u64,
    ended: u64,
    exported: u64,
    dropped: u64,
    sampled_out: u64,
    tail_trees_kept: u64,
}

const GROUP: &str = "tail";

fn timed(criterion: &mut Criterion, fraction: f64) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut group = criterion.benchmark_group(GROUP);
    for case in CASES {
        let sdk = counting_sdk(case);
        let _ = sdk.force_flush();
        let before = sdk.stats();
        let requests = Cell::new(0_u64);
        let failing = Cell::new(Failing::new(fraction));
        group.bench_function(case.bench, |b| {
            b.iter_custom(|iters| {
                let mut f = failing.get();
                let first = requests.get();
                let start = Instant::now();
                for id in first..first + iters {
                    black_box(handle(black_box(id), f.next(), None));
                }
                let elapsed = start.elapsed();
                failing.set(f);
                requests.set(first + iters);
                elapsed
            })
        });
        let _ = sdk.force_flush();
        let after = sdk.stats();
        sdk.shutdown().ok();
        let row = Row {
            case,
            requests: requests.get(),
            ended: after.ended - before.ended,
            exported: after.exported - before.exported,
            dropped: after.dropped - before.dropped,
            sampled_out: after.sampled_out - before.sampled_out,
            tail_trees_kept: after.tail_trees_kept - before.tail_trees_kept,
        };
        println!(
            "    {GROUP}/{}: requests {}, spans ended {}, exported {}, dropped {}, sampled_out {}, tail_trees_kept {}; RSS {:.0} MiB",
            case.bench,
            row.requests,
            row.ended,
            row.exported,
            row.dropped,
            row.sampled_out,
            row.tail_trees_kept,
            proc_stats::rss_kib().unwrap_or(0) as f64 / 1024.0,
        );
        rows.push(row);
    }
    group.finish();
    rows
}

fn summary(rows: &[Row], dir: &Path, fraction: f64) {
    let medians: Vec<Option<f64>> = rows
        .iter()
        .map(|r| median_ns(dir, GROUP, r.case.bench))
        .collect();
    let baseline = medians.first().copied().flatten();
    println!();
    println!(
        "Per request ({SPANS_PER_REQUEST} spans, {:.2} % failing), criterion's median:",
        fraction * 100.0
    );
    println!();
    println!("| case | median ns/request | ns/span | × ratio 0.01 | requests | spans ended | exported | dropped | sampled_out | tail_trees_kept |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (row, median) in rows.iter().zip(&medians) {
        let ratio = match (median, baseline) {
            (Some(m), Some(b)) if b > 0.0 => format!("{:.2}", m / b),
            _ => "–".to_owned(),
        };
        let per_span = median.map_or("–".to_owned(), |m| {
            format!("{:.0}", m / SPANS_PER_REQUEST as f64)
        });
        let median = median.map_or("–".to_owned(), |m| format!("{m:.0}"));
        println!(
            "| {} | {median} | {per_span} | {ratio} | {} | {} | {} | {} | {} | {} |",
            row.case.bench,
            row.requests,
            row.ended,
            row.exported,
            row.dropped,
            row.sampled_out,
            row.tail_trees_kept,
        );
    }
}

fn main() {
    let fraction = failing_fraction();
    let dir = output_directory();
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .output_directory(&dir)
        .configure_from_args();

    // `TAIL_BENCH_PASSES=0`: the criterion group only (to profile it).
    if std::env::var("TAIL_BENCH_PASSES").as_deref() != Ok("0") {
        held_bytes();
        counting(fraction);
        cpu(fraction);
    }
    let rows = timed(&mut criterion, fraction);

    criterion.final_summary();
    summary(&rows, &dir, fraction);
}
