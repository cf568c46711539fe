//! The SDK against a collector that misbehaves in every way we know of.
//! For each fault: the application thread never waits on the network, no
//! panic, the queue stays under its byte cap, every span is received
//! exactly once or counted as dropped, outages the queue holds lose
//! nothing (see outage.rs for long ones), and shutdown returns within its
//! bound.
//!
//! Figures for RELIABILITY.md: `cargo test --release -p aios-tracing-tests --test faults -- --nocapture --test-threads 1`.

mod common;

use aios_tracing::{ExportStats, Protocol, Span, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::{Fault, OtlpReceiver};
use common::{dead_endpoint, serial, transport, Setup};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const SPANS: usize = 3_000;
const QUEUE_BYTES: usize = 4 * 1024 * 1024;
const SHUTDOWN: Duration = Duration::from_secs(3);

struct Outcome {
    stats: ExportStats,
    received: usize,
    max_end: Duration,
    p99_end: Duration,
    shutdown: Duration,
}

fn builder(protocol: Protocol, endpoint: &str) -> TracingSdkBuilder {
    TracingSdk::builder("faults")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(protocol)
        .otlp_endpoint(endpoint)
        .max_queue_bytes(QUEUE_BYTES)
        .max_export_batch_size(256)
        .scheduled_delay(Duration::from_millis(50))
        .export_timeout(Duration::from_secs(4))
        .shutdown_timeout(SHUTDOWN)
}

/// Produces `SPANS` spans (a root with children, in bursts).
fn produce(mut between_bursts: impl FnMut(usize)) -> (Duration, Duration) {
    let mut latencies = Vec::with_capacity(SPANS);
    let bursts = 10;
    for burst in 0..bursts {
        for _ in 0..SPANS / bursts / 3 {
            let root = Span::builder("request")
                .attribute("http.route", "/orders/{id}")
                .entered();
            for _ in 0..2 {
                let child = Span::builder("db")
                    .attribute("db.system.name", "postgresql")
                    .start();
                let start = Instant::now();
                child.end();
                latencies.push(start.elapsed());
            }
            let start = Instant::now();
            drop(root);
            latencies.push(start.elapsed());
        }
        between_bursts(burst);
    }
    latencies.sort();
    (
        latencies[latencies.len() - 1],
        latencies[latencies.len() * 99 / 100],
    )
}

/// Produces, shuts `sdk` down, and checks the outcome.
fn run(
    name: &str,
    sdk: &TracingSdk,
    rx: Option<&OtlpReceiver>,
    between_bursts: impl FnMut(usize),
) -> Outcome {
    let (max_end, p99_end) = produce(between_bursts);
    let start = Instant::now();
    let _ = sdk.shutdown();
    let shutdown = start.elapsed();
    let stats = sdk.stats();
    let received = rx.map(|rx| {
        // Nothing may arrive after shutdown returned; give stragglers a moment anyway.
        let spans = rx.spans_after(Duration::from_millis(200));
        let unique: HashSet<_> = spans.iter().map(|s| s.span_id.clone()).collect();
        assert_eq!(
            unique.len(),
            spans.len(),
            "{name}: a span was received twice"
        );
        spans.len()
    });
    let outcome = Outcome {
        stats,
        received: received.unwrap_or(0),
        max_end,
        p99_end,
        shutdown,
    };
    println!(
        "{name:<34} produced {:>5} received {:>5} dropped {:>5} | span end p99 {:>7.1?} max {:>8.1?} | peak queue {:>6} KiB | shutdown {:>9.3?}",
        outcome.stats.ended,
        outcome.received,
        outcome.stats.dropped,
        outcome.p99_end,
        outcome.max_end,
        outcome.stats.peak_queued_bytes / 1024,
        outcome.shutdown,
    );
    check(name, &outcome);
    outcome
}

fn check(name: &str, o: &Outcome) {
    assert_eq!(
        o.stats.ended as usize, SPANS,
        "{name}: every span ended was counted"
    );
    assert_eq!(
        o.stats.ended as usize,
        o.received + o.stats.dropped as usize,
        "{name}: produced = received + dropped"
    );
    assert_eq!(
        o.stats.exported as usize, o.received,
        "{name}: exported = received"
    );
    assert!(
        o.stats.peak_queued_bytes as usize <= QUEUE_BYTES,
        "{name}: queue over its byte cap"
    );
    // Ending a span is a queue push: no network, no waiting. The bound is
    // loose because the test machine is shared; a network wait would be
    // seconds.
    assert!(
        o.p99_end < Duration::from_millis(1),
        "{name}: p99 span end {:?}",
        o.p99_end
    );
    assert!(
        o.max_end < Duration::from_millis(50),
        "{name}: max span end {:?}",
        o.max_end
    );
    // The bound, and at most a thread's wait for a core once woken (see
    // shutdown.rs's test of the bound to the millisecond).
    assert!(
        o.shutdown <= SHUTDOWN + Duration::from_millis(25),
        "{name}: shutdown took {:?}",
        o.shutdown
    );
}

const PROTOCOLS: [Protocol; 2] = [Protocol::Grpc, Protocol::HttpProtobuf];

#[test]
fn collector_absent_for_the_whole_run() {
    let _serial = serial();
    for protocol in PROTOCOLS {
        let sdk = builder(protocol, &dead_endpoint())
            .export_timeout(Duration::from_millis(500))
            .init()
            .unwrap();
        let o = run(&format!("absent ({protocol})"), &sdk, None, |_| {});
        assert_eq!(o.stats.dropped as usize, SPANS);
    }
}

#[test]
fn unavailable_for_the_first_requests_loses_nothing() {
    let _serial = serial();
    for protocol in PROTOCOLS {
        for retry_after in [None, Some(Duration::from_secs(1))] {
            let fx = Setup::with_receiver(protocol, |r| {
                r.fail_first(3, Fault::Unavailable { retry_after })
            })
            .init_from(|rx| builder(protocol, &rx.endpoint()));
            let o = run(
                &format!("503/UNAVAILABLE x3, hint {retry_after:?} ({protocol})"),
                fx.sdk(),
                Some(fx.rx()),
                |_| {},
            );
            assert_eq!(o.stats.dropped, 0, "a transient outage loses nothing");
            assert_eq!(fx.rx().rejected_count(), 3);
        }
    }
}

#[test]
fn bad_request_is_not_retried() {
    let _serial = serial();
    for protocol in PROTOCOLS {
        let fx = Setup::with_receiver(protocol, |r| r.fail_always(Fault::BadRequest))
            .init_from(|rx| builder(protocol, &rx.endpoint()));
        let o = run(
            &format!("400/INVALID_ARGUMENT ({protocol})"),
            fx.sdk(),
            Some(fx.rx()),
            |_| {},
        );
        assert_eq!(o.stats.dropped as usize, SPANS);
        assert_eq!(
            o.stats.failed_requests as usize,
            fx.rx().rejected_count(),
            "one attempt per request: no retries"
        );
    }
}

#[test]
fn a_collector_answering_after_two_seconds_loses_nothing() {
    let _serial = serial();
    for protocol in PROTOCOLS {
        let fx =
            Setup::with_receiver(protocol, |r| r.delay(Duration::from_secs(2))).init_from(|rx| {
                builder(protocol, &rx.endpoint())
                    .max_export_batch_size(1024)
                    .shutdown_timeout(Duration::from_secs(8))
            });
        let (max_end, p99_end) = produce(|_| {});
        let start = Instant::now();
        fx.shutdown();
        let shutdown = start.elapsed();
        let stats = fx.sdk().stats();
        let rx = fx.rx();
        println!(
            "{:<34} produced {:>5} received {:>5} dropped {:>5} | span end p99 {p99_end:>7.1?} max {max_end:>8.1?} | shutdown {shutdown:>9.3?}",
            format!("2 s answers ({protocol})"),
            stats.ended,
            rx.span_count(),
            stats.dropped
        );
        assert_eq!(stats.dropped, 0);
        assert_eq!(rx.span_count(), SPANS);
        assert!(max_end < Duration::from_millis(50));
        assert!(shutdown < Duration::from_secs(8));
    }
}

#[test]
fn a_collector_that_accepts_and_never_answers() {
    let _serial = serial();
    for (protocol, fault) in [
        (Protocol::Grpc, Fault::Blackhole),
        (Protocol::HttpProtobuf, Fault::Hang),
    ] {
        let fx = Setup::with_receiver(protocol, |r| r.fail_always(fault.clone())).init_from(|rx| {
            builder(protocol, &rx.endpoint()).export_timeout(Duration::from_secs(1))
        });
        let o = run(
            &format!("{fault:?} ({protocol})"),
            fx.sdk(),
            Some(fx.rx()),
            |_| {},
        );
        assert_eq!(o.received, 0);
        assert_eq!(o.stats.dropped as usize, SPANS);
    }
}

#[test]
fn connections_closed_mid_request_are_retried() {
    let _serial = serial();
    for protocol in PROTOCOLS {
        let fx = Setup::with_receiver(protocol, |r| r.fail_first(2, Fault::CloseMidRequest))
            .init_from(|rx| builder(protocol, &rx.endpoint()));
        let o = run(
            &format!("closed mid-request x2 ({protocol})"),
            fx.sdk(),
            Some(fx.rx()),
            |_| {},
        );
        assert_eq!(o.stats.dropped, 0);
    }
}

#[test]
fn a_collector_killed_mid_run_and_restarted_on_the_same_port() {
    let _serial = serial();
    for protocol in PROTOCOLS {
        let mut fx = Setup::new(protocol).init_from(|rx| builder(protocol, &rx.endpoint()));
        let addr = fx.rx().addr();
        let second = std::sync::Mutex::new(None);
        let (max_end, p99_end) = produce(|burst| match burst {
            3 => fx.rx_mut().stop(),
            // About 600 ms of outage.
            5 => {
                std::thread::sleep(Duration::from_millis(300));
                *second.lock().unwrap() =
                    Some(OtlpReceiver::start_on(transport(protocol), addr).unwrap());
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        });
        fx.shutdown();
        let second = second.into_inner().unwrap().unwrap();
        let received = fx.rx().span_count() + second.span_count();
        let stats = fx.sdk().stats();
        println!(
            "{:<34} produced {:>5} received {:>5} dropped {:>5} | span end p99 {p99_end:>7.1?} max {max_end:>8.1?}",
            format!("killed + restarted ({protocol})"),
            stats.ended,
            received,
            stats.dropped
        );
        assert_eq!(stats.ended as usize, received + stats.dropped as usize);
        assert_eq!(stats.dropped, 0, "the queue held the outage");
        assert!(max_end < Duration::from_millis(50));
    }
}
