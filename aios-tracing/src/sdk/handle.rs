//! What a [`TracingSdk`] does: start (from a resolved configuration),
//! make spans, propagate, report, flush and shut down.

use super::{active, build, startup, TracingSdk, TracingSdkBuilder};
use crate::config::Config;
use crate::error::{ConfigError, ShutdownError};
use crate::pipeline::{ExportStats, Incomplete};
use crate::propagation::{self, Carrier};
use crate::sink::Starter;
use crate::span::{Span, SpanBuilder};
use opentelemetry::trace::{Link, TracerProvider as _};
use opentelemetry::Context;
use opentelemetry_sdk::trace::SdkTracer;
use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

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
        extra_sinks: Vec<Starter>,
    ) -> Result<TracingSdk, ConfigError> {
        opentelemetry::global::set_text_map_propagator(propagation::composite(&config.propagation));

        if config.disabled {
            startup::announce_disabled(&config);
            report_warnings(&config);
            // Nothing sampled: spans cost a context lookup.
            let (provider, tracer) = build::disabled(&config);
            return Ok(TracingSdk {
                config,
                provider,
                tracer,
                state: None,
                shut_down: AtomicBool::new(false),
            });
        }

        let state = build::running(&config, active::next_generation(), extra_sinks)?;
        let provider = state.provider.clone();
        let tracer = provider.tracer_with_scope(state.spans.scope.clone());
        opentelemetry::global::set_tracer_provider(provider.clone());
        active::push(Arc::clone(&state));

        // Only once the SDK runs: an `init` that fails installs nothing, so
        // the application can still set up logging its own way.
        #[cfg(any(feature = "logging", feature = "tracing-bridge"))]
        let logs = crate::subscriber::install(
            &config,
            #[cfg(feature = "tracing-bridge")]
            instrumentations,
        );
        #[cfg(not(any(feature = "logging", feature = "tracing-bridge")))]
        let logs = "installed nothing (features logging and tracing-bridge off)";
        startup::announce(&config, &logs);
        // After the subscriber: so that they reach a log, if one is set up.
        report_warnings(&config);
        Ok(TracingSdk {
            config,
            provider,
            tracer,
            state: Some(state),
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
        SpanBuilder::for_sdk(name.into(), self.state.clone())
    }

    /// Starts a span you end yourself with [`Span::end`].
    pub fn start_span(&self, name: impl Into<Cow<'static, str>>) -> Span {
        self.span(name).start()
    }

    /// Injects the current context into `carrier` with this SDK's
    /// propagators and returns it.
    pub fn inject_headers<C: Carrier>(&self, mut carrier: C) -> C {
        match &self.state {
            Some(state) => {
                propagation::inject_with(&state.propagator, &Context::current(), &mut carrier)
            }
            None => crate::inject_context(&Context::current(), &mut carrier),
        }
        carrier
    }

    /// Extracts a remote context from inbound headers with this SDK's
    /// propagators (empty when absent or malformed).
    pub fn extract_context<C: Carrier + ?Sized>(&self, carrier: &C) -> Context {
        match &self.state {
            Some(state) => propagation::extract_with(&state.propagator, carrier),
            None => crate::extract_context(carrier),
        }
    }

    /// A link to the current span, or `None` outside any span.
    pub fn link_current_span(&self) -> Option<Link> {
        crate::current::link_current_span()
    }

    /// What happened to the spans so far.
    pub fn stats(&self) -> ExportStats {
        let Some(state) = &self.state else {
            return ExportStats::default();
        };
        let mut stats = state.pipeline.stats();
        let roots = &state.spans.sampler.roots;
        let read = |count: &std::sync::atomic::AtomicU64| count.load(Ordering::Relaxed);
        stats.roots_sampled = read(&roots.sampled);
        stats.roots_dropped_by_rule = read(&roots.dropped_by_rule);
        stats.roots_dropped_by_limit = read(&roots.dropped_by_limit);
        stats
    }

    /// Exports everything queued now, waiting at most `shutdown_timeout`
    /// (while the collector is down, what is not delivered by then stays
    /// queued and the result is `Timeout`).
    pub fn force_flush(&self) -> Result<(), ShutdownError> {
        let deadline = Instant::now() + self.config.shutdown_timeout;
        if self.shut_down.load(Ordering::Acquire) {
            return Err(ShutdownError::AlreadyShutdown);
        }
        match &self.state {
            Some(state) => state
                .pipeline
                .flush(deadline)
                .map_err(|e| self.map_error(e)),
            None => Ok(()),
        }
    }

    /// Flushes what is queued and stops the exporter, within `shutdown_timeout`.
    /// Later spans are no-ops. Calling it again returns `AlreadyShutdown`.
    ///
    /// If other SDKs are still running, the most recently started of them
    /// becomes the one `#[trace]` and `Span::builder` record into, and its
    /// provider the global one.
    pub fn shutdown(&self) -> Result<(), ShutdownError> {
        // Every wait below ends by this one deadline.
        let deadline = Instant::now() + self.config.shutdown_timeout;
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return Err(ShutdownError::AlreadyShutdown);
        }
        let Some(state) = &self.state else {
            let _ = self.provider.shutdown();
            return Ok(());
        };
        if let Some(active) = active::remove(state.generation()) {
            match active {
                Some(active) => {
                    opentelemetry::global::set_tracer_provider(active.provider.clone());
                    opentelemetry::global::set_text_map_propagator(propagation::composite(
                        &active.propagation,
                    ));
                }
                None => opentelemetry::global::set_tracer_provider(
                    opentelemetry::trace::noop::NoopTracerProvider::new(),
                ),
            }
        }
        let result = state
            .pipeline
            .shutdown(deadline)
            .map_err(|e| self.map_error(e));
        // The provider's own processor is the pipeline, already stopped.
        let _ = self.provider.shutdown();
        result
    }

    fn map_error(&self, error: Incomplete) -> ShutdownError {
        match error {
            Incomplete::Timeout => ShutdownError::Timeout(self.config.shutdown_timeout),
            Incomplete::Stopped => ShutdownError::AlreadyShutdown,
            Incomplete::Dropped => {
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

/// Logs what the configuration accepted with a warning (a bad `OTEL_*`
/// value replaced by its default, an unknown propagator skipped, …).
fn report_warnings(config: &Config) {
    for warning in config.warnings() {
        tracing::warn!(target: "aios_tracing", "{warning}");
    }
}
