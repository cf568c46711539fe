//! [`TracingSdk`]: the configured provider, exporter and propagator, and
//! the handle that flushes and shuts them down.

use crate::config::{Config, TracingSdkBuilder};
use crate::console::Console;
use crate::error::{ConfigError, ShutdownError};
use crate::pipeline::{Pipeline, Shared, Sinks, WorkerConfig};
use crate::propagation::{self, Carrier};
use crate::span::{Span, SpanBuilder};
use crate::stats::ExportStats;
use crate::{export, registry};
use opentelemetry::trace::{Link, TracerProvider as _};
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::resource::{ResourceDetector, TelemetryResourceDetector};
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
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
    pipeline: Option<Arc<Shared>>,
    generation: u64,
    /// Scope of the spans [`span`](Self::span) makes: the service name.
    scope: &'static InstrumentationScope,
    shut_down: AtomicBool,
}

impl fmt::Debug for TracingSdk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingSdk")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl TracingSdk {
    /// Starts configuring the SDK for the service `service_name`.
    pub fn builder(service_name: impl Into<String>) -> TracingSdkBuilder {
        TracingSdkBuilder::new(Some(service_name.into()))
    }

    /// Starts configuring the SDK with the service name from `OTEL_SERVICE_NAME`.
    ///
    /// ```
    /// use aios_tracing::{ConfigError, TracingSdk};
    /// let err = TracingSdk::builder_from_env()
    ///     .environment(std::iter::empty::<(String, String)>())
    ///     .resolve()
    ///     .unwrap_err();
    /// assert!(matches!(err, ConfigError::Missing { .. }));
    /// ```
    pub fn builder_from_env() -> TracingSdkBuilder {
        TracingSdkBuilder::new(None)
    }

    pub(crate) fn start(
        config: Config,
        #[cfg(feature = "tracing-bridge")] instrumentations: Option<
            crate::bridge::Instrumentations,
        >,
    ) -> Result<TracingSdk, ConfigError> {
        opentelemetry::global::set_text_map_propagator(propagation::build(&config.propagation));

        let mut resource =
            Resource::builder_empty().with_attributes(config.resource_attributes.clone());
        resource = resource
            .with_detector(Box::new(TelemetryResourceDetector) as Box<dyn ResourceDetector>);
        let resource = resource.build();

        // Interned: our spans borrow it, and the SDK's tracer gets a copy
        // whose name is borrowed too (an owned name would be an allocation
        // per span of `tracer()`'s).
        let scope = registry::intern_scope(&config.service_name, env!("CARGO_PKG_VERSION"));

        #[cfg(any(feature = "logging", feature = "tracing-bridge"))]
        if !config.disabled {
            crate::subscriber::install_if_absent(crate::subscriber::Wanted {
                log_correlation: config.logging_correlation,
                #[cfg(feature = "tracing-bridge")]
                bridge: instrumentations,
            });
        }

        if config.disabled {
            // No processor and nothing sampled: spans cost a context lookup.
            let provider = SdkTracerProvider::builder()
                .with_sampler(Sampler::AlwaysOff)
                .build();
            let tracer = provider.tracer_with_scope(scope.clone());
            return Ok(TracingSdk {
                config,
                provider,
                tracer,
                pipeline: None,
                generation: 0,
                scope,
                shut_down: AtomicBool::new(false),
            });
        }

        crate::clock::warm_up();
        let mut sinks = Sinks::default();
        if config.otlp {
            sinks.otlp = Some(export::prepare(&config, &resource)?);
        }
        sinks.console = config.console.then(Console::stdout);
        let worker = WorkerConfig {
            use_batch: config.use_batch,
            max_queue_size: config.max_queue_size,
            max_queue_bytes: config.max_queue_bytes,
            max_export_batch_size: if config.use_batch {
                config.max_export_batch_size
            } else {
                1
            },
            scheduled_delay: config.scheduled_delay,
            max_concurrent_exports: 4,
            max_attribute_value_length: config.max_attribute_value_length,
        };
        let pipeline =
            Pipeline::start(worker, sinks).map_err(|e| ConfigError::Startup(e.to_string()))?;
        let shared = pipeline.stats_source();

        let sampler =
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(config.sampling_ratio)));
        let provider = SdkTracerProvider::builder()
            .with_sampler(sampler)
            .with_resource(resource)
            .with_span_processor(pipeline)
            .build();
        let tracer = provider.tracer_with_scope(scope.clone());
        opentelemetry::global::set_tracer_provider(provider.clone());
        let generation = registry::install(registry::Install {
            default_scope: scope,
            pipeline: Arc::clone(&shared),
            ratio: config.sampling_ratio,
        });
        Ok(TracingSdk {
            config,
            provider,
            tracer,
            pipeline: Some(shared),
            generation,
            scope,
            shut_down: AtomicBool::new(false),
        })
    }

    /// The effective configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `false` when `OTEL_SDK_DISABLED` (or `.disabled(true)`) made it a no-op.
    pub fn is_enabled(&self) -> bool {
        !self.config.disabled
    }

    /// The underlying OpenTelemetry tracer (scope = the service name), for
    /// code written against the `opentelemetry` API.
    pub fn tracer(&self) -> SdkTracer {
        self.tracer.clone()
    }

    /// Describes a span made by this SDK's tracer; finish with
    /// [`entered`](SpanBuilder::entered) (a guard) or [`start`](SpanBuilder::start).
    pub fn span(&self, name: impl Into<Cow<'static, str>>) -> SpanBuilder {
        SpanBuilder::new(name.into(), Some((self.generation, self.scope)))
    }

    /// Starts a span you end yourself with [`Span::end`].
    pub fn start_span(&self, name: impl Into<Cow<'static, str>>) -> Span {
        self.span(name).start()
    }

    /// Injects the current context into `carrier` and returns it.
    pub fn inject_headers<C: Carrier>(&self, carrier: C) -> C {
        propagation::inject_headers(carrier)
    }

    /// Extracts a remote context from inbound headers (empty when absent or malformed).
    pub fn extract_context<C: Carrier + ?Sized>(&self, carrier: &C) -> Context {
        propagation::extract_context(carrier)
    }

    /// A link to the current span, or `None` outside any span.
    pub fn link_current_span(&self) -> Option<Link> {
        crate::current::link_current_span()
    }

    /// What happened to the spans so far.
    pub fn stats(&self) -> ExportStats {
        self.pipeline
            .as_ref()
            .map(|p| p.stats())
            .unwrap_or_default()
    }

    /// Exports everything queued now, waiting at most `shutdown_timeout`.
    pub fn force_flush(&self) -> Result<(), ShutdownError> {
        if self.shut_down.load(Ordering::Acquire) {
            return Err(ShutdownError::AlreadyShutdown);
        }
        self.provider.force_flush().map_err(|e| self.map_error(e))
    }

    /// Flushes what is queued and stops the exporter, within `shutdown_timeout`.
    /// Later spans are no-ops. Calling it again returns `AlreadyShutdown`.
    pub fn shutdown(&self) -> Result<(), ShutdownError> {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return Err(ShutdownError::AlreadyShutdown);
        }
        registry::uninstall(self.generation);
        let result = self
            .provider
            .shutdown_with_timeout(self.config.shutdown_timeout)
            .map_err(|e| self.map_error(e));
        if registry::generation() == 0 {
            opentelemetry::global::set_tracer_provider(
                opentelemetry::trace::noop::NoopTracerProvider::new(),
            );
        }
        result
    }

    fn map_error(&self, error: OTelSdkError) -> ShutdownError {
        match error {
            OTelSdkError::Timeout(_) => ShutdownError::Timeout(self.config.shutdown_timeout),
            OTelSdkError::AlreadyShutdown => ShutdownError::AlreadyShutdown,
            OTelSdkError::InternalFailure(_) => {
                let stats = self.stats();
                ShutdownError::ExportFailed(format!(
                    "{} of {} span(s) were dropped (see ExportStats)",
                    stats.dropped, stats.ended
                ))
            }
        }
    }
}

impl Drop for TracingSdk {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl TracingSdkBuilder {
    /// Validates the configuration, installs the global tracer provider and
    /// propagator, and starts the exporter.
    ///
    /// Works with or without an async runtime: the exporter runs on its own
    /// thread. Errors name the setting and quote the value.
    pub fn init(self) -> Result<TracingSdk, ConfigError> {
        let config = self.resolve()?;
        TracingSdk::start(
            config,
            #[cfg(feature = "tracing-bridge")]
            self.instrumentations,
        )
    }
}
