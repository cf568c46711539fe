//! [`TracingSdkBuilder`]'s methods: one per setting, then `resolve` and
//! `init`.

use super::{TracingSdk, TracingSdkBuilder};
use crate::config::{
    self, Compression, Config, LogFormat, Protocol, ResourceDetectors, Sampler, SamplingRule, Vars,
};
use crate::error::ConfigError;
use crate::sink::Starter;
use opentelemetry::KeyValue;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

impl fmt::Debug for TracingSdkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.given, f)
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident, $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.given.$field = Some(value);
            self
        }
    };
}

impl TracingSdkBuilder {
    pub(crate) fn new(service_name: Option<String>) -> Self {
        let mut builder = TracingSdkBuilder::default();
        builder.given.service_name = service_name;
        builder
    }

    /// The deployment environment (`dev`, `staging`, `prod`); exported as
    /// the resource attribute `deployment.environment.name`. Env: `DEPLOYMENT_ENV`.
    pub fn deployment_env(mut self, env: impl Into<String>) -> Self {
        self.given.deployment_env = Some(env.into());
        self
    }

    setter!(
        /// OTLP transport. Env: `OTLP_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`.
        otlp_protocol, protocol: Protocol
    );

    /// Collector endpoint: `host:port` or a URL for gRPC, a URL for HTTP
    /// (`/v1/traces` is appended unless present). Env: `OTLP_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn otlp_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.given.endpoint = Some(endpoint.into());
        self
    }

    setter!(
        /// `true` (default) sends plaintext when the endpoint has no scheme;
        /// `false` uses TLS with the system's roots plus
        /// `OTEL_EXPORTER_OTLP_CERTIFICATE`. Env: `OTEL_EXPORTER_OTLP_INSECURE`.
        otlp_insecure, insecure: bool
    );

    /// Headers (gRPC metadata) sent with every export request, such as auth
    /// or tenant ids. Replaces `OTEL_EXPORTER_OTLP_HEADERS` entirely.
    pub fn otlp_headers<K, V>(mut self, headers: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.given.headers = Some(
            headers
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Probability in `0.0..=1.0` that a new trace is sampled; the sampler
    /// is `ParentBased(TraceIdRatioBased(ratio))` (the same as
    /// `.sampler(Sampler::ParentBasedTraceIdRatio(ratio))`). Env:
    /// `OTEL_TRACES_SAMPLER=parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG`.
    pub fn sampling_ratio(mut self, ratio: f64) -> Self {
        self.given.sampler = Some(Sampler::ParentBasedTraceIdRatio(ratio));
        self
    }

    setter!(
        /// The sampler (default `ParentBasedAlwaysOn`). Env: `OTEL_TRACES_SAMPLER`
        /// and, for the ratio samplers, `OTEL_TRACES_SAMPLER_ARG`.
        sampler, sampler: Sampler
    );
    /// Sampling rules for new traces, in order; the first whose conditions
    /// the root span meets decides (see [`SamplingRule`]). Env:
    /// `AIOS_TRACING_SAMPLING_RULES` (e.g. `name=GET /health:0;http.route=/admin/*:1;*:0.01`).
    pub fn sampling_rules(mut self, rules: impl IntoIterator<Item = SamplingRule>) -> Self {
        self.given.sampling_rules = Some(rules.into_iter().collect());
        self
    }

    setter!(
        /// At most this many new traces recorded per second (the rules and
        /// the sampler pick, this caps). Env: `AIOS_TRACING_TRACES_PER_SECOND`.
        max_traces_per_second, max_traces_per_second: f64
    );
    setter!(
        /// Keep every local trace in which a span has status ERROR, whatever
        /// head sampling decided: each local tree's spans are recorded and
        /// held until its root ends (opt-in; spans cost what sampled ones
        /// do). Env: `AIOS_TRACING_KEEP_FAILED_TRACES`.
        keep_failed_traces, keep_failed_traces: bool
    );
    setter!(
        /// Keep every local trace whose root lasted longer than this, as
        /// `keep_failed_traces` does. Env: `AIOS_TRACING_KEEP_SLOWER_THAN` (ms).
        keep_slow_traces, keep_slow_traces: Duration
    );
    setter!(
        /// Bytes of spans held for those decisions at most (default 16 MiB);
        /// past it the oldest trees are decided early, by their head
        /// decision, and counted. Env: `AIOS_TRACING_TAIL_MAX_HELD_BYTES`.
        tail_max_held_bytes, tail_max_held_bytes: usize
    );
    setter!(
        /// Compression of export requests (default none; gzip needs the
        /// `gzip` feature). Env: `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`,
        /// `OTEL_EXPORTER_OTLP_COMPRESSION`.
        otlp_compression, compression: Compression
    );
    setter!(
        /// Turn unusable values of standard `OTEL_*` variables into
        /// `ConfigError`s instead of warnings (default `false`). Env:
        /// `AIOS_TRACING_STRICT_ENV`.
        strict_env, strict_env: bool
    );

    /// Send OTLP/HTTP export requests through this HTTP proxy, for every
    /// endpoint `NO_PROXY` does not name, loopback included. Without it,
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` apply (not to loopback).
    pub fn otlp_proxy(mut self, url: impl Into<String>) -> Self {
        self.given.proxy = Some(url.into());
        self
    }

    /// Attributes a span keeps at most (default 128). Env:
    /// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT`.
    pub fn max_attributes_per_span(mut self, limit: usize) -> Self {
        self.given.span_limits.attributes = Some(limit);
        self
    }

    /// Events a span keeps at most (default 128). Env: `OTEL_SPAN_EVENT_COUNT_LIMIT`.
    pub fn max_events_per_span(mut self, limit: usize) -> Self {
        self.given.span_limits.events = Some(limit);
        self
    }

    /// Links a span keeps at most (default 128). Env: `OTEL_SPAN_LINK_COUNT_LIMIT`.
    pub fn max_links_per_span(mut self, limit: usize) -> Self {
        self.given.span_limits.links = Some(limit);
        self
    }

    /// Attributes an event keeps at most (default 128). Env:
    /// `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT`.
    pub fn max_attributes_per_event(mut self, limit: usize) -> Self {
        self.given.span_limits.attributes_per_event = Some(limit);
        self
    }

    /// Attributes a link keeps at most (default 128). Env:
    /// `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT`.
    pub fn max_attributes_per_link(mut self, limit: usize) -> Self {
        self.given.span_limits.attributes_per_link = Some(limit);
        self
    }

    setter!(
        /// `true` (default) batches spans; `false` sends each span as soon
        /// as it ends (still off the application thread).
        use_batch, use_batch: bool
    );
    setter!(
        /// Print each finished trace as a tree on stdout. Env: `AIOS_TRACING_CONSOLE`.
        enable_console_exporter, console: bool
    );
    setter!(
        /// `true` (default): export over OTLP. Set `false` with the console
        /// exporter on to only print. Env: `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`).
        enable_otlp_exporter, otlp_enabled: bool
    );
    setter!(
        /// B3 (single header, both formats read) instead of W3C `traceparent`.
        /// Env: `OTEL_PROPAGATORS` (`tracecontext`, `baggage`, `b3`, `b3multi`, `none`).
        use_b3_propagation, b3: bool
    );
    setter!(
        /// Put trace and span ids into log lines (default `true`).
        enable_logging_correlation, logging_correlation: bool
    );
    setter!(
        /// The format of the log lines of the subscriber `init` installs:
        /// text (default) or one JSON object per line. Env:
        /// `AIOS_TRACING_LOG_FORMAT` (`text`, `json`).
        log_format, log_format: LogFormat
    );
    setter!(
        /// `init` installs the global `tracing` subscriber and `log` logger
        /// when the application has set none (default `true`); `false`
        /// installs nothing, for an application that sets up its own after
        /// `init` (add [`logging::layer`](crate::logging::layer) to it for
        /// correlated lines).
        install_logging, install_logging: bool
    );

    /// Which log lines the subscriber `init` installs writes, as
    /// `tracing_subscriber::EnvFilter` directives (`info,hyper=warn,my_crate::db=debug`).
    /// A directive that does not parse is a `ConfigError`. Env: `RUST_LOG`
    /// (where bad directives are skipped, with a warning); default `info`.
    ///
    /// ```
    /// let config = aios_tracing::TracingSdk::builder("svc")
    ///     .log_filter("info,hyper=warn")
    ///     .resolve()?;
    /// assert_eq!(config.log_filter, "info,hyper=warn");
    /// # Ok::<(), aios_tracing::ConfigError>(())
    /// ```
    pub fn log_filter(mut self, directives: impl Into<String>) -> Self {
        self.given.log_filter = Some(directives.into());
        self
    }

    setter!(
        /// Turn the whole SDK into a no-op. Env: `OTEL_SDK_DISABLED`.
        disabled, disabled: bool
    );
    setter!(
        /// Upper bound for `shutdown()` and the flush on drop (default 5 s).
        shutdown_timeout, shutdown_timeout: Duration
    );
    setter!(
        /// How long one attempt waits for the collector's answer, and how
        /// long the request probing a collector that is down retries before
        /// it waits its turn again (default 10 s). A request is not dropped
        /// when it passes; see `max_export_wait`.
        /// Env: `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds).
        export_timeout, export_timeout: Duration
    );
    setter!(
        /// Spans held for export at most (default 1 048 576); past it new spans
        /// are dropped and counted. Env: `OTEL_BSP_MAX_QUEUE_SIZE`.
        max_queue_size, max_queue_size: usize
    );
    setter!(
        /// Estimated bytes held for export at most (default 64 MiB).
        /// Env: `AIOS_TRACING_MAX_QUEUE_BYTES`.
        max_queue_bytes, max_queue_bytes: usize
    );
    setter!(
        /// Spans per export request (default 512). Env: `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`.
        max_export_batch_size, max_export_batch_size: usize
    );
    setter!(
        /// Longest string attribute value, in bytes; longer ones are cut at a
        /// character boundary before the span is queued (default 65 536).
        /// Env: `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
        max_attribute_value_length, max_attribute_value_length: usize
    );
    setter!(
        /// Longest a span waits before its batch is sent (default 1 s).
        /// Env: `OTEL_BSP_SCHEDULE_DELAY` (milliseconds).
        scheduled_delay, scheduled_delay: Duration
    );

    /// Longest an export request is kept while the collector is down
    /// (default 15 minutes), from when it was made (at most one
    /// `scheduled_delay` after its spans ended); past it its spans are
    /// dropped and counted. Until then a request that failed transiently
    /// stays queued, counted against `max_queue_size` and
    /// `max_queue_bytes`, and is sent again once the collector answers.
    /// Env: `AIOS_TRACING_MAX_EXPORT_WAIT` (milliseconds).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = aios_tracing::TracingSdk::builder("svc")
    ///     .max_export_wait(Duration::from_secs(60))
    ///     .resolve()?;
    /// assert_eq!(config.max_export_wait, Duration::from_secs(60));
    /// # Ok::<(), aios_tracing::ConfigError>(())
    /// ```
    pub fn max_export_wait(mut self, wait: Duration) -> Self {
        self.given.max_export_wait = Some(wait);
        self
    }

    /// Extra resource attributes (`service.version`, `region`, …); they win
    /// over `OTEL_RESOURCE_ATTRIBUTES` for the same key.
    pub fn resource_attributes<K, V>(mut self, attributes: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<opentelemetry::Key>,
        V: Into<opentelemetry::Value>,
    {
        self.given
            .resource_attributes
            .extend(attributes.into_iter().map(|(k, v)| KeyValue::new(k, v)));
        self
    }

    /// The service's version, exported as `service.version`; wins over the
    /// same key in `resource_attributes` and `OTEL_RESOURCE_ATTRIBUTES`.
    ///
    /// ```
    /// let config = aios_tracing::TracingSdk::builder("svc")
    ///     .service_version(env!("CARGO_PKG_VERSION"))
    ///     .resolve()?;
    /// assert_eq!(config.service_version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    /// # Ok::<(), aios_tracing::ConfigError>(())
    /// ```
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.given.service_version = Some(version.into());
        self
    }

    setter!(
        /// Which resource detectors run at `init` (default: all; see
        /// [`ResourceDetectors`]). Env: `AIOS_TRACING_RESOURCE_DETECTORS`.
        resource_detectors, resource_detectors: ResourceDetectors
    );

    /// PEM file of extra CA certificates to trust for the collector.
    /// Env: `OTEL_EXPORTER_OTLP_CERTIFICATE`.
    pub fn otlp_ca_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.given.tls.ca = Some(path.into());
        self
    }

    /// PEM certificate and key for mutual TLS. Env:
    /// `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_KEY`.
    pub fn otlp_client_identity(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.given.tls.client_cert = Some(cert.into());
        self.given.tls.client_key = Some(key.into());
        self
    }

    /// Bridge `tracing` spans of these libraries into the trace tree (the
    /// Python SDK's `enable_instrumentations`). Takes effect in the
    /// subscriber `init` installs; with your own subscriber, add
    /// [`bridge::layer`](crate::bridge::layer) to it instead.
    ///
    /// ```
    /// use aios_tracing::{bridge::Instrumentations, TracingSdk};
    /// let builder = TracingSdk::builder("svc").instrumentations(Instrumentations::new().tonic(true).sqlx(true));
    /// # drop(builder);
    /// ```
    #[cfg(feature = "tracing-bridge")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tracing-bridge")))]
    pub fn instrumentations(mut self, switches: crate::bridge::Instrumentations) -> Self {
        self.instrumentations = Some(switches);
        self
    }

    /// Read environment variables from `vars` instead of the process
    /// environment (for tests, or settings kept elsewhere).
    ///
    /// ```
    /// use aios_tracing::TracingSdk;
    /// let config = TracingSdk::builder("svc")
    ///     .environment([("DEPLOYMENT_ENV", "staging")])
    ///     .resolve()?;
    /// assert_eq!(config.deployment_env, "staging");
    /// # Ok::<(), aios_tracing::ConfigError>(())
    /// ```
    pub fn environment<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let map: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.given.vars = Vars::Map(map);
        self
    }

    /// Resolves every setting against the environment and validates it,
    /// without starting anything.
    ///
    /// ```
    /// use aios_tracing::{Protocol, TracingSdk};
    /// let config = TracingSdk::builder("svc")
    ///     .otlp_protocol(Protocol::HttpProtobuf)
    ///     .otlp_endpoint("http://collector:4318")
    ///     .environment(std::iter::empty::<(String, String)>())
    ///     .resolve()?;
    /// assert_eq!(config.endpoint.to_string(), "http://collector:4318/v1/traces");
    /// # Ok::<(), aios_tracing::ConfigError>(())
    /// ```
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        config::resolve(&self.given)
    }

    /// Validates the configuration, installs the global tracer provider and
    /// propagator, and starts the exporter.
    ///
    /// Works with or without an async runtime: the exporter runs on its own
    /// thread. Errors name the setting and quote the value.
    pub fn init(self) -> Result<TracingSdk, ConfigError> {
        self.init_with_sinks(Vec::new())
    }

    /// [`init`](Self::init), with `sinks` after the configured exporters.
    pub(crate) fn init_with_sinks(self, sinks: Vec<Starter>) -> Result<TracingSdk, ConfigError> {
        let config = self.resolve()?;
        TracingSdk::start(
            config,
            #[cfg(feature = "tracing-bridge")]
            self.instrumentations,
            sinks,
        )
    }
}
