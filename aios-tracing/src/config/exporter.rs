//! The exporter group: which exporters run, and where and how OTLP is
//! sent (protocol, endpoint, plaintext or TLS, headers, timeout).

use super::endpoint;
use super::env::{parse_key_value_list, Environment};
use super::given::Given;
use super::precedence::{self, lookup, reject, Found, Origin, Raw};
use super::protocol::Compression;
use super::protocol::Protocol;
use crate::error::ConfigError;
use http::header::{HeaderName, HeaderValue};
use http::Uri;
use std::time::Duration;

#[derive(Debug)]
pub(super) struct Exporter {
    pub(super) protocol: Protocol,
    pub(super) endpoint: Uri,
    pub(super) endpoint_origin: Origin,
    pub(super) insecure: bool,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) otlp: bool,
    pub(super) console: bool,
    pub(super) timeout: Duration,
    pub(super) compression: Compression,
}

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<Exporter, ConfigError> {
    let protocol = lookup(
        b.protocol,
        "otlp_protocol",
        env,
        &[
            "OTLP_PROTOCOL",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ],
    )
    .map(|found| {
        found.parse(
            env,
            |t| t.parse().ok(),
            "one of grpc, http/protobuf, http/json",
            &Protocol::built_in_default().to_string(),
        )
    })
    .transpose()?
    .flatten()
    .map_or_else(Protocol::built_in_default, |(protocol, _)| protocol);
    let insecure = precedence::flag(
        b.insecure,
        "otlp_insecure",
        env,
        &[
            "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
            "OTEL_EXPORTER_OTLP_INSECURE",
        ],
        true,
    )?;
    let (raw_endpoint, endpoint_origin) = precedence::text(
        b.endpoint.clone(),
        "otlp_endpoint",
        env,
        &[
            "OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ],
    )
    .unwrap_or_else(|| default_endpoint(protocol));
    // The per-signal variable is a full URL, used as it is (the spec's rule).
    let verbatim = endpoint_origin.setting == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    let (endpoint, endpoint_origin) =
        match endpoint::normalize(&raw_endpoint, protocol, insecure, verbatim, endpoint_origin) {
            Ok(endpoint) => (endpoint, endpoint_origin),
            Err(error) if !endpoint_origin.is_standard() || env.strict => return Err(error),
            Err(error) => {
                let expected = match &error {
                    ConfigError::InvalidValue { expected, .. } => expected.clone(),
                    other => other.to_string(),
                };
                let (fallback, origin) = default_endpoint(protocol);
                reject(env, endpoint_origin, &expected, &raw_endpoint, &fallback)?;
                let endpoint = endpoint::normalize(&fallback, protocol, insecure, false, origin)?;
                (endpoint, origin)
            }
        };
    let console = precedence::flag(
        b.console,
        "enable_console_exporter",
        env,
        &["AIOS_TRACING_CONSOLE"],
        false,
    )?;
    let (otlp, console) = exporters(b, env, console)?;
    Ok(Exporter {
        protocol,
        endpoint,
        endpoint_origin,
        insecure,
        headers: headers(b, env)?,
        otlp,
        console,
        timeout: precedence::millis(
            b.export_timeout,
            "export_timeout",
            env,
            &[
                "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                "OTEL_EXPORTER_OTLP_TIMEOUT",
                "OTEL_BSP_EXPORT_TIMEOUT",
            ],
            Duration::from_secs(10),
        )?,
        compression: compression(b, env)?,
    })
}

fn default_endpoint(protocol: Protocol) -> (String, Origin) {
    (
        endpoint::default_for(protocol).to_owned(),
        Origin::builder("otlp_endpoint"),
    )
}

/// gzip or none; gzip needs the `gzip` feature.
fn compression(b: &Given, env: &Environment) -> Result<Compression, ConfigError> {
    let Some(found) = lookup(
        b.compression,
        "otlp_compression",
        env,
        &[
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
        ],
    ) else {
        return Ok(Compression::None);
    };
    let Some((compression, origin)) =
        found.parse(env, |t| t.parse().ok(), "gzip or none", "none")?
    else {
        return Ok(Compression::None);
    };
    if compression == Compression::Gzip && !cfg!(feature = "gzip") {
        let expected = "none (gzip needs the `gzip` feature of aios-tracing)";
        reject(env, origin, expected, "gzip", "none")?;
        return Ok(Compression::None);
    }
    Ok(compression)
}

/// Which of OTLP and the console run: `enable_otlp_exporter`, else
/// `OTEL_TRACES_EXPORTER` (which may turn the console on too).
fn exporters(b: &Given, env: &Environment, console: bool) -> Result<(bool, bool), ConfigError> {
    let Some(found) = lookup(
        b.otlp_enabled,
        "enable_otlp_exporter",
        env,
        &["OTEL_TRACES_EXPORTER"],
    ) else {
        // On when a transport is built in; asked for without one, it is refused.
        return Ok((cfg!(any(feature = "grpc", feature = "http")), console));
    };
    let text = match found.raw {
        Raw::Given(otlp) => return Ok((otlp, console)),
        Raw::Text(text) => text,
    };
    let (mut otlp, mut console) = (false, b.console.unwrap_or(false) || console);
    let mut known = false;
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match name.to_ascii_lowercase().as_str() {
            "otlp" => otlp = true,
            // `logging` is the specification's deprecated name for it.
            "console" | "logging" => console = true,
            "none" => {}
            _ => {
                let expected = "a list of otlp, console, none (zipkin is not provided)";
                reject(env, found.origin, expected, name, "the other entries")?;
                continue;
            }
        }
        known = true;
    }
    if !known {
        return Ok((true, console));
    }
    Ok((otlp, console))
}

fn headers(b: &Given, env: &Environment) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    let Some(found) = lookup(
        b.headers.clone(),
        "otlp_headers",
        env,
        &[
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_HEADERS",
        ],
    ) else {
        return Ok(Vec::new());
    };
    let origin = found.origin;
    match parse_headers(found) {
        Err(ConfigError::InvalidValue {
            expected, value, ..
        }) if origin.is_standard() && !env.strict => {
            reject(env, origin, &expected, &value, "no headers")?;
            Ok(Vec::new())
        }
        parsed => parsed,
    }
}

fn parse_headers(
    found: Found<Vec<(String, String)>>,
) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    let origin = found.origin;
    let pairs = match found.raw {
        Raw::Given(pairs) => pairs,
        Raw::Text(text) => parse_key_value_list(&text, origin.setting, true)?,
    };
    pairs
        .into_iter()
        .map(|(name, value)| {
            let header_name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                origin.invalid(
                    "header names made of letters, digits and !#$%&'*+-.^_`|~",
                    name.clone(),
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
                origin.invalid(why, format!("{name}=<redacted>"))
            })?;
            Ok((header_name, header_value))
        })
        .collect()
}
