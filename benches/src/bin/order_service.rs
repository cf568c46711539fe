//! The server of `service_bench`: `GET /orders/{id}` on 127.0.0.1 (one
//! tokio worker thread), traced one of four ways, exporting OTLP/gRPC to
//! `--sink`.
//!
//! ```text
//! order_service --variant none|aios|aios-unsampled|tracing-otel --sink 127.0.0.1:PORT
//! ```
//!
//! Prints `LISTENING <addr>`, serves until a line `quit` (or the end of
//! standard input), then shuts its telemetry down (flushing it) and prints
//! `FINAL`.

use aios_tracing::integrations::tower::TraceLayer;
use aios_tracing::TracingSdk;
use aios_tracing_benches::orders;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::io::BufRead;
use std::time::Duration;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::Layer as _;

const ROUTE: &str = "/orders/{id}";

fn main() {
    let mut variant = None;
    let mut sink = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--variant" => variant = args.next(),
            "--sink" => sink = args.next(),
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let (Some(variant), Some(sink)) = (variant, sink) else {
        fail("usage: order_service --variant none|aios|aios-unsampled|tracing-otel --sink ADDR");
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
    runtime.block_on(serve(&variant, &format!("http://{sink}")));
}

/// What the variant installed, to shut down (and so flush) at the end.
enum Telemetry {
    None,
    Aios(Box<TracingSdk>),
    TracingOtel(SdkTracerProvider),
}

async fn serve(variant: &str, sink: &str) {
    let (app, telemetry) = match variant {
        "none" => (
            Router::new().route(ROUTE, get(orders::plain::get_order)),
            Telemetry::None,
        ),
        "aios" | "aios-unsampled" => {
            let ratio = if variant == "aios" { 1.0 } else { 0.0 };
            let sdk = TracingSdk::builder("order-service")
                .environment(std::iter::empty::<(String, String)>())
                .otlp_endpoint(sink)
                .sampling_ratio(ratio)
                .enable_logging_correlation(false)
                .init()
                .unwrap_or_else(|e| fail(&format!("aios-tracing init: {e}")));
            let app = Router::new()
                .route(ROUTE, get(orders::aios::get_order))
                .layer(TraceLayer::new());
            (app, Telemetry::Aios(Box::new(sdk)))
        }
        "tracing-otel" => {
            let provider = tracing_otel(sink);
            let app = Router::new()
                .route(ROUTE, get(orders::tracing_otel::get_order))
                .layer(axum::middleware::from_fn(server_span));
            (app, Telemetry::TracingOtel(provider))
        }
        other => fail(&format!("unknown variant `{other}`")),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| fail(&format!("bind: {e}")));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!("LISTENING {addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if line.map_or(true, |l| l.trim() == "quit") {
                break;
            }
        }
        let _ = stop.send(());
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await
        .unwrap_or_else(|e| fail(&format!("serve: {e}")));
    match telemetry {
        Telemetry::None => {}
        Telemetry::Aios(sdk) => {
            let _ = sdk.shutdown();
        }
        Telemetry::TracingOtel(provider) => {
            let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        }
    }
    println!("FINAL");
}

/// `tracing` + `tracing-opentelemetry` with their defaults: the global
/// subscriber, W3C propagation, a batch processor and the OTLP/gRPC
/// exporter. The layer takes spans at INFO and above, as a service's
/// filter usually does: unfiltered, it also turns hyper's, h2's and
/// tonic's own debug spans (on the export path too) into OTel spans.
fn tracing_otel(sink: &str) -> SdkTracerProvider {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(sink)
        .with_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| fail(&format!("otlp exporter: {e}")));
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name("order-service")
                .build(),
        )
        .build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("order-service"))
        .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .unwrap_or_else(|e| fail(&format!("subscriber: {e}")));
    provider
}

struct Headers<'a>(&'a axum::http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The SERVER span of the `tracing` stack, with the attributes aios's
/// `TraceLayer` records, as axum-tracing-opentelemetry makes it: the
/// caller's context extracted, the span current while the handler runs.
async fn server_span(route: MatchedPath, request: Request, next: Next) -> Response {
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&Headers(request.headers()))
    });
    let method = request.method().as_str().to_owned();
    let headers = request.headers();
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok());
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let span = tracing::info_span!(
        "request",
        otel.name = format!("{method} {}", route.as_str()),
        otel.kind = "server",
        http.request.method = method,
        http.route = route.as_str(),
        url.path = request.uri().path(),
        url.scheme = "http",
        server.address = host,
        user_agent.original = agent,
        http.response.status_code = tracing::field::Empty,
    );
    let _ = span.set_parent(parent);
    let response = next.run(request).instrument(span.clone()).await;
    span.record("http.response.status_code", response.status().as_u16());
    response
}

fn fail(message: &str) -> ! {
    eprintln!("order_service: {message}");
    std::process::exit(2)
}
