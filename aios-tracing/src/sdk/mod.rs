//! [`TracingSdk`], the handle of one configured SDK, and
//! [`TracingSdkBuilder`], which makes it. The types are here; their
//! methods are in `handle` and `builder`. What `init` builds lives in
//! `build`, what a running SDK owns in `state`, and which SDK code
//! without a handle uses in `active`.

pub(crate) mod active;
mod build;
mod builder;
mod handle;
mod startup;
pub(crate) mod state;

use crate::config::{Config, Given};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use state::SdkState;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The running SDK. Create it once at startup with
/// [`TracingSdk::builder`]; it flushes and shuts down on
/// [`shutdown`](TracingSdk::shutdown) or when dropped, within
/// `shutdown_timeout` (5 s by default), collector or not.
///
/// ```
/// use aios_tracing::TracingSdk;
///
/// let sdk = TracingSdk::builder("orders-api")
///     .otlp_endpoint("127.0.0.1:9") // nothing listens there: still fine
///     .shutdown_timeout(std::time::Duration::from_millis(200))
///     .init()?;
/// {
///     let span = sdk.span("checkout").entered();
///     span.set_attribute("cart.items", 3);
/// }
/// sdk.shutdown().ok(); // the span could not be delivered: counted as dropped
/// assert_eq!(sdk.stats().ended, 1);
/// # Ok::<(), aios_tracing::ConfigError>(())
/// ```
#[must_use = "dropping the TracingSdk shuts tracing down; keep it alive for the program's lifetime"]
pub struct TracingSdk {
    config: Config,
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    /// `None` when the SDK is disabled.
    state: Option<Arc<SdkState>>,
    shut_down: AtomicBool,
}

/// Configures and starts the SDK; created by [`TracingSdk::builder`](crate::TracingSdk::builder).
///
/// Every setting is optional except the service name; unset settings come
/// from the environment, then from defaults (see the crate docs' table).
///
/// ```no_run
/// use aios_tracing::{Protocol, TracingSdk};
///
/// let sdk = TracingSdk::builder("orders-api")
///     .deployment_env("prod")
///     .otlp_protocol(Protocol::Grpc)
///     .otlp_endpoint("otel-collector.tracing.svc:4317")
///     .otlp_headers([("x-tenant", "acme")])
///     .sampling_ratio(0.25)
///     .resource_attributes([("service.version", "1.4.0")])
///     .init()?;
/// # Ok::<(), aios_tracing::ConfigError>(())
/// ```
#[derive(Clone, Default)]
#[must_use = "a builder does nothing until `init()` is called"]
pub struct TracingSdkBuilder {
    given: Given,
    #[cfg(feature = "tracing-bridge")]
    instrumentations: Option<crate::bridge::Instrumentations>,
}
