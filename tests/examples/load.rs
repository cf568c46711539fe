//! Sustained load: 4 threads × 250 000 spans (a root with nested children)
//! paced over ~30 s, exported over gRPC to an in-process receiver. Prints
//! memory once a second and checks produced = received + dropped.
//!
//! ```text
//! cargo run --release -p aios-tracing-tests --example load [-- SECONDS]
//! ```

use aios_tracing::{Protocol, Span, TracingSdk};
use aios_tracing_tests::{OtlpReceiver, Transport};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const THREADS: usize = 4;
const SPANS_PER_THREAD: usize = 250_000;
/// Each unit is a root span with two children, one of them nested.
const SPANS_PER_UNIT: usize = 4;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let rx = OtlpReceiver::builder(Transport::Grpc)
        .count_only()
        .start()
        .expect("receiver");
    let sdk = TracingSdk::builder("load")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(Protocol::Grpc)
        .otlp_endpoint(rx.endpoint())
        .enable_logging_correlation(false)
        .shutdown_timeout(Duration::from_secs(30))
        .init()
        .expect("sdk");
    let done = Arc::new(AtomicBool::new(false));
    let monitor = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs(1));
                samples.push(rss_kib());
                println!(
                    "t={:>3}s rss={:>7} KiB",
                    samples.len(),
                    samples.last().unwrap()
                );
            }
            samples
        })
    };
    let units = SPANS_PER_THREAD / SPANS_PER_UNIT;
    let pace = Duration::from_secs(seconds).as_nanos() as u64 / units as u64;
    let start = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                let begin = Instant::now();
                for i in 0..units {
                    let root = Span::builder("request")
                        .attribute("thread", t as i64)
                        .entered();
                    {
                        let _db = Span::builder("db.query")
                            .attribute("db.system.name", "postgresql")
                            .entered();
                        Span::builder("db.row").start().end();
                    }
                    Span::builder("render").start().end();
                    drop(root);
                    // Pace to spread the work over the run instead of one burst.
                    let due = begin + Duration::from_nanos(pace * (i as u64 + 1));
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let produced_in = start.elapsed();
    sdk.shutdown().expect("shutdown delivers everything");
    done.store(true, Ordering::Relaxed);
    let samples = monitor.join().unwrap();
    let stats = sdk.stats();
    let received = rx.span_count() as u64;
    println!(
        "produced {} spans in {:.1?}; received {received}, dropped {}; exported {}",
        stats.ended, produced_in, stats.dropped, stats.exported
    );
    let warm = samples.len().min(5);
    let after_warmup = &samples[warm..];
    if let (Some(min), Some(max)) = (after_warmup.iter().min(), after_warmup.iter().max()) {
        println!("rss after warm-up: min {min} KiB, max {max} KiB");
    }
    assert_eq!(stats.ended, (THREADS * units * SPANS_PER_UNIT) as u64);
    assert_eq!(
        stats.ended,
        received + stats.dropped,
        "produced = received + dropped"
    );
}
