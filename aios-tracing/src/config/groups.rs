//! The settings that resolve as a group rather than one value: export
//! headers, exporters, propagators and the resource.

use super::env::{parse_key_value_list, Environment};
use super::{Propagation, TracingSdkBuilder};
use crate::error::{ConfigError, Source};
use http::header::{HeaderName, HeaderValue};
use opentelemetry::KeyValue;

pub(super) fn resolve_headers(
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

pub(super) fn resolve_exporters(
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

pub(super) fn resolve_propagation(
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

pub(super) fn resolve_resource(
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
