//! The Quick Start (examples/quickstart.rs) written with `tracing`,
//! `tracing-opentelemetry` and `opentelemetry-otlp`: the same spans,
//! attributes and event, the same resource and sampler, exported over
//! OTLP/gRPC to localhost:4317, with spans printed on the console by
//! `tracing-subscriber`'s formatter. Only built and measured, for the
//! build-cost table in BENCHMARKS.md.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use std::time::Duration;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[derive(Debug)]
struct User {
    id: String,
    name: String,
}

#[tracing::instrument(name = "fetch_user", skip(uid), fields(db.table = "users"))]
fn fetch_user(uid: &str) -> User {
    User {
        id: uid.to_owned(),
        name: "Jane".to_owned(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint("http://localhost:4317")
        .with_timeout(Duration::from_secs(1))
        .build()?;
    let resource = Resource::builder()
        .with_service_name("orders-api")
        .with_attributes([
            KeyValue::new("deployment.environment.name", "prod"),
            KeyValue::new("service.version", "1.4.0"),
        ])
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            1.0,
        ))))
        .with_resource(resource)
        .build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let tracer = provider.tracer("quickstart");
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .with(tracing_subscriber::fmt::layer().with_span_events(FmtSpan::CLOSE))
        .init();

    let user = {
        let span = tracing::info_span!(
            "checkout",
            otel.kind = "server",
            cart.items = 3,
            user.id = tracing::field::Empty
        );
        let _entered = span.enter();
        let user = fetch_user("u_123");
        span.record("user.id", user.id.as_str());
        tracing::info!(amount = 1499, currency = "INR", "payment.started");
        user
    };
    println!("checked out for {} ({})", user.name, user.id);

    if let Err(e) = provider.shutdown() {
        println!("(no collector reachable? {e})");
    }
    Ok(())
}
