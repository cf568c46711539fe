//! Sampling rules pick a ratio per kind of request (by the root's name,
//! kind and the attributes known at its start, the axum layer's
//! `http.route` among them) and a cap bounds new traces per second; both
//! are counted in `stats()`.

mod common;

use aios_tracing::integrations::tower::TraceLayer;
use aios_tracing::{ConfigError, Protocol, SamplingRule, Span, SpanKind, TracingSdk};
use aios_tracing_tests::SpansExt;
use axum::routing::get;
use axum::Router;
use common::{multi_thread_runtime, Fixture};
use std::time::{Duration, Instant};

#[test]
fn the_first_matching_rule_decides_and_the_sampler_takes_the_rest() {
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.environment([(
            "AIOS_TRACING_SAMPLING_RULES",
            "name=GET /health*:0;kind=server,http.route=/admin/*:1;*:0",
        )])
    });
    let server = |name: &'static str, route: &'static str| {
        fx.sdk()
            .span(name)
            .kind(SpanKind::Server)
            .attribute("http.route", route)
            .start()
    };
    let health = server("GET /health", "/health");
    let admin = server("GET /admin/users", "/admin/users");
    let other = server("GET /orders", "/orders");
    let internal_admin = fx
        .sdk()
        .span("job")
        .attribute("http.route", "/admin/x")
        .start();
    assert!(!health.is_recording(), "health checks are dropped");
    assert!(admin.is_recording(), "admin routes are kept");
    assert!(!other.is_recording(), "the rest at 0");
    assert!(
        !internal_admin.is_recording(),
        "kind=server is a condition too"
    );
    // Children follow their root, whatever the rules say of them.
    let child = Span::builder("GET /health").parent(admin.context()).start();
    assert!(child.is_recording());
    for span in [health, admin, other, internal_admin, child] {
        span.end();
    }
    let stats = fx.sdk().stats();
    assert_eq!((stats.roots_sampled, stats.roots_dropped_by_rule), (1, 3));
    let mut names = fx
        .shutdown_and_wait(2)
        .names()
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    names.sort();
    assert_eq!(names, ["GET /admin/users", "GET /health"]);
}

#[test]
fn a_rule_on_http_route_works_for_the_axum_layer() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.sampling_rules([
            SamplingRule::ratio(0.0).attribute("http.route", "/health"),
            SamplingRule::ratio(1.0).attribute("http.route", "/orders/*"),
        ])
        .sampling_ratio(0.0)
    });
    let runtime = multi_thread_runtime(2);
    runtime.block_on(async {
        let app = Router::new()
            .route("/health", get(|| async { "ok" }))
            .route("/orders/{id}", get(|| async { "order" }))
            .route("/other", get(|| async { "other" }))
            .layer(TraceLayer::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::new();
        for path in ["/health", "/orders/7", "/other", "/health", "/orders/8"] {
            let body = client
                .get(format!("http://{addr}{path}"))
                .send()
                .await
                .unwrap();
            assert!(body.status().is_success());
        }
        server.abort();
    });
    let spans = fx.shutdown_and_wait(2);
    assert_eq!(spans.names(), ["GET /orders/{id}", "GET /orders/{id}"]);
    let stats = fx.sdk().stats();
    assert_eq!((stats.roots_sampled, stats.roots_dropped_by_rule), (2, 3));
}

#[test]
fn the_cap_holds_a_steady_1000_roots_a_second_to_100() {
    let fx = Fixture::with(Protocol::Grpc, |b| b.max_traces_per_second(100.0));
    let start = Instant::now();
    let seconds = 4;
    let mut made = 0;
    while start.elapsed() < Duration::from_secs(seconds) {
        // 1 000 a second, evenly.
        let due = start.elapsed().as_millis() as usize;
        while made < due {
            fx.sdk().span("request").start().end();
            made += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let stats = fx.sdk().stats();
    let spans = fx.shutdown_and_wait(stats.roots_sampled as usize);
    assert_eq!(spans.len() as u64, stats.roots_sampled);
    assert_eq!(
        stats.roots_sampled + stats.roots_dropped_by_limit,
        made as u64,
        "every root counted once"
    );
    // After the first second's burst allowance, 100 a second.
    let first = spans.iter().map(|s| s.start_unix_nanos).min().unwrap();
    let after_first_second: usize = spans
        .iter()
        .filter(|s| s.start_unix_nanos >= first + 1_000_000_000)
        .count();
    let per_second = after_first_second as f64 / (seconds - 1) as f64;
    assert!(
        (90.0..=110.0).contains(&per_second),
        "{per_second} a second"
    );
}

#[test]
fn a_bad_rule_is_a_config_error_that_quotes_it() {
    let error = TracingSdk::builder("svc")
        .environment([("AIOS_TRACING_SAMPLING_RULES", "*:0.5;http.route=/x:2")])
        .resolve()
        .unwrap_err();
    assert!(matches!(error, ConfigError::InvalidValue { .. }));
    let message = error.to_string();
    assert!(
        message.contains("AIOS_TRACING_SAMPLING_RULES") && message.contains("\"http.route=/x:2\""),
        "{message}"
    );
    let error = TracingSdk::builder("svc")
        .environment(std::iter::empty::<(String, String)>())
        .sampling_rules([SamplingRule::ratio(1.5)])
        .resolve()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("sampling_rules") && error.contains("*:1.5"),
        "{error}"
    );
}
