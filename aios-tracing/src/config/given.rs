//! What the application gave the builder, before resolution: every
//! setting's builder value, and where to read the environment from.

use super::env::Vars;
use super::protocol::{Compression, Protocol};
use super::redact;
use super::sampler::Sampler;
use super::sampling_rules::SamplingRule;
use super::{LogFormat, ResourceDetectors};
use opentelemetry::KeyValue;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The values given to the builder, before resolution.
#[derive(Clone, Default)]
pub(crate) struct Given {
    pub(crate) service_name: Option<String>,
    pub(crate) deployment_env: Option<String>,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) endpoint: Option<String>,
    pub(crate) insecure: Option<bool>,
    pub(crate) headers: Option<Vec<(String, String)>>,
    pub(crate) sampler: Option<Sampler>,
    pub(crate) sampling_rules: Option<Vec<SamplingRule>>,
    pub(crate) max_traces_per_second: Option<f64>,
    pub(crate) keep_failed_traces: Option<bool>,
    pub(crate) keep_slow_traces: Option<Duration>,
    pub(crate) tail_max_held_bytes: Option<usize>,
    pub(crate) use_batch: Option<bool>,
    pub(crate) console: Option<bool>,
    pub(crate) b3: Option<bool>,
    pub(crate) resource_attributes: Vec<KeyValue>,
    pub(crate) service_version: Option<String>,
    pub(crate) resource_detectors: Option<ResourceDetectors>,
    pub(crate) log_format: Option<LogFormat>,
    pub(crate) log_filter: Option<String>,
    pub(crate) install_logging: Option<bool>,
    pub(crate) logging_correlation: Option<bool>,
    pub(crate) otlp_enabled: Option<bool>,
    pub(crate) disabled: Option<bool>,
    pub(crate) shutdown_timeout: Option<Duration>,
    pub(crate) export_timeout: Option<Duration>,
    pub(crate) max_queue_size: Option<usize>,
    pub(crate) max_queue_bytes: Option<usize>,
    pub(crate) max_export_batch_size: Option<usize>,
    pub(crate) scheduled_delay: Option<Duration>,
    pub(crate) max_export_wait: Option<Duration>,
    pub(crate) max_attribute_value_length: Option<usize>,
    pub(crate) tls: TlsFiles,
    pub(crate) span_limits: GivenLimits,
    pub(crate) compression: Option<Compression>,
    pub(crate) proxy: Option<String>,
    pub(crate) strict_env: Option<bool>,
    pub(crate) vars: Vars,
}

/// Span limits given one by one (`None`: from the environment or default).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GivenLimits {
    pub(crate) attributes: Option<usize>,
    pub(crate) events: Option<usize>,
    pub(crate) links: Option<usize>,
    pub(crate) attributes_per_event: Option<usize>,
    pub(crate) attributes_per_link: Option<usize>,
}

impl fmt::Debug for Given {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers = self.headers.as_deref().map(redact::Headers);
        f.debug_struct("TracingSdkBuilder")
            .field("service_name", &self.service_name)
            .field("deployment_env", &self.deployment_env)
            .field("protocol", &self.protocol)
            .field("endpoint", &self.endpoint)
            .field("insecure", &self.insecure)
            .field("headers", &headers)
            .field("sampler", &self.sampler)
            .field("use_batch", &self.use_batch)
            .field("console", &self.console)
            .field("b3", &self.b3)
            .field("resource_attributes", &self.resource_attributes)
            .field("service_version", &self.service_version)
            .field("resource_detectors", &self.resource_detectors)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .field("install_logging", &self.install_logging)
            .finish_non_exhaustive()
    }
}

/// Files used for TLS to the collector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// Extra CA certificates (PEM).
    pub ca: Option<PathBuf>,
    /// Client certificate for mutual TLS (PEM).
    pub client_cert: Option<PathBuf>,
    /// Client private key for mutual TLS (PEM).
    pub client_key: Option<PathBuf>,
}
