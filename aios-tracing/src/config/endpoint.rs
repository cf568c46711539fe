//! Turning what users write for an endpoint into the URI each transport needs.

use super::precedence::Origin;
use super::protocol::Protocol;
use crate::error::ConfigError;
use http::Uri;

const TRACES_PATH: &str = "/v1/traces";

/// Normalises an endpoint for `protocol`.
///
/// gRPC accepts `host:port` or a URL; a missing scheme is taken from
/// `insecure` (`http` when insecure, `https` otherwise). HTTP gets
/// `/v1/traces` appended unless `verbatim` (the per-signal
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, which the spec uses as-is) or the
/// path already ends with it.
pub(crate) fn normalize(
    raw: &str,
    protocol: Protocol,
    insecure: bool,
    verbatim: bool,
    origin: Origin,
) -> Result<Uri, ConfigError> {
    let invalid = |why: &str| origin.invalid(why, raw);
    let with_scheme = if has_scheme(raw) {
        raw.to_owned()
    } else {
        let scheme = if insecure { "http" } else { "https" };
        format!("{scheme}://{raw}")
    };
    let uri: Uri = with_scheme
        .parse()
        .map_err(|_| invalid("a URL like http://host:4317 or host:port"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(invalid("an http:// or https:// URL, or host:port")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("a URL with a host, like http://collector:4317"));
    }
    // `Uri` keeps a port it cannot read as `None`; look at the text.
    let authority = uri.authority().map_or("", |a| a.as_str());
    let after_host = authority
        .rsplit_once(']')
        .map_or(authority, |(_, rest)| rest);
    if let Some((_, port)) = after_host.rsplit_once(':') {
        if port.parse::<u16>().is_err() {
            return Err(invalid("a URL whose port is within 0..=65535"));
        }
    }
    if protocol == Protocol::Grpc || verbatim {
        return Ok(uri);
    }
    let path = uri.path().trim_end_matches('/');
    if path.ends_with(TRACES_PATH) {
        return Ok(uri);
    }
    let authority = uri.authority().map_or("", |a| a.as_str());
    let scheme = uri.scheme_str().unwrap_or("http");
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    format!("{scheme}://{authority}{path}{TRACES_PATH}{query}")
        .parse()
        .map_err(|_| invalid("a URL like http://host:4318"))
}

fn has_scheme(raw: &str) -> bool {
    raw.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// The default endpoint for a protocol.
pub(crate) fn default_for(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Grpc => "http://localhost:4317",
        Protocol::HttpProtobuf | Protocol::HttpJson => "http://localhost:4318",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str, protocol: Protocol) -> Result<String, ConfigError> {
        normalize(raw, protocol, true, false, Origin::builder("otlp_endpoint"))
            .map(|u| u.to_string())
    }

    #[test]
    fn grpc_takes_host_port_or_url() {
        assert_eq!(
            norm("collector:4317", Protocol::Grpc).unwrap(),
            "http://collector:4317/"
        );
        assert_eq!(
            norm("https://c:4317", Protocol::Grpc).unwrap(),
            "https://c:4317/"
        );
        let secure =
            normalize("c:4317", Protocol::Grpc, false, false, Origin::builder("x")).unwrap();
        assert_eq!(secure.scheme_str(), Some("https"));
    }

    #[test]
    fn http_appends_the_traces_path_once() {
        assert_eq!(
            norm("http://c:4318", Protocol::HttpProtobuf).unwrap(),
            "http://c:4318/v1/traces"
        );
        assert_eq!(
            norm("http://c:4318/", Protocol::HttpJson).unwrap(),
            "http://c:4318/v1/traces"
        );
        assert_eq!(
            norm("http://c:4318/v1/traces", Protocol::HttpProtobuf).unwrap(),
            "http://c:4318/v1/traces"
        );
        assert_eq!(
            norm("http://c/otlp", Protocol::HttpProtobuf).unwrap(),
            "http://c/otlp/v1/traces"
        );
        let verbatim = normalize(
            "http://c/custom",
            Protocol::HttpProtobuf,
            true,
            true,
            Origin::builder("x"),
        )
        .unwrap();
        assert_eq!(verbatim.path(), "/custom");
    }

    #[test]
    fn garbage_is_a_config_error_quoting_the_value() {
        for bad in ["http://", "ftp://c:21", "not a url", "http://c:99999999"] {
            let err = norm(bad, Protocol::Grpc).unwrap_err().to_string();
            assert!(err.contains(&format!("\"{bad}\"")), "{err}");
            assert!(err.contains("otlp_endpoint"), "{err}");
        }
    }
}
