//! OTLP over HTTP with reqwest, on the worker's runtime. The body arrives
//! encoded (protobuf or JSON); this module only knows its content type.

use super::outcome::{self, Delivered, ExportError};
use super::proxy::Proxy;
use http::header::{HeaderMap, CONTENT_ENCODING, CONTENT_TYPE};
use std::time::Duration;

#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    url: String,
    gzip: bool,
}

/// The client's settings. The proxy is the configured one only: the
/// process environment is read where the configuration is resolved.
pub(crate) fn client(
    headers: &[(http::HeaderName, http::HeaderValue)],
    content_type: &'static str,
    gzip: bool,
    proxy: Option<&Proxy>,
) -> Result<reqwest::ClientBuilder, String> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(name.clone(), value.clone());
    }
    map.insert(CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    if gzip {
        map.insert(CONTENT_ENCODING, http::HeaderValue::from_static("gzip"));
    }
    let builder = reqwest::Client::builder()
        .default_headers(map)
        .connect_timeout(Duration::from_secs(5));
    Ok(match proxy {
        None => builder.no_proxy(),
        Some(proxy) => {
            let no_proxy = reqwest::NoProxy::from_string(&proxy.no_proxy);
            let proxy = reqwest::Proxy::all(&proxy.url)
                .map_err(|e| format!("proxy {}: {e}", proxy.url))?
                .no_proxy(no_proxy);
            builder.proxy(proxy)
        }
    })
}

pub(crate) fn connect(
    builder: reqwest::ClientBuilder,
    url: String,
    gzip: bool,
) -> Result<Http, String> {
    let client = builder.build().map_err(|e| e.to_string())?;
    Ok(Http { client, url, gzip })
}

impl Http {
    /// The body as it is sent: gzipped if configured.
    pub(crate) fn compress(&self, body: bytes::Bytes) -> Result<bytes::Bytes, ExportError> {
        if !self.gzip {
            return Ok(body);
        }
        #[cfg(feature = "gzip")]
        return super::compression::gzip(&body)
            .map_err(|e| ExportError::Permanent(format!("could not gzip the request: {e}")));
        #[cfg(not(feature = "gzip"))]
        unreachable!("gzip is configured only with the `gzip` feature")
    }

    pub(crate) async fn send(
        &self,
        body: bytes::Bytes,
        timeout: Duration,
    ) -> Result<Delivered, ExportError> {
        let response = self
            .client
            .post(&self.url)
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                ExportError::transient(format!("HTTP request failed: {}", outcome::chain(&e)))
            })?;
        match outcome::http(response.status(), response.headers()) {
            None => Ok(Delivered::default()),
            Some(failure) => Err(failure),
        }
    }
}
