//! Collector outages the queue can hold lose nothing. The receiver is
//! stopped and a new one started on the same port while spans keep
//! coming: every span arrives exactly once, what the queue could not hold
//! is dropped and counted exactly, the collector sees one request at a
//! time while it is down, and the backlog arrives oldest first.
//!
//! Timings: `cargo test --release -p aios-tracing-tests --test outage -- --nocapture --test-threads 1`.

mod common;

use aios_tracing::{Protocol, Span, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::{Fault, OtlpReceiver, ReceivedSpan};
use common::{transport, Setup};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const PROTOCOLS: [Protocol; 2] = [Protocol::Grpc, Protocol::HttpProtobuf];

/// Export requests in flight at once while the collector answers.
const CONCURRENT_EXPORTS: usize = 4;

/// A builder with every export setting at its default.
fn defaults(protocol: Protocol, endpoint: &str) -> TracingSdkBuilder {
    TracingSdk::builder("outage")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(protocol)
        .otlp_endpoint(endpoint)
}

/// Threads ending spans at a steady rate until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<u64>>,
}

impl Load {
    /// `rate` spans a second in all, from `threads` threads.
    fn start(rate: u64, threads: u64) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let per_thread = rate as f64 / threads as f64;
        let threads = (0..threads)
            .map(|thread| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let start = Instant::now();
                    let mut ended = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let due = (start.elapsed().as_secs_f64() * per_thread) as u64;
                        while ended < due {
                            Span::builder("request")
                                .attribute("load.thread", thread as i64)
                                .attribute("load.seq", ended as i64)
                                .start()
                                .end();
                            ended += 1;
                        }
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    ended
                })
            })
            .collect();
        Load { stop, threads }
    }

    /// Stops the threads; returns how many spans they ended.
    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.threads.into_iter().map(|t| t.join().unwrap()).sum()
    }
}

/// Ends `n` spans, numbered in `load.seq` in the order they end.
fn end_numbered(name: &'static str, n: usize) {
    for seq in 0..n {
        Span::builder(name)
            .attribute("load.seq", seq as i64)
            .start()
            .end();
    }
}

fn seq(span: &ReceivedSpan) -> i64 {
    span.attr("load.seq")
        .and_then(|v| v.as_i64())
        .expect("load.seq")
}

/// Waits up to `timeout` until `count()` reaches `n`; returns it.
fn wait_until(n: usize, timeout: Duration, count: impl Fn() -> usize) -> usize {
    let deadline = Instant::now() + timeout;
    while count() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    count()
}

/// Spans end at `rate` a second throughout; after a second the collector
/// is stopped for `outage`, then a new one listens on its port. Nothing
/// may be lost, nothing received twice.
fn ride_out(protocol: Protocol, outage: Duration, rate: u64) {
    let started = Instant::now();
    let mut fx = Setup::new(protocol).init_from(|rx| defaults(protocol, &rx.endpoint()));
    let addr = fx.rx().addr();
    let load = Load::start(rate, 3);
    std::thread::sleep(Duration::from_secs(1));
    fx.rx_mut().stop();
    std::thread::sleep(outage);
    let second = OtlpReceiver::start_on(transport(protocol), addr).unwrap();
    let restarted = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let ended = load.stop() as usize;
    let before = fx.rx().span_count();
    // The probe finds the collector back within one capped backoff.
    let received = wait_until(ended, Duration::from_secs(30), || {
        before + second.span_count()
    });
    let caught_up = restarted.elapsed();
    let shutdown = Instant::now();
    fx.shutdown();
    let shutdown = shutdown.elapsed();
    let stats = fx.sdk().stats();
    let spans: Vec<ReceivedSpan> = fx.rx().spans().into_iter().chain(second.spans()).collect();
    let unique: HashSet<_> = spans.iter().map(|s| s.span_id.clone()).collect();
    println!(
        "{protocol:<13} down {outage:>4.0?} at {rate:>5} spans/s: produced {ended:>6} received {received:>6} \
         dropped {} | caught up {caught_up:>6.2?} after the restart | peak queue {:>6} KiB | \
         shutdown {shutdown:>7.2?} | test {:.1?}",
        stats.dropped,
        stats.peak_queued_bytes / 1024,
        started.elapsed()
    );
    assert_eq!(stats.ended as usize, ended, "{stats:?}");
    assert_eq!(
        stats.dropped, 0,
        "{protocol}: an outage the queue holds loses nothing: {stats:?}"
    );
    assert_eq!(received, ended, "{protocol}: every span arrived");
    assert_eq!(
        unique.len(),
        spans.len(),
        "{protocol}: a span was received twice"
    );
    assert_eq!(stats.exported as usize, ended);
}

#[test]
fn down_8_s_with_the_default_export_timeout_loses_nothing() {
    for protocol in PROTOCOLS {
        ride_out(protocol, Duration::from_secs(8), 2_000);
    }
}

#[test]
fn down_30_s_at_5k_spans_a_second_with_default_settings_loses_nothing() {
    ride_out(Protocol::Grpc, Duration::from_secs(30), 5_000);
}

#[test]
fn an_outage_longer_than_a_small_queue_drops_exactly_what_did_not_fit() {
    const QUEUE: usize = 1_000;
    const SPANS: usize = 3_000;
    for protocol in PROTOCOLS {
        let mut fx = Setup::new(protocol).init_from(|rx| {
            defaults(protocol, &rx.endpoint())
                .max_queue_size(QUEUE)
                .scheduled_delay(Duration::from_millis(100))
        });
        let addr = fx.rx().addr();
        fx.rx_mut().stop();
        end_numbered("queued", SPANS);
        // The worker's timer takes what the thread's ring still holds.
        std::thread::sleep(Duration::from_millis(300));
        let during = fx.sdk().stats();
        assert_eq!(during.queued as usize, QUEUE, "{protocol}: {during:?}");
        let second = OtlpReceiver::start_on(transport(protocol), addr).unwrap();
        wait_until(QUEUE, Duration::from_secs(20), || second.span_count());
        fx.shutdown();
        let stats = fx.sdk().stats();
        let mut seqs: Vec<i64> = second.spans().iter().map(seq).collect();
        println!(
            "{protocol:<13} queue of {QUEUE} spans, {SPANS} ended while down: received {} dropped {} (queue full {})",
            seqs.len(),
            stats.dropped,
            stats.dropped_queue_full
        );
        assert_eq!(stats.ended as usize, SPANS);
        assert_eq!(
            stats.dropped as usize,
            SPANS - QUEUE,
            "{protocol}: dropped exactly what did not fit: {stats:?}"
        );
        assert_eq!(stats.dropped, stats.dropped_queue_full, "{stats:?}");
        assert_eq!(stats.exported as usize, QUEUE);
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (0..QUEUE as i64).collect::<Vec<_>>(),
            "{protocol}: the oldest spans were kept, each received once"
        );
    }
}

/// The most attempts one probe makes within `elapsed` of the first
/// failure: the backoff starts at 100 ms and doubles up to 5 s, each wait
/// at least 80 % of that.
fn probe_attempts_within(elapsed: Duration) -> usize {
    let (mut at, mut backoff, mut attempts) = (Duration::ZERO, Duration::from_millis(100), 0);
    loop {
        at += backoff.mul_f64(0.8);
        if at > elapsed {
            return attempts;
        }
        attempts += 1;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[test]
fn while_the_collector_is_down_one_request_probes_it_and_the_backlog_arrives_oldest_first() {
    const SPANS: usize = 2_000;
    const BATCH: usize = 100;
    let mut fx = Setup::with_receiver(Protocol::Grpc, |r| r.fail_always(Fault::UNAVAILABLE))
        .init_from(|rx| {
            defaults(Protocol::Grpc, &rx.endpoint())
                .max_export_batch_size(BATCH)
                .scheduled_delay(Duration::from_millis(100))
        });
    let addr = fx.rx().addr();
    let start = Instant::now();
    end_numbered("backlog", SPANS);
    std::thread::sleep(Duration::from_secs(3));
    let attempts = fx.rx().attempt_count();
    let elapsed = start.elapsed();
    fx.rx_mut().stop();
    let second = OtlpReceiver::start_on(transport(Protocol::Grpc), addr).unwrap();
    // Those in flight when the first failed, then the probe alone.
    let most = CONCURRENT_EXPORTS + probe_attempts_within(elapsed);
    let requests = SPANS / BATCH;
    println!(
        "{requests} requests queued, collector down {elapsed:.1?}: {attempts} attempts (at most {most} allowed)"
    );
    assert!(
        attempts <= most,
        "{attempts} attempts in {elapsed:?}: more than one request probed"
    );
    assert_eq!(
        wait_until(SPANS, Duration::from_secs(20), || second.span_count()),
        SPANS
    );
    fx.shutdown();
    assert_eq!(fx.sdk().stats().dropped, 0);

    // In arrival order, each request by its oldest span.
    let oldest: Vec<i64> = second
        .requests()
        .iter()
        .map(|r| r.spans().iter().map(seq).min().expect("spans"))
        .collect();
    assert_eq!(
        oldest[0], 0,
        "the probe that found the collector back is the oldest request: {oldest:?}"
    );
    let mut by_age = oldest.clone();
    by_age.sort_unstable();
    // Sent oldest first, at most CONCURRENT_EXPORTS at a time: whatever
    // arrives p-th was sent at most (CONCURRENT_EXPORTS - 1) places later,
    // so no younger request can overtake by more. (An older one may
    // arrive later than that: one slow request stays in flight while
    // others come and go.)
    for (arrived, first_span) in oldest.iter().enumerate() {
        let rank = by_age.binary_search(first_span).unwrap();
        assert!(
            rank < arrived + CONCURRENT_EXPORTS,
            "request {rank} by age arrived {arrived}th, earlier than sending oldest first allows: {oldest:?}"
        );
    }
    let unique: HashSet<_> = second.spans().into_iter().map(|s| s.span_id).collect();
    assert_eq!(unique.len(), SPANS, "each span received once");
}
