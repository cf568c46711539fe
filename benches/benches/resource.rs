//! What resource detection costs `init`, once, against the SDK's own
//! default resource, in one run:
//!
//! ```text
//! cargo bench -p aios-tracing-benches --bench resource -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! * `aios_resolve_all_detectors`: `TracingSdkBuilder::resolve` (the whole
//!   configuration, with every detector: service instance, host, OS,
//!   process, container, Kubernetes), as `init` runs it.
//! * `aios_resolve_no_detectors`: the same with `ResourceDetectors::none()`;
//!   the difference is what detection costs.
//! * `raw_sdk_default_resource`: `opentelemetry_sdk::Resource::builder().build()`
//!   (service name, `OTEL_RESOURCE_ATTRIBUTES`, `telemetry.sdk.*`), the peer's
//!   resource at start.

use aios_tracing::{ResourceDetectors, TracingSdk};
use criterion::Criterion;
use std::hint::black_box;
use std::time::Duration;

fn builder() -> aios_tracing::TracingSdkBuilder {
    TracingSdk::builder("orders-api").environment([
        ("K8S_POD_NAME", "orders-7d9f"),
        ("K8S_NAMESPACE_NAME", "shop"),
    ])
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("resource");
    group.bench_function("aios_resolve_all_detectors", |b| {
        let builder = builder();
        b.iter(|| black_box(builder.resolve().expect("valid")))
    });
    group.bench_function("aios_resolve_no_detectors", |b| {
        let builder = builder().resource_detectors(ResourceDetectors::none());
        b.iter(|| black_box(builder.resolve().expect("valid")))
    });
    group.bench_function("raw_sdk_default_resource", |b| {
        b.iter(|| black_box(opentelemetry_sdk::Resource::builder().build()))
    });
    group.finish();
    criterion.final_summary();
}
