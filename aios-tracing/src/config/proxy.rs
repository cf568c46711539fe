//! The proxy group: an HTTP proxy for the OTLP/HTTP exporter, from the
//! builder or the conventional `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY`
//! / `NO_PROXY` variables (either case). A proxy from the environment is
//! not used for loopback endpoints; one given to the builder is used for
//! every endpoint `NO_PROXY` does not name. The gRPC exporter connects
//! directly (tonic has no proxy support).

use super::env::Environment;
use super::given::Given;
use super::precedence::{self, reject, Origin};
use super::protocol::Protocol;
use crate::error::ConfigError;
use http::Uri;

/// The proxy to send export requests through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Proxy {
    pub(super) url: Uri,
    /// Hosts, domains and IP ranges reached directly (reqwest's syntax).
    pub(super) no_proxy: String,
}

const EXPECTED: &str = "an http:// or https:// proxy URL with a host";
/// Reached directly whatever the environment's proxy says.
const LOOPBACK: &str = "localhost,127.0.0.0/8,::1";

pub(super) fn resolve(
    b: &Given,
    env: &Environment,
    protocol: Protocol,
    endpoint: &Uri,
) -> Result<Option<Proxy>, ConfigError> {
    let no_proxy = precedence::text(None, "", env, &["NO_PROXY", "no_proxy"])
        .map(|(list, _)| list)
        .unwrap_or_default();
    if let Some(url) = &b.proxy {
        let origin = Origin::builder("otlp_proxy");
        if protocol == Protocol::Grpc {
            return Err(origin.invalid(
                "used with the HTTP exporter only (otlp_protocol http/protobuf or http/json)",
                url.as_str(),
            ));
        }
        let url = parse(url).ok_or_else(|| origin.invalid(EXPECTED, url.as_str()))?;
        return Ok(Some(Proxy { url, no_proxy }));
    }
    if protocol == Protocol::Grpc {
        return Ok(None);
    }
    let vars: &[&'static str] = if endpoint.scheme_str() == Some("https") {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    let Some((text, origin)) = precedence::text(None, "", env, vars) else {
        return Ok(None);
    };
    let Some(url) = parse(&text) else {
        reject(env, origin, EXPECTED, &text, "no proxy")?;
        return Ok(None);
    };
    let no_proxy = if no_proxy.is_empty() {
        LOOPBACK.to_owned()
    } else {
        format!("{no_proxy},{LOOPBACK}")
    };
    Ok(Some(Proxy { url, no_proxy }))
}

fn parse(text: &str) -> Option<Uri> {
    let uri: Uri = text.trim().parse().ok()?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    (scheme_ok && uri.host().is_some_and(|h| !h.is_empty())).then_some(uri)
}
