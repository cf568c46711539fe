#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The macros expand to `::aios_tracing::…`; this makes that path work
// inside this crate too (its tests and integrations).
extern crate self as aios_tracing;

#[doc(hidden)]
pub mod __private;
mod attributes;
#[cfg(feature = "tracing-bridge")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing-bridge")))]
pub mod bridge;
mod config;
pub mod current;
mod data;
mod diagnostics;
mod error;
mod future;
mod headers;
#[cfg(any(
    feature = "tower",
    feature = "reqwest",
    feature = "tonic",
    feature = "sqlx",
    feature = "redis"
))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(
        feature = "tower",
        feature = "reqwest",
        feature = "tonic",
        feature = "sqlx",
        feature = "redis"
    )))
)]
pub mod integrations;
mod lifecycle;
mod limits;
#[cfg(feature = "logging")]
#[cfg_attr(docsrs, doc(cfg(feature = "logging")))]
pub mod logging;
mod pipeline;
mod polled;
mod propagation;
mod scope;
mod sdk;
mod sink;
mod span;
#[cfg(feature = "stream")]
mod stream;
#[cfg(any(feature = "logging", feature = "tracing-bridge"))]
mod subscriber;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod task;
#[cfg(test)]
mod test_sdk;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod traced;
mod transport;

pub use aios_tracing_macros::{span, trace};
pub use attributes::IntoKeyValue;
pub use config::{
    Compression, Config, LogFormat, Propagation, Protocol, ResourceDetectors, Sampler,
    SamplingRule, TailSampling, TlsFiles,
};
pub use current::link_current_span;
pub use error::{ConfigError, ConfigWarning, ShutdownError, Source};
pub use future::{FutureExt, Instrumented};
pub use headers::{extract_context, inject_context, inject_headers};
pub use limits::SpanLimits;
pub use pipeline::ExportStats;
pub use polled::CANCELLED_ATTRIBUTE;
pub use propagation::Carrier;
pub use sdk::{TracingSdk, TracingSdkBuilder};
pub use span::{Scope, Span, SpanBuilder, SpanGuard};
#[cfg(feature = "stream")]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub use stream::{InstrumentedStream, StreamExt};

/// The OpenTelemetry API this crate is built on, re-exported so your
/// versions match ours.
pub use opentelemetry;
pub use opentelemetry::trace::{Link, SpanContext, SpanKind, Status, TraceContextExt};
pub use opentelemetry::{Context, Key, KeyValue, Value};
