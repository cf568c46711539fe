//! Resolution of a [`TracingSdkBuilder`] into a complete, validated [`Config`].

use super::endpoint;
use super::groups::{resolve_exporters, resolve_headers, resolve_propagation, resolve_resource};
use super::lookup::{env_bool, env_millis, env_number, lookup, Found};
use super::{Protocol, TracingSdkBuilder};
use crate::error::{ConfigError, Source};
use http::header::{HeaderName, HeaderValue};
use opentelemetry::KeyValue;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Which propagators read and write headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propagation {
    /// W3C `traceparent` / `tracestate`.
    pub trace_context: bool,
    /// W3C `baggage`.
    pub baggage: bool,
    /// B3 single header (`b3`) for injection; extraction reads both B3 forms.
    pub b3_single: bool,
    /// B3 multi header (`X-B3-TraceId`, …) for injection.
    pub b3_multi: bool,
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
    /// Resource attributes, including `service.name` and `deployment.environment.name`.
    pub resource_attributes: Vec<KeyValue>,
    /// Log correlation on.
    pub logging_correlation: bool,
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
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(k, _)| format!("{k}=<redacted>"))
            .collect();
        f.debug_struct("Config")
            .field("service_name", &self.service_name)
            .field("deployment_env", &self.deployment_env)
            .field("protocol", &self.protocol)
            .field("endpoint", &self.endpoint)
            .field("insecure", &self.insecure)
            .field("headers", &headers)
            .field("sampling_ratio", &self.sampling_ratio)
            .field("use_batch", &self.use_batch)
            .field("console", &self.console)
            .field("otlp", &self.otlp)
            .field("propagation", &self.propagation)
            .field("resource_attributes", &self.resource_attributes)
            .field("logging_correlation", &self.logging_correlation)
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
            .finish()
    }
}

pub(super) fn resolve(b: &TracingSdkBuilder) -> Result<Config, ConfigError> {
    let env = &b.env;

    let service_name = match &b.service_name {
        Some(name) if name.trim().is_empty() => {
            return Err(ConfigError::invalid(
                "service_name",
                "a non-empty name",
                name.as_str(),
                Source::Builder,
            ))
        }
        Some(name) => name.clone(),
        None => env
            .get("OTEL_SERVICE_NAME")
            .ok_or_else(|| ConfigError::Missing {
                setting: "service_name".into(),
                hint: "pass it to TracingSdk::builder(..) or set OTEL_SERVICE_NAME".into(),
            })?,
    };

    let disabled = env_bool(b.disabled, "disabled", env, &["OTEL_SDK_DISABLED"], false)?;

    let deployment_env = b
        .deployment_env
        .clone()
        .or_else(|| env.get("DEPLOYMENT_ENV"))
        .unwrap_or_else(|| "dev".to_owned());

    let protocol = match lookup(
        b.protocol.as_ref(),
        "otlp_protocol",
        env,
        &[
            "OTLP_PROTOCOL",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ],
    ) {
        None => Protocol::Grpc,
        Some(Found { value: Ok(p), .. }) => p,
        Some(Found {
            value: Err(raw),
            source,
            setting,
        }) => raw.parse().map_err(|raw: String| {
            ConfigError::invalid(
                setting,
                "one of grpc, http/protobuf, http/json",
                raw,
                source,
            )
        })?,
    };

    let insecure = env_bool(
        b.insecure,
        "otlp_insecure",
        env,
        &[
            "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
            "OTEL_EXPORTER_OTLP_INSECURE",
        ],
        true,
    )?;

    let endpoint = match lookup(
        b.endpoint.as_ref(),
        "otlp_endpoint",
        env,
        &[
            "OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ],
    ) {
        None => endpoint::normalize(
            endpoint::default_for(protocol),
            protocol,
            insecure,
            false,
            "otlp_endpoint",
            Source::Builder,
        )?,
        Some(Found {
            value,
            source,
            setting,
        }) => {
            let raw = value.unwrap_or_else(|raw| raw);
            let verbatim = setting == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
            endpoint::normalize(&raw, protocol, insecure, verbatim, setting, source)?
        }
    };

    let headers = resolve_headers(b, env)?;

    let sampling_ratio = match lookup(
        b.sampling_ratio.as_ref(),
        "sampling_ratio",
        env,
        &["OTEL_TRACES_SAMPLER_ARG"],
    ) {
        None => 1.0,
        Some(Found {
            value,
            source,
            setting,
        }) => {
            let (ratio, shown) = match value {
                Ok(v) => (v, v.to_string()),
                Err(raw) => (raw.parse::<f64>().unwrap_or(f64::NAN), raw),
            };
            if !(0.0..=1.0).contains(&ratio) {
                return Err(ConfigError::invalid(
                    setting,
                    "within 0.0..=1.0",
                    shown,
                    source,
                ));
            }
            ratio
        }
    };

    let console = env_bool(
        b.console,
        "enable_console_exporter",
        env,
        &["AIOS_TRACING_CONSOLE"],
        false,
    )?;
    let (otlp, console) = resolve_exporters(b, env, console)?;
    let propagation = resolve_propagation(b, env)?;
    let resource_attributes = resolve_resource(b, env, &service_name, &deployment_env)?;

    // The byte bound is the one that binds in practice; the span bound is
    // high so that a burst of 100k spans fits with the defaults.
    let max_queue_size = env_number(
        b.max_queue_size,
        "max_queue_size",
        env,
        "OTEL_BSP_MAX_QUEUE_SIZE",
        1,
        1 << 20,
    )?;
    let max_queue_bytes = env_number(
        b.max_queue_bytes,
        "max_queue_bytes",
        env,
        "AIOS_TRACING_MAX_QUEUE_BYTES",
        1024,
        64 * 1024 * 1024,
    )?;
    let max_export_batch_size = env_number(
        b.max_export_batch_size,
        "max_export_batch_size",
        env,
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        1,
        512,
    )?;

    let value_var = if env.get("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT").is_some() {
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"
    } else {
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"
    };
    let max_attribute_value_length = env_number(
        b.max_attribute_value_length,
        "max_attribute_value_length",
        env,
        value_var,
        1,
        65_536,
    )?;

    let tls = TlsFiles {
        ca: b.tls.ca.clone().or_else(|| {
            env.first(&[
                "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
                "OTEL_EXPORTER_OTLP_CERTIFICATE",
            ])
            .map(|(_, v)| v.into())
        }),
        client_cert: b.tls.client_cert.clone().or_else(|| {
            env.first(&[
                "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
                "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
            ])
            .map(|(_, v)| v.into())
        }),
        client_key: b.tls.client_key.clone().or_else(|| {
            env.first(&[
                "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
                "OTEL_EXPORTER_OTLP_CLIENT_KEY",
            ])
            .map(|(_, v)| v.into())
        }),
    };
    if tls.client_cert.is_some() != tls.client_key.is_some() {
        return Err(ConfigError::Missing {
            setting: "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE / OTEL_EXPORTER_OTLP_CLIENT_KEY".into(),
            hint: "mutual TLS needs both the client certificate and its key".into(),
        });
    }

    Ok(Config {
        service_name,
        deployment_env,
        protocol,
        endpoint,
        insecure,
        headers,
        sampling_ratio,
        use_batch: b.use_batch.unwrap_or(true),
        console,
        otlp,
        propagation,
        resource_attributes,
        logging_correlation: b.logging_correlation.unwrap_or(true),
        disabled,
        shutdown_timeout: b.shutdown_timeout.unwrap_or(Duration::from_secs(5)),
        export_timeout: env_millis(
            b.export_timeout,
            env,
            "OTEL_EXPORTER_OTLP_TIMEOUT",
            Duration::from_secs(10),
        )?,
        max_queue_size,
        max_queue_bytes,
        max_export_batch_size,
        max_attribute_value_length,
        scheduled_delay: env_millis(
            b.scheduled_delay,
            env,
            "OTEL_BSP_SCHEDULE_DELAY",
            Duration::from_secs(1),
        )?,
        tls,
    })
}
