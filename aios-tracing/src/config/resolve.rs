//! Resolution of a [`TracingSdkBuilder`] into a complete, validated [`Config`].

use super::endpoint;
use super::env::{parse_bool, parse_key_value_list, Environment};
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

/// A value with where it came from, so errors can say which knob to fix.
struct Found<T> {
    value: T,
    source: Source,
    setting: &'static str,
}

/// builder > env vars in order > nothing.
fn lookup<T: Clone>(
    builder: Option<&T>,
    builder_name: &'static str,
    env: &Environment,
    vars: &[&'static str],
) -> Option<Found<Result<T, String>>> {
    if let Some(value) = builder {
        return Some(Found {
            value: Ok(value.clone()),
            source: Source::Builder,
            setting: builder_name,
        });
    }
    env.first(vars).map(|(var, raw)| Found {
        value: Err(raw),
        source: Source::Env(var),
        setting: var,
    })
}

fn env_bool(
    builder: Option<bool>,
    builder_name: &'static str,
    env: &Environment,
    vars: &[&'static str],
    default: bool,
) -> Result<bool, ConfigError> {
    match lookup(builder.as_ref(), builder_name, env, vars) {
        None => Ok(default),
        Some(Found { value: Ok(v), .. }) => Ok(v),
        Some(Found {
            value: Err(raw),
            source,
            setting,
        }) => parse_bool(&raw, source, setting),
    }
}

fn env_number<T: Clone + std::str::FromStr + PartialOrd + fmt::Display>(
    builder: Option<T>,
    builder_name: &'static str,
    env: &Environment,
    var: &'static str,
    min: T,
    default: T,
) -> Result<T, ConfigError> {
    let found = match lookup(builder.as_ref(), builder_name, env, &[var]) {
        None => return Ok(default),
        Some(found) => found,
    };
    let shown = |v: &T| v.to_string();
    let value = match found.value {
        Ok(v) => v,
        Err(raw) => raw.parse::<T>().map_err(|_| {
            ConfigError::invalid(
                found.setting,
                format!("a whole number ≥ {min}"),
                raw,
                found.source,
            )
        })?,
    };
    if value < min {
        return Err(ConfigError::invalid(
            found.setting,
            format!("at least {min}"),
            shown(&value),
            found.source,
        ));
    }
    Ok(value)
}

fn env_millis(
    builder: Option<Duration>,
    env: &Environment,
    var: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    if let Some(d) = builder {
        return Ok(d);
    }
    match env.get(var) {
        None => Ok(default),
        Some(raw) => raw.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            ConfigError::invalid(var, "a duration in milliseconds", raw, Source::Env(var))
        }),
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

fn resolve_headers(
    b: &TracingSdkBuilder,
    env: &Environment,
) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    let (pairs, source, setting) = match &b.headers {
        Some(pairs) => (pairs.clone(), Source::Builder, "otlp_headers"),
        None => match env.first(&[
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_HEADERS",
        ]) {
            None => return Ok(Vec::new()),
            Some((var, raw)) => (
                parse_key_value_list(&raw, var, true)?,
                Source::Env(var),
                var,
            ),
        },
    };
    pairs
        .into_iter()
        .map(|(name, value)| {
            let header_name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                ConfigError::invalid(
                    setting,
                    "header names made of letters, digits and !#$%&'*+-.^_`|~",
                    name.clone(),
                    source,
                )
            })?;
            let header_value = HeaderValue::from_str(value.trim()).map_err(|_| {
                // The value may be a credential: say where it is broken, not what it is.
                let at = value
                    .bytes()
                    .position(|c| c < 0x20 && c != b'\t' || c == 0x7f);
                let why = match at {
                    Some(i) => {
                        format!("a header value without control characters (byte {i} is one)")
                    }
                    None => "a visible-ASCII header value".to_owned(),
                };
                ConfigError::invalid(setting, why, format!("{name}=<redacted>"), source)
            })?;
            Ok((header_name, header_value))
        })
        .collect()
}

fn resolve_exporters(
    b: &TracingSdkBuilder,
    env: &Environment,
    console: bool,
) -> Result<(bool, bool), ConfigError> {
    if let Some(otlp) = b.otlp_enabled {
        return Ok((otlp, console));
    }
    let Some(raw) = env.get("OTEL_TRACES_EXPORTER") else {
        return Ok((true, console));
    };
    let (mut otlp, mut console_env) = (false, b.console.unwrap_or(false) || console);
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match name {
            "otlp" => otlp = true,
            "console" => console_env = true,
            "none" => {}
            _ => {
                return Err(ConfigError::invalid(
                    "OTEL_TRACES_EXPORTER",
                    "a list of otlp, console, none",
                    raw,
                    Source::Env("OTEL_TRACES_EXPORTER"),
                ))
            }
        }
    }
    Ok((otlp, console_env))
}

fn resolve_propagation(
    b: &TracingSdkBuilder,
    env: &Environment,
) -> Result<Propagation, ConfigError> {
    let w3c = Propagation {
        trace_context: true,
        baggage: true,
        b3_single: false,
        b3_multi: false,
    };
    match b.b3 {
        Some(true) => {
            return Ok(Propagation {
                trace_context: false,
                b3_single: true,
                ..w3c
            })
        }
        Some(false) => return Ok(w3c),
        None => {}
    }
    let Some(raw) = env.get("OTEL_PROPAGATORS") else {
        return Ok(w3c);
    };
    let mut p = Propagation {
        trace_context: false,
        baggage: false,
        b3_single: false,
        b3_multi: false,
    };
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match name {
            "tracecontext" => p.trace_context = true,
            "baggage" => p.baggage = true,
            "b3" => p.b3_single = true,
            "b3multi" => p.b3_multi = true,
            "none" => {}
            _ => {
                return Err(ConfigError::invalid(
                    "OTEL_PROPAGATORS",
                    "a list of tracecontext, baggage, b3, b3multi, none",
                    raw,
                    Source::Env("OTEL_PROPAGATORS"),
                ))
            }
        }
    }
    Ok(p)
}

fn resolve_resource(
    b: &TracingSdkBuilder,
    env: &Environment,
    service_name: &str,
    deployment_env: &str,
) -> Result<Vec<KeyValue>, ConfigError> {
    let mut attrs: Vec<KeyValue> = Vec::new();
    let mut put = |kv: KeyValue| {
        attrs.retain(|existing| existing.key != kv.key);
        attrs.push(kv);
    };
    if let Some(raw) = env.get("OTEL_RESOURCE_ATTRIBUTES") {
        for (k, v) in parse_key_value_list(&raw, "OTEL_RESOURCE_ATTRIBUTES", false)? {
            put(KeyValue::new(k, v));
        }
    }
    for kv in &b.resource_attributes {
        put(kv.clone());
    }
    put(KeyValue::new("service.name", service_name.to_owned()));
    put(KeyValue::new(
        "deployment.environment.name",
        deployment_env.to_owned(),
    ));
    Ok(attrs)
}
