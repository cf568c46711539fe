//! # aios-tracing
//!
//! OpenTelemetry tracing for Rust services and agents, made simple: one
//! builder call, `#[trace]` on functions, `span!` blocks, propagation
//! helpers, and OTLP export (gRPC or HTTP) to an OpenTelemetry Collector.
//!
//! ```no_run
//! use aios_tracing::{Span, SpanKind, TracingSdk};
//!
//! let sdk = TracingSdk::builder("orders-api")
//!     .deployment_env("prod")
//!     .otlp_endpoint("otel-collector.tracing.svc:4317")
//!     .resource_attributes([("service.version", "1.4.0")])
//!     .init()?;
//!
//! {
//!     let checkout = sdk.span("checkout").kind(SpanKind::Server).attribute("cart.items", 3).entered();
//!     checkout.add_event("payment.started", [("currency", "INR")]);
//! }
//! sdk.shutdown().ok();
//! # Ok::<(), aios_tracing::ConfigError>(())
//! ```
//!
//! ## Configuration
//!
//! Precedence: builder call > seed-named env var > standard `OTEL_*` env var > default.
//!
//! | builder | env | default |
//! |---|---|---|
//! | `builder(service_name)` | `OTEL_SERVICE_NAME` (with `builder_from_env`) | required |
//! | `deployment_env` | `DEPLOYMENT_ENV` | `dev` |
//! | `otlp_protocol` | `OTLP_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL` | `grpc` |
//! | `otlp_endpoint` | `OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT` | `http://localhost:4317` / `:4318` |
//! | `otlp_insecure` | `OTEL_EXPORTER_OTLP_INSECURE` | `true` |
//! | `otlp_headers` | `OTEL_EXPORTER_OTLP_HEADERS` | none |
//! | `sampling_ratio` | `OTEL_TRACES_SAMPLER_ARG` | `1.0` |
//! | `use_batch` | | `true` |
//! | `enable_console_exporter` | `AIOS_TRACING_CONSOLE` | `false` |
//! | `use_b3_propagation` | `OTEL_PROPAGATORS` | `false` |
//! | `resource_attributes` | `OTEL_RESOURCE_ATTRIBUTES` | none |
//! | `enable_logging_correlation` | | `true` |
//! | `disabled` | `OTEL_SDK_DISABLED` | `false` |
//! | `otlp_ca_certificate` | `OTEL_EXPORTER_OTLP_CERTIFICATE` | system roots |
//! | `otlp_client_identity` | `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` / `_KEY` | none |
//! | `shutdown_timeout` | | 5 s |
//! | `export_timeout` | `OTEL_EXPORTER_OTLP_TIMEOUT` (ms) | 10 s |
//! | `max_queue_size` / `max_queue_bytes` | `OTEL_BSP_MAX_QUEUE_SIZE` / `AIOS_TRACING_MAX_QUEUE_BYTES` | 1 048 576 / 64 MiB |

// The macros expand to `::aios_tracing::…`; this makes that path work
// inside this crate too (its tests and integrations).
extern crate self as aios_tracing;

#[doc(hidden)]
pub mod __private;
mod attributes;
#[cfg(feature = "tracing-bridge")]
pub mod bridge;
mod config;
pub mod current;
mod data;
mod diagnostics;
mod error;
mod future;
#[cfg(any(
    feature = "tower",
    feature = "reqwest",
    feature = "tonic",
    feature = "sqlx",
    feature = "redis"
))]
pub mod integrations;
mod lifecycle;
mod limits;
#[cfg(feature = "logging")]
pub mod logging;
mod pipeline;
mod propagation;
mod scope;
mod sdk;
mod sink;
mod span;
#[cfg(any(feature = "logging", feature = "tracing-bridge"))]
mod subscriber;
#[cfg(test)]
mod test_sdk;
mod traced;
mod transport;

pub use aios_tracing_macros::{span, trace};
pub use attributes::IntoKeyValue;
pub use config::{Config, Propagation, Protocol, TlsFiles, TracingSdkBuilder};
pub use current::link_current_span;
pub use error::{ConfigError, ShutdownError, Source};
pub use future::{FutureExt, Instrumented, CANCELLED_ATTRIBUTE};
pub use pipeline::ExportStats;
pub use propagation::{extract_context, inject_context, inject_headers, Carrier};
pub use sdk::TracingSdk;
pub use span::{Span, SpanBuilder, SpanGuard};

/// The OpenTelemetry API this crate is built on, re-exported so your
/// versions match ours.
pub use opentelemetry;
pub use opentelemetry::trace::{Link, SpanContext, SpanKind, Status, TraceContextExt};
pub use opentelemetry::{Context, Key, KeyValue, Value};
