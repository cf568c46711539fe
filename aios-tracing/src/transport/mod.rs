//! Getting encoded export requests to the collector: gRPC (tonic) or HTTP
//! (reqwest), with TLS, the configured headers, and retries of transient
//! failures (one request at a time while the collector is down).
//!
//! The transport is ours rather than `opentelemetry-otlp`'s so that the
//! documented header precedence holds (that crate merges
//! `OTEL_EXPORTER_OTLP_HEADERS` over programmatic headers and silently
//! skips malformed ones), so that several requests can be in flight at
//! once, and so that every span's fate is counted exactly.

#[cfg(feature = "gzip")]
mod compression;
mod gate;
mod grpc;
mod http;
pub(crate) mod outcome;
mod retry;
pub(crate) mod tls;

use ::http::{HeaderName, HeaderValue, Uri};
use bytes::Bytes;
pub(crate) use outcome::{Delivered, ExportError};
use std::time::Duration;
use tls::TlsMaterial;

/// Where and how to send export requests; checked by [`prepare`].
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) endpoint: Uri,
    pub(crate) kind: Kind,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) tls: TlsMaterial,
    /// gzip request bodies (gRPC: messages).
    pub(crate) gzip: bool,
    /// An HTTP proxy for the HTTP transport.
    pub(crate) proxy: Option<Proxy>,
}

/// An HTTP proxy, and the hosts reached without it.
#[derive(Debug, Clone)]
pub(crate) struct Proxy {
    pub(crate) url: String,
    pub(crate) no_proxy: String,
}

/// The wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Grpc,
    /// HTTP POSTs of bodies of this content type.
    Http {
        content_type: &'static str,
    },
}

/// Settings checked, TLS configured; not connected yet.
#[derive(Debug)]
pub(crate) enum Prepared {
    Grpc {
        endpoint: Box<tonic::transport::Endpoint>,
        headers: Vec<(HeaderName, HeaderValue)>,
        gzip: bool,
    },
    Http {
        // Boxed: a client builder is large and the variant is built once.
        builder: Box<reqwest::ClientBuilder>,
        url: String,
        gzip: bool,
    },
}

/// Checks the settings and builds the TLS configuration; the error says
/// what about them is unusable.
pub(crate) fn prepare(settings: &Settings) -> Result<Prepared, String> {
    let uses_tls = settings.endpoint.scheme_str() == Some("https");
    Ok(match settings.kind {
        Kind::Grpc => {
            let tls = uses_tls.then(|| tls::tonic_config(&settings.tls));
            Prepared::Grpc {
                endpoint: Box::new(grpc::endpoint(&settings.endpoint, tls)?),
                headers: settings.headers.clone(),
                gzip: settings.gzip,
            }
        }
        Kind::Http { content_type } => {
            let tls = tls::rustls_config(&settings.tls)?;
            let builder = http::client(
                &settings.headers,
                content_type,
                settings.gzip,
                settings.proxy.as_ref(),
                tls,
            )?;
            Prepared::Http {
                builder: Box::new(builder),
                url: settings.endpoint.to_string(),
                gzip: settings.gzip,
            }
        }
    })
}

/// A connection to the collector; `send` may run several times at once.
#[derive(Debug)]
pub(crate) struct Transport {
    client: Client,
    /// Shared by every request in flight: the collector's state.
    gate: gate::Gate,
}

#[derive(Debug)]
enum Client {
    // Boxed: the gRPC client is several times the size of the others.
    Grpc(Box<grpc::Grpc>),
    Http(http::Http),
    /// The HTTP client could not be built (reported once, every send fails).
    Broken(String),
}

impl Prepared {
    /// Makes the connection objects; must run inside the worker's runtime.
    pub(crate) fn connect(self) -> Transport {
        let client = match self {
            Prepared::Grpc {
                endpoint,
                headers,
                gzip,
            } => Client::Grpc(Box::new(grpc::connect(*endpoint, &headers, gzip))),
            Prepared::Http { builder, url, gzip } => match http::connect(*builder, url, gzip) {
                Ok(client) => Client::Http(client),
                Err(reason) => {
                    Client::Broken(format!("the HTTP client could not be built: {reason}"))
                }
            },
        };
        Transport {
            client,
            gate: gate::Gate::default(),
        }
    }
}

impl Transport {
    /// Sends one encoded request (see [`retry`] for when it is retried),
    /// waiting up to `timeout` for each answer.
    pub(crate) async fn send(
        &self,
        body: Bytes,
        timeout: Duration,
    ) -> Result<Delivered, ExportError> {
        let gate = &self.gate;
        match &self.client {
            Client::Grpc(client) => {
                retry::with_retries(gate, timeout, |wait| client.send(body.clone(), wait)).await
            }
            Client::Http(client) => {
                let body = client.compress(body)?;
                retry::with_retries(gate, timeout, |wait| client.send(body.clone(), wait)).await
            }
            Client::Broken(reason) => Err(ExportError::Permanent(reason.clone())),
        }
    }
}
