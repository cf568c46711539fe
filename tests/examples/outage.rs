//! How long an outage the default settings survive without loss: spans
//! end at a steady rate (units of a root with two children, from three
//! threads) exported over gRPC with every export setting at its default;
//! after 2 s the collector stops, and the run measures how long until the
//! first span is dropped (or `max_export_wait` passes), then starts a
//! collector on the same port and checks that every span not dropped
//! arrives, exactly once in count.
//!
//! ```text
//! cargo run --release -p aios-tracing-tests --example outage -- SPANS_PER_SECOND
//! ```

use aios_tracing::{Protocol, Span, TracingSdk};
use aios_tracing_tests::{OtlpReceiver, Transport};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const THREADS: u64 = 3;
/// A root span with two children.
const SPANS_PER_UNIT: u64 = 3;

fn rss_mib() -> f64 {
    let kib: u64 = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    kib as f64 / 1024.0
}

fn produce(rate: u64, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    let units_per_thread = rate as f64 / (THREADS * SPANS_PER_UNIT) as f64;
    (0..THREADS)
        .map(|thread| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut units = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let due = (start.elapsed().as_secs_f64() * units_per_thread) as u64;
                    while units < due {
                        let root = Span::builder("GET /orders/{id}")
                            .attribute("http.route", "/orders/{id}")
                            .attribute("thread", thread as i64)
                            .entered();
                        for _ in 0..2 {
                            Span::builder("SELECT orders")
                                .attribute("db.system.name", "postgresql")
                                .start()
                                .end();
                        }
                        drop(root);
                        units += 1;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        })
        .collect()
}

fn main() {
    let rate: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("usage: outage SPANS_PER_SECOND");
    let mut rx = OtlpReceiver::builder(Transport::Grpc)
        .count_only()
        .start()
        .expect("receiver");
    let addr = rx.addr();
    let sdk = TracingSdk::builder("outage")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(Protocol::Grpc)
        .otlp_endpoint(rx.endpoint())
        .enable_logging_correlation(false)
        .init()
        .expect("sdk");
    let config = sdk.config().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let producers = produce(rate, Arc::clone(&stop));
    std::thread::sleep(Duration::from_secs(2));
    rx.stop();
    let down = Instant::now();
    let before = sdk.stats();
    let mut last_report = Instant::now();
    let survived = loop {
        std::thread::sleep(Duration::from_millis(100));
        let stats = sdk.stats();
        if stats.dropped > before.dropped {
            break down.elapsed();
        }
        if down.elapsed() > config.max_export_wait + Duration::from_secs(10) {
            break down.elapsed();
        }
        if last_report.elapsed() >= Duration::from_secs(10) {
            last_report = Instant::now();
            println!(
                "t={:>5.0?} queued {:>8} spans {:>6.1} MiB (peak {:>6.1} MiB) rss {:>6.1} MiB",
                down.elapsed(),
                stats.queued,
                stats.queued_bytes as f64 / 1048576.0,
                stats.peak_queued_bytes as f64 / 1048576.0,
                rss_mib()
            );
        }
    };
    let at_loss = sdk.stats();
    let rss = rss_mib();
    let second = OtlpReceiver::builder(Transport::Grpc)
        .count_only()
        .start_on(addr)
        .expect("restart");
    stop.store(true, Ordering::Relaxed);
    for producer in producers {
        producer.join().unwrap();
    }
    // The probe finds the collector back within one capped backoff.
    let waiting = Instant::now();
    while sdk.stats().queued > 0 && waiting.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let caught_up = waiting.elapsed();
    let _ = sdk.shutdown();
    let stats = sdk.stats();
    let received = (rx.span_count() + second.span_count()) as u64;
    let limit = if at_loss.dropped_queue_full > before.dropped_queue_full {
        if at_loss.queued as usize + 1024 >= config.max_queue_size {
            "max_queue_size"
        } else {
            "max_queue_bytes"
        }
    } else if at_loss.dropped > before.dropped {
        "max_export_wait"
    } else {
        "none reached"
    };
    println!(
        "{rate} spans/s: survived {survived:.1?} of outage without loss (limit: {limit}); \
         at that point {} spans queued in {:.1} MiB (peak {:.1} MiB), {:.0} bytes per span, rss {rss:.1} MiB",
        at_loss.queued,
        at_loss.queued_bytes as f64 / 1048576.0,
        at_loss.peak_queued_bytes as f64 / 1048576.0,
        at_loss.queued_bytes as f64 / at_loss.queued.max(1) as f64,
    );
    println!(
        "after restart: caught up in {caught_up:.1?}; ended {} received {received} dropped {} (queue full {})",
        stats.ended, stats.dropped, stats.dropped_queue_full
    );
    assert_eq!(
        stats.ended,
        received + stats.dropped,
        "ended = received + dropped"
    );
}
