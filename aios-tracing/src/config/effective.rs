//! [`Config`]: the effective configuration after builder, environment and
//! defaults, as `init` uses it.

use super::precedence::Origin;
use super::protocol::{Compression, Protocol};
use super::redact;
use super::sampler::Sampler;
use super::sampling_rules::SamplingRule;
use super::tail::TailSampling;
use super::{LogFormat, Propagation, ResourceDetectors, TlsFiles};
use crate::error::ConfigWarning;
use crate::limits::SpanLimits;
use crate::transport::tls::TlsMaterial;
use http::header::{HeaderName, HeaderValue};
use opentelemetry::KeyValue;
use std::fmt;
use std::time::Duration;

/// The effective configuration after builder, environment and defaults.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// `service.name`.
    pub service_name: String,
    /// `deployment.environment.name`.
    pub deployment_env: String,
    /// OTLP transport.
    pub protocol: Protocol,
    /// Full export URI (HTTP includes `/v1/traces`).
    pub endpoint: http::Uri,
    /// Plaintext allowed for scheme-less endpoints.
    pub insecure: bool,
    /// Headers sent with each export request.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The sampler.
    pub sampler: Sampler,
    /// Rules choosing a ratio for some new traces; the sampler decides for
    /// the rest.
    pub sampling_rules: Vec<SamplingRule>,
    /// The cap on new traces recorded per second.
    pub max_traces_per_second: Option<f64>,
    /// Which unsampled local traces are kept whole after all.
    pub tail_sampling: TailSampling,
    /// The sampler's ratio of new traces recorded (1 or 0 for the fixed
    /// samplers).
    pub sampling_ratio: f64,
    /// Batch (true) or send-per-span (false).
    pub use_batch: bool,
    /// Console tree printer on.
    pub console: bool,
    /// OTLP export on.
    pub otlp: bool,
    /// Propagators.
    pub propagation: Propagation,
    /// Resource attributes: the detected ones, then `OTEL_RESOURCE_ATTRIBUTES`
    /// and the builder's over them, and `service.name` and
    /// `deployment.environment.name`.
    pub resource_attributes: Vec<KeyValue>,
    /// `service.version`, if any source set it.
    pub service_version: Option<String>,
    /// The resource detectors that ran.
    pub resource_detectors: ResourceDetectors,
    /// Log correlation on.
    pub logging_correlation: bool,
    /// The format of the log lines of the subscriber `init` installs.
    pub log_format: LogFormat,
    /// The `EnvFilter` directives on those lines (from `RUST_LOG`: the
    /// ones that parsed).
    pub log_filter: String,
    /// Whether `init` installs the `tracing` subscriber and `log` logger
    /// when the application has set none.
    pub install_logging: bool,
    /// `RUST_LOG` directives that did not parse, with why.
    pub(crate) ignored_log_directives: Vec<String>,
    /// Everything a no-op.
    pub disabled: bool,
    /// Bound for shutdown and flush.
    pub shutdown_timeout: Duration,
    /// Longest wait for one attempt's answer, and the probe's retry window.
    pub export_timeout: Duration,
    /// Compression of export requests.
    pub compression: Compression,
    /// Queue bound in spans.
    pub max_queue_size: usize,
    /// Queue bound in estimated bytes.
    pub max_queue_bytes: usize,
    /// Spans per request.
    pub max_export_batch_size: usize,
    /// Longest wait before a partial batch is sent.
    pub scheduled_delay: Duration,
    /// Longest an export request is kept for the collector, from when it
    /// was made, before its spans are dropped.
    pub max_export_wait: Duration,
    /// Longest string attribute value in bytes.
    pub max_attribute_value_length: usize,
    /// Attributes, events and links a span keeps.
    pub span_limits: SpanLimits,
    /// The HTTP proxy export requests go through (OTLP/HTTP only).
    pub proxy: Option<http::Uri>,
    /// Hosts reached without the proxy (reqwest's `NO_PROXY` syntax).
    pub no_proxy: Option<String>,
    /// Unusable values of standard variables are errors, not warnings.
    pub strict_env: bool,
    /// TLS files.
    pub tls: TlsFiles,
    /// The TLS files' contents, read and checked (empty without OTLP).
    #[cfg_attr(not(any(feature = "grpc", feature = "http")), allow(dead_code))]
    pub(crate) tls_material: TlsMaterial,
    /// Where the endpoint came from, for errors about it.
    #[cfg_attr(not(any(feature = "grpc", feature = "http")), allow(dead_code))]
    pub(crate) endpoint_origin: Origin,
    pub(crate) warnings: Vec<ConfigWarning>,
}

impl Config {
    /// The standard variables whose values could not be used, and were
    /// ignored (logged when the SDK starts).
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.warnings
    }

    /// The transport refused the endpoint: an error naming where it came from.
    #[cfg(any(feature = "grpc", feature = "http"))]
    pub(crate) fn transport_error(&self, reason: String) -> crate::ConfigError {
        self.endpoint_origin.invalid(
            format!("usable for {} ({reason})", self.protocol),
            self.endpoint.to_string(),
        )
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("service_name", &self.service_name)
            .field("deployment_env", &self.deployment_env)
            .field("protocol", &self.protocol)
            .field("endpoint", &self.endpoint)
            .field("insecure", &self.insecure)
            .field("headers", &redact::Headers(&self.headers))
            .field("sampler", &self.sampler)
            .field("sampling_rules", &self.sampling_rules)
            .field("max_traces_per_second", &self.max_traces_per_second)
            .field("tail_sampling", &self.tail_sampling)
            .field("use_batch", &self.use_batch)
            .field("console", &self.console)
            .field("otlp", &self.otlp)
            .field("propagation", &self.propagation)
            .field("resource_attributes", &self.resource_attributes)
            .field("service_version", &self.service_version)
            .field("resource_detectors", &self.resource_detectors)
            .field("logging_correlation", &self.logging_correlation)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .field("install_logging", &self.install_logging)
            .field("disabled", &self.disabled)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("export_timeout", &self.export_timeout)
            .field("max_queue_size", &self.max_queue_size)
            .field("max_queue_bytes", &self.max_queue_bytes)
            .field("max_export_batch_size", &self.max_export_batch_size)
            .field("scheduled_delay", &self.scheduled_delay)
            .field("max_export_wait", &self.max_export_wait)
            .field(
                "max_attribute_value_length",
                &self.max_attribute_value_length,
            )
            .field("compression", &self.compression)
            .field("span_limits", &self.span_limits)
            .field("proxy", &self.proxy)
            .field("no_proxy", &self.no_proxy)
            .field("strict_env", &self.strict_env)
            .field("tls", &self.tls)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}
