//! Shutdown is bounded with no collector, in every runtime shape, and a
//! full queue drops (and counts) instead of growing or blocking.

mod common;

use aios_tracing::{Protocol, ShutdownError, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::Fault;
use common::{dead_endpoint, serial, Fixture, Setup, WAIT};
use std::time::{Duration, Instant};

/// An SDK with default export settings but for `timeout`.
fn builder_to(endpoint: &str, protocol: Protocol, timeout: Duration) -> TracingSdkBuilder {
    TracingSdk::builder("no-collector")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(protocol)
        .otlp_endpoint(endpoint)
        .shutdown_timeout(timeout)
}

fn sdk_to(endpoint: &str, protocol: Protocol, timeout: Duration) -> TracingSdk {
    builder_to(endpoint, protocol, timeout).init().unwrap()
}

#[test]
fn shutdown_with_no_collector_returns_within_its_bound() {
    let _serial = serial();
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let sdk = sdk_to(&dead_endpoint(), protocol, Duration::from_secs(1));
        for _ in 0..100 {
            sdk.start_span("lost").end();
        }
        let start = Instant::now();
        let result = sdk.shutdown();
        let took = start.elapsed();
        assert!(
            took < Duration::from_millis(1500),
            "{protocol}: shutdown took {took:?}"
        );
        assert!(result.is_err(), "undeliverable spans are reported");
        let stats = sdk.stats();
        assert_eq!(stats.ended, 100);
        assert_eq!(stats.exported, 0);
        assert_eq!(stats.dropped, 100, "every span accounted for: {stats:?}");
    }
}

#[test]
fn shutdown_against_a_collector_that_never_answers_is_bounded() {
    let fx = Setup::with_receiver(Protocol::Grpc, |r| r.fail_always(Fault::Blackhole))
        .init_from(|rx| builder_to(&rx.endpoint(), Protocol::Grpc, Duration::from_secs(1)));
    let sdk = fx.sdk();
    sdk.start_span("stuck").end();
    let start = Instant::now();
    let _ = sdk.shutdown();
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(sdk.stats().dropped, 1);
}

#[test]
fn a_full_queue_drops_and_counts_without_blocking() {
    let fx = Setup::with_receiver(Protocol::HttpProtobuf, |r| r.fail_always(Fault::Hang))
        .init_from(|rx| {
            TracingSdk::builder("overloaded")
                .environment(std::iter::empty::<(String, String)>())
                .otlp_protocol(Protocol::HttpProtobuf)
                .otlp_endpoint(rx.endpoint())
                .max_queue_size(10)
                .max_export_batch_size(512)
                .scheduled_delay(Duration::from_secs(60))
                .shutdown_timeout(Duration::from_millis(500))
        });
    let sdk = fx.sdk();
    let mut slowest = Duration::ZERO;
    for _ in 0..100 {
        let span = sdk.start_span("burst");
        let start = Instant::now();
        span.end();
        slowest = slowest.max(start.elapsed());
    }
    let stats = sdk.stats();
    assert_eq!(stats.ended, 100);
    assert_eq!(stats.dropped_queue_full, 90, "{stats:?}");
    assert_eq!(stats.queued, 10);
    assert!(
        slowest < Duration::from_millis(50),
        "span end blocked for {slowest:?}"
    );
    let _ = sdk.shutdown();
    let stats = sdk.stats();
    assert_eq!(stats.exported, 0);
    assert_eq!(stats.dropped, 100, "{stats:?}");
    assert_eq!(fx.rx().span_count(), 0);
}

#[test]
fn shutdown_twice_and_flush_after_shutdown_are_errors_not_panics() {
    let fx = Fixture::start(Protocol::Grpc);
    let sdk = fx.sdk();
    sdk.start_span("once").end();
    fx.shutdown();
    assert_eq!(sdk.shutdown(), Err(ShutdownError::AlreadyShutdown));
    assert_eq!(sdk.force_flush(), Err(ShutdownError::AlreadyShutdown));
    // Spans after shutdown are no-ops.
    let late = aios_tracing::Span::builder("late").start();
    assert!(!late.is_recording());
    assert_eq!(fx.rx().wait_for_spans(1, WAIT).len(), 1);
}

#[test]
fn init_export_and_shutdown_in_a_plain_thread() {
    let fx = Fixture::start(Protocol::Grpc);
    std::thread::spawn(|| aios_tracing::Span::builder("from-thread").start().end())
        .join()
        .unwrap();
    fx.shutdown();
    assert_eq!(fx.rx().span_count(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn init_export_and_shutdown_under_tokio_current_thread() {
    let fx = Fixture::start(Protocol::Grpc);
    tokio::spawn(async { aios_tracing::Span::builder("task").start().end() })
        .await
        .unwrap();
    let start = Instant::now();
    fx.shutdown();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(fx.rx().span_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_export_and_shutdown_under_tokio_multi_thread_from_a_task() {
    let mut fx = Fixture::start(Protocol::HttpProtobuf);
    let sdk = fx.take_sdk();
    let handle = tokio::spawn(async move {
        aios_tracing::Span::builder("in-task").start().end();
        sdk.shutdown().map(|()| sdk.stats())
    });
    let stats = handle.await.unwrap().unwrap();
    assert_eq!(stats.exported, 1);
    assert_eq!(fx.rx().span_count(), 1);
}

#[test]
fn disabled_sdk_records_and_exports_nothing() {
    let fx = Setup::new(Protocol::Grpc).init_from(|rx| {
        TracingSdk::builder("off").environment([
            ("OTEL_SDK_DISABLED", "true"),
            ("OTLP_ENDPOINT", rx.endpoint().as_str()),
        ])
    });
    let sdk = fx.sdk();
    assert!(!sdk.is_enabled());
    let span = sdk.span("noop").entered();
    assert!(!span.is_recording());
    drop(span);
    assert!(!aios_tracing::Span::builder("noop2").start().is_recording());
    fx.shutdown();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(fx.rx().span_count(), 0);
    assert_eq!(sdk.stats().ended, 0);
}

#[test]
fn shutdown_from_a_drop_during_a_panic_delivers_the_panicking_span() {
    let mut fx = Fixture::with(Protocol::Grpc, |b| {
        b.scheduled_delay(Duration::from_secs(60))
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let sdk = fx.take_sdk();
        let _span = sdk.span("panicking").entered();
        panic!("boom");
    }));
    assert!(result.is_err());
    let spans = fx.rx().spans();
    let span = aios_tracing_tests::SpansExt::one(spans.as_slice(), "panicking");
    assert_eq!(span.status.code, aios_tracing_tests::StatusCode::Error);
    assert!(span.event("exception").is_some());
}

#[test]
fn concurrent_shutdowns_from_two_threads_are_bounded() {
    let _serial = serial();
    let sdk = std::sync::Arc::new(sdk_to(
        &dead_endpoint(),
        Protocol::Grpc,
        Duration::from_secs(1),
    ));
    for _ in 0..50 {
        sdk.start_span("x").end();
    }
    let start = Instant::now();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let sdk = std::sync::Arc::clone(&sdk);
            std::thread::spawn(move || sdk.shutdown())
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Err(ShutdownError::AlreadyShutdown))
            .count(),
        1
    );
    assert_eq!(sdk.stats().dropped, 50);
}

#[test]
fn a_burst_of_100k_spans_loses_none_with_default_settings() {
    let fx = Setup::with_receiver(Protocol::Grpc, |r| r.count_only()).init_from(|rx| {
        TracingSdk::builder("burst")
            .environment(std::iter::empty::<(String, String)>())
            .otlp_endpoint(rx.endpoint())
            .shutdown_timeout(Duration::from_secs(30))
    });
    let sdk = fx.sdk();
    for _ in 0..100_000 {
        sdk.span("burst")
            .attribute("http.route", "/orders/{id}")
            .start()
            .end();
    }
    fx.shutdown();
    let stats = sdk.stats();
    assert_eq!(stats.dropped, 0, "{stats:?}");
    assert_eq!(fx.rx().span_count(), 100_000);
}

/// SDKs replaced while other threads keep ending spans: nothing panics,
/// every span ends up in the SDK that started it, and each SDK's counts
/// add up once it is shut down (a span ended after its SDK's shutdown is
/// counted as dropped, not lost).
#[test]
fn reinit_while_threads_produce_keeps_every_sdks_counts_exact() {
    let _serial = serial();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let producers: Vec<_> = (0..3)
        .map(|_| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut ended = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let outer = aios_tracing::Span::builder("outer").entered();
                    aios_tracing::Span::builder("inner").start().end();
                    drop(outer);
                    ended += 2;
                }
                ended
            })
        })
        .collect();
    let mut sdks = Vec::new();
    for round in 0..5 {
        let sdk = TracingSdk::builder(format!("round-{round}"))
            .environment(std::iter::empty::<(String, String)>())
            .enable_otlp_exporter(false)
            .enable_logging_correlation(false)
            .max_queue_size(4096)
            .init()
            .unwrap();
        std::thread::sleep(Duration::from_millis(40));
        sdk.shutdown().unwrap();
        sdks.push(sdk);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let produced: u64 = producers.into_iter().map(|p| p.join().unwrap()).sum();
    let mut recorded = 0;
    for sdk in &sdks {
        let stats = sdk.stats();
        assert_eq!(stats.ended, stats.exported + stats.dropped, "{stats:?}");
        assert_eq!(stats.queued, 0, "{stats:?}");
        recorded += stats.ended;
    }
    assert!(recorded > 0, "spans were recorded");
    // Spans started while no SDK was active are not recorded anywhere.
    assert!(recorded <= produced, "{recorded} > {produced}");
}

/// Flush and shutdown wait for the collector until their bound and not a
/// millisecond longer: with no collector, and with one that takes the
/// request and never answers.
///
/// The SDK stops waiting a few milliseconds before the deadline; what can
/// still make a call return late is its thread waiting for a core once
/// woken, on a loaded machine (RELIABILITY.md has what was seen). So one
/// of the eight calls may be late by such noise; a wait computed past the
/// deadline would make every one of them late.
#[test]
fn flush_and_shutdown_return_within_their_bound_to_the_millisecond() {
    const NOISE: Duration = Duration::from_millis(25);
    let _serial = serial();
    let bound = Duration::from_secs(1);
    let cases = [
        (Protocol::Grpc, None),
        (Protocol::HttpProtobuf, None),
        (Protocol::Grpc, Some(Fault::Blackhole)),
        (Protocol::HttpProtobuf, Some(Fault::Hang)),
    ];
    let mut late = Vec::new();
    for (protocol, fault) in cases {
        let rx = fault.clone().map(|fault| {
            aios_tracing_tests::OtlpReceiver::builder(common::transport(protocol))
                .fail_always(fault)
                .start()
                .unwrap()
        });
        let endpoint = rx.as_ref().map_or_else(dead_endpoint, |rx| rx.endpoint());
        let sdk = sdk_to(&endpoint, protocol, bound);
        for _ in 0..100 {
            sdk.start_span("waiting").end();
        }
        let start = Instant::now();
        let flushed = sdk.force_flush();
        let flush = start.elapsed();
        let start = Instant::now();
        let shut = sdk.shutdown();
        let shutdown = start.elapsed();
        let case = format!(
            "{protocol} {}",
            fault
                .as_ref()
                .map_or("absent".to_owned(), |f| format!("{f:?}"))
        );
        println!("{case:<24} bound {bound:?}: force_flush {flush:.3?}, shutdown {shutdown:.3?}");
        assert_eq!(flushed, Err(ShutdownError::Timeout(bound)), "{case}");
        // The worker answered: it stopped waiting in time and counted the loss.
        assert!(
            matches!(shut, Err(ShutdownError::ExportFailed(_))),
            "{case}: {shut:?}"
        );
        let stats = sdk.stats();
        assert_eq!((stats.ended, stats.dropped), (100, 100), "{stats:?}");
        for (call, took) in [("force_flush", flush), ("shutdown", shutdown)] {
            assert!(took <= bound + NOISE, "{case}: {call} took {took:?}");
            if took > bound {
                late.push(format!("{case}: {call} took {took:?}"));
            }
        }
    }
    assert!(late.len() <= 1, "late more than once: {late:?}");
}
