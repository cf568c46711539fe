//! What tracing allocates per request, counted by dhat's allocator: header
//! extraction allocates nothing for a request that carries no trace
//! headers, and the tower layer builds nothing for a request that is not
//! sampled. One test: the counts are process-wide.

use aios_tracing::integrations::tower::{Layer as _, Service as _, TraceLayer};
use aios_tracing::TracingSdk;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};
use std::time::Duration;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Blocks allocated while `f` runs `n` times, per run: the least of five
/// rounds, since other threads (the SDK's export thread, the test
/// harness) allocate now and then too.
fn allocations_per_run(n: u64, mut f: impl FnMut()) -> f64 {
    // Warm up: thread-locals, caches and free lists fill on first use.
    for _ in 0..100 {
        f();
    }
    let rounds = (0..5).map(|_| {
        let before = dhat::HeapStats::get().total_blocks;
        for _ in 0..n {
            f();
        }
        dhat::HeapStats::get().total_blocks - before
    });
    rounds.min().unwrap_or_default() as f64 / n as f64
}

/// An SDK that exports nowhere and wakes rarely, so that nothing but the
/// code measured allocates.
fn start_sdk(ratio: f64, b3: bool) -> TracingSdk {
    TracingSdk::builder("allocations")
        .enable_otlp_exporter(false)
        .enable_logging_correlation(false)
        .scheduled_delay(Duration::from_secs(3600))
        .sampling_ratio(ratio)
        .use_b3_propagation(b3)
        .init()
        .expect("init")
}

/// Request headers a browser or a load balancer sends, none of them
/// about tracing.
fn plain_headers() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::HOST, "127.0.0.1:8080".parse().unwrap());
    headers.insert(http::header::USER_AGENT, "curl/8.5.0".parse().unwrap());
    headers.insert(http::header::ACCEPT, "*/*".parse().unwrap());
    headers.insert("x-request-id", "4bf92f35".parse().unwrap());
    headers
}

/// The handler: answers at once, allocating nothing itself.
#[derive(Clone)]
struct Ok200;

impl aios_tracing::integrations::tower::Service<http::Request<()>> for Ok200 {
    type Response = http::Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<http::Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<()>) -> Self::Future {
        ready(Ok(http::Response::new(())))
    }
}

/// Allocations of one request through the layer (the request itself
/// excluded: it is made outside the count's difference by `baseline`).
fn request_allocations(headers: &http::HeaderMap) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let request = || {
        let mut request = http::Request::new(());
        *request.method_mut() = http::Method::GET;
        *request.uri_mut() = "/orders/42".parse().unwrap();
        *request.headers_mut() = headers.clone();
        request
    };
    let bare = allocations_per_run(1000, || {
        let _ = runtime.block_on(Ok200.call(request()));
    });
    let mut traced = TraceLayer::new().layer(Ok200);
    let with_layer = allocations_per_run(1000, || {
        let _ = runtime.block_on(traced.call(request()));
    });
    with_layer - bare
}

#[test]
fn tracing_allocates_nothing_it_does_not_need() {
    let _profiler = dhat::Profiler::builder().testing().build();

    for b3 in [false, true] {
        let sdk = start_sdk(0.0, b3);
        let headers = plain_headers();
        let extraction = allocations_per_run(2_000, || {
            drop(aios_tracing::extract_context(&headers));
        });
        assert_eq!(extraction, 0.0, "extracting no trace headers (b3: {b3})");
        sdk.shutdown().expect("shutdown");
    }

    // Not sampled, as a new root (ratio 0): the only allocation is the
    // context carrying the root's fresh ids, which downstream services
    // and log lines need.
    let sdk = start_sdk(0.0, false);
    let unsampled_root = request_allocations(&plain_headers());
    assert!(
        unsampled_root <= 1.0,
        "an unsampled request allocated {unsampled_root} blocks"
    );

    // Not sampled by the caller: the extracted context, and the Vec in
    // which opentelemetry_sdk's `traceparent` parser splits the header.
    let mut headers = plain_headers();
    headers.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
            .parse()
            .unwrap(),
    );
    let unsampled_child = request_allocations(&headers);
    assert!(
        unsampled_child <= 2.0,
        "a request the caller did not sample allocated {unsampled_child} blocks"
    );
    sdk.shutdown().expect("shutdown");

    // Sampled, the same request builds its name and attributes: the
    // count above is not low for want of looking.
    let sdk = start_sdk(1.0, false);
    let sampled = request_allocations(&plain_headers());
    assert!(sampled > unsampled_root + 1.0, "sampled: {sampled} blocks");
    sdk.shutdown().expect("shutdown");
    println!(
        "blocks per request: unsampled root {unsampled_root}, unsampled child {unsampled_child}, sampled {sampled}"
    );
}
