//! [`Config`]: the effective configuration after builder, environment and
//! defaults, as `init` uses it.

use super::precedence::Origin;
use super::protocol::Protocol;
use super::redact;
use super::{LogFormat, Propagation, ResourceDetectors, TlsFiles};
use crate::error::ConfigError;
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
    /// Ratio for `TraceIdRatioBased`.
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
    /// Bound for one export request including retries.
    pub export_timeout: Duration,
    /// Queue bound in spans.
    pub max_queue_size: usize,
    /// Queue bound in estimated bytes.
    pub max_queue_bytes: usize,
    /// Spans per request.
    pub max_export_batch_size: usize,
    /// Longest wait before a partial batch is sent.
    pub scheduled_delay: Duration,
    /// Longest string attribute value in bytes.
    pub max_attribute_value_length: usize,
    /// TLS files.
    pub tls: TlsFiles,
    /// The TLS files' contents, read and checked (empty without OTLP).
    pub(crate) tls_material: TlsMaterial,
    /// Where the endpoint came from, for errors about it.
    pub(crate) endpoint_origin: Origin,
}

impl Config {
    /// The transport refused the endpoint: an error naming where it came from.
    pub(crate) fn transport_error(&self, reason: String) -> ConfigError {
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
            .field("sampling_ratio", &self.sampling_ratio)
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
            .field(
                "max_attribute_value_length",
                &self.max_attribute_value_length,
            )
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}
