//! OTLP over HTTP (protobuf or JSON bodies) with reqwest, on the worker's runtime.

use super::retry::Failure;
use http::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Protobuf,
    Json,
}

#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    url: String,
    encoding: Encoding,
}

pub(crate) fn client(
    headers: &[(http::HeaderName, http::HeaderValue)],
    encoding: Encoding,
    tls: rustls::ClientConfig,
) -> reqwest::ClientBuilder {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(name.clone(), value.clone());
    }
    let content_type = match encoding {
        Encoding::Protobuf => "application/x-protobuf",
        Encoding::Json => "application/json",
    };
    map.insert(CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    reqwest::Client::builder()
        .default_headers(map)
        .connect_timeout(Duration::from_secs(5))
        .no_proxy()
        .tls_backend_preconfigured(tls)
}

pub(crate) fn connect(
    builder: reqwest::ClientBuilder,
    url: String,
    encoding: Encoding,
) -> Result<Http, String> {
    let client = builder.build().map_err(|e| e.to_string())?;
    Ok(Http {
        client,
        url,
        encoding,
    })
}

impl Http {
    pub(crate) fn encode(
        &self,
        request: &ExportTraceServiceRequest,
    ) -> Result<bytes::Bytes, String> {
        match self.encoding {
            Encoding::Protobuf => Ok(request.encode_to_vec().into()),
            Encoding::Json => serde_json::to_vec(request)
                .map(Into::into)
                .map_err(|e| format!("could not encode OTLP/JSON: {e}")),
        }
    }

    pub(crate) async fn send(&self, body: bytes::Bytes, timeout: Duration) -> Result<(), Failure> {
        let response = self
            .client
            .post(&self.url)
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::Transient {
                reason: format!("HTTP request failed: {}", error_chain(&e)),
                retry_after: None,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let reason = format!("HTTP status {status}");
        match status.as_u16() {
            429 | 502 | 503 | 504 => Err(Failure::Transient {
                reason,
                retry_after,
            }),
            _ => Err(Failure::Permanent(reason)),
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
