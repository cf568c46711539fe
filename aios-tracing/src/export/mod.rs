//! OTLP export: span data to protobuf (or JSON), sent over gRPC or HTTP
//! with retries, TLS and the configured headers.
//!
//! The transport is ours rather than `opentelemetry-otlp`'s so that the
//! documented precedence holds (that crate merges `OTEL_EXPORTER_OTLP_HEADERS`
//! over programmatic headers and silently skips malformed ones), so that
//! several requests can be in flight at once, and so that every span's fate
//! is counted exactly.

mod grpc;
mod http;
mod retry;
mod tls;

use crate::config::{Config, Protocol};
use crate::diagnostics::RateLimited;
use crate::error::ConfigError;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::trace::SpanData;
use opentelemetry_sdk::Resource;
use std::time::Duration;

/// Everything checked and loaded during `init`; connected in the worker.
#[derive(Debug)]
pub(crate) struct PreparedOtlp {
    transport: PreparedTransport,
    resource: ResourceAttributesWithSchema,
    timeout: Duration,
}

#[derive(Debug)]
enum PreparedTransport {
    Grpc {
        endpoint: Box<tonic::transport::Endpoint>,
        headers: Vec<(::http::HeaderName, ::http::HeaderValue)>,
    },
    Http {
        // Boxed: a client builder is large and the variant is built once.
        builder: Box<reqwest::ClientBuilder>,
        url: String,
        encoding: http::Encoding,
    },
}

/// A connected exporter; `export` may run several times concurrently.
#[derive(Debug)]
pub(crate) struct OtlpExporter {
    transport: Transport,
    resource: ResourceAttributesWithSchema,
    timeout: Duration,
}

#[derive(Debug)]
enum Transport {
    // Boxed: the gRPC client is several times the size of the others.
    Grpc(Box<grpc::Grpc>),
    Http(http::Http),
    /// The HTTP client could not be built (reported once, every export fails).
    Broken(String),
}

/// Validates the transport settings and reads TLS files.
pub(crate) fn prepare(config: &Config, resource: &Resource) -> Result<PreparedOtlp, ConfigError> {
    let material = tls::load(&config.tls)?;
    let uses_tls = config.endpoint.scheme_str() == Some("https");
    let transport = match config.protocol {
        Protocol::Grpc => {
            let tls_config = uses_tls.then(|| tls::tonic_config(&material));
            let endpoint = grpc::endpoint(&config.endpoint, tls_config).map_err(|reason| {
                ConfigError::invalid(
                    "otlp_endpoint",
                    format!("usable for gRPC ({reason})"),
                    config.endpoint.to_string(),
                    crate::error::Source::Builder,
                )
            })?;
            PreparedTransport::Grpc {
                endpoint: Box::new(endpoint),
                headers: config.headers.clone(),
            }
        }
        Protocol::HttpProtobuf | Protocol::HttpJson => {
            let encoding = if config.protocol == Protocol::HttpJson {
                http::Encoding::Json
            } else {
                http::Encoding::Protobuf
            };
            let rustls = tls::rustls_config(&material).map_err(|reason| ConfigError::File {
                setting: "OTEL_EXPORTER_OTLP_CERTIFICATE".into(),
                path: config
                    .tls
                    .ca
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                reason,
            })?;
            let builder = http::client(&config.headers, encoding, rustls);
            PreparedTransport::Http {
                builder: Box::new(builder),
                url: config.endpoint.to_string(),
                encoding,
            }
        }
    };
    Ok(PreparedOtlp {
        transport,
        resource: ResourceAttributesWithSchema::from(resource),
        timeout: config.export_timeout,
    })
}

impl PreparedOtlp {
    /// Makes the connection objects; must run inside the worker's runtime.
    pub(crate) fn start(self) -> OtlpExporter {
        let transport = match self.transport {
            PreparedTransport::Grpc { endpoint, headers } => {
                Transport::Grpc(Box::new(grpc::connect(*endpoint, &headers)))
            }
            PreparedTransport::Http {
                builder,
                url,
                encoding,
            } => match http::connect(*builder, url, encoding) {
                Ok(client) => Transport::Http(client),
                Err(reason) => {
                    Transport::Broken(format!("the HTTP client could not be built: {reason}"))
                }
            },
        };
        OtlpExporter {
            transport,
            resource: self.resource,
            timeout: self.timeout,
        }
    }
}

impl OtlpExporter {
    /// Sends one batch, retrying transient failures within the export timeout.
    pub(crate) async fn export(&self, batch: Vec<SpanData>) -> Result<(), String> {
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        };
        let deadline = tokio::time::Instant::now() + self.timeout;
        match &self.transport {
            Transport::Grpc(client) => {
                let body = bytes::Bytes::from(prost::Message::encode_to_vec(&request));
                drop(request);
                retry::with_retries(deadline, |remaining| client.send(body.clone(), remaining))
                    .await
            }
            Transport::Http(client) => {
                let body = client.encode(&request)?;
                retry::with_retries(deadline, |remaining| client.send(body.clone(), remaining))
                    .await
            }
            Transport::Broken(reason) => Err(reason.clone()),
        }
    }
}

static PARTIAL_SUCCESS: RateLimited = RateLimited::new();

/// The collector accepted the request but rejected some spans.
fn report_partial_success(partial: Option<(i64, String)>) {
    if let Some((rejected, message)) = partial.filter(|(rejected, _)| *rejected > 0) {
        PARTIAL_SUCCESS.warn(|suppressed| {
            tracing::warn!(target: "aios_tracing", rejected, suppressed, "collector rejected spans: {message}");
        });
    }
}
