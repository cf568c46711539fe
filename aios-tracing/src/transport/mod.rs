//! Getting encoded export requests to the collector: gRPC (tonic) or HTTP
//! (reqwest), with TLS, the configured headers, and retries of transient
//! failures (one request at a time while the collector is down).
//!
//! The transport is ours rather than `opentelemetry-otlp`'s so that the
//! documented header precedence holds (that crate merges
//! `OTEL_EXPORTER_OTLP_HEADERS` over programmatic headers and silently
//! skips malformed ones), so that several requests can be in flight at
//! once, and so that every span's fate is counted exactly.

#[cfg(all(feature = "gzip", feature = "http"))]
mod compression;
#[cfg(any(feature = "grpc", feature = "http"))]
mod gate;
#[cfg(feature = "grpc")]
mod grpc;
#[cfg(feature = "http")]
mod http;
pub(crate) mod outcome;
#[cfg(any(feature = "grpc", feature = "http"))]
mod proxy;
#[cfg(any(feature = "grpc", feature = "http"))]
mod retry;
pub(crate) mod tls;

#[cfg(any(feature = "grpc", feature = "http"))]
use ::http::{HeaderName, HeaderValue, Uri};
#[cfg(any(feature = "grpc", feature = "http"))]
use bytes::Bytes;
#[cfg(any(feature = "grpc", feature = "http"))]
pub(crate) use outcome::Delivered;
pub(crate) use outcome::ExportError;
#[cfg(any(feature = "grpc", feature = "http"))]
pub(crate) use proxy::Proxy;
#[cfg(any(feature = "grpc", feature = "http"))]
use std::time::Duration;
#[cfg(any(feature = "grpc", feature = "http"))]
use tls::TlsMaterial;

/// Where and how to send export requests; checked by [`prepare`].
#[cfg(any(feature = "grpc", feature = "http"))]
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) endpoint: Uri,
    pub(crate) kind: Kind,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) tls: TlsMaterial,
    /// gzip request bodies (gRPC: messages).
    pub(crate) gzip: bool,
    /// An HTTP proxy for the HTTP transport.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) proxy: Option<Proxy>,
}

/// The wire protocol.
#[cfg(any(feature = "grpc", feature = "http"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Grpc,
    /// HTTP POSTs of bodies of this content type.
    Http {
        content_type: &'static str,
    },
}

#[cfg(any(feature = "grpc", feature = "http"))]
impl Kind {
    /// The cargo feature that compiles this transport in.
    pub(crate) fn feature(self) -> &'static str {
        match self {
            Kind::Grpc => "grpc",
            Kind::Http { .. } => "http",
        }
    }
}

#[cfg(any(feature = "grpc", feature = "http"))]
impl Settings {
    #[cfg(all(feature = "tls", feature = "grpc"))]
    fn uses_tls(&self) -> bool {
        self.endpoint.scheme_str() == Some("https")
    }
}

/// Settings checked, TLS configured; not connected yet.
#[cfg(any(feature = "grpc", feature = "http"))]
#[derive(Debug)]
pub(crate) enum Prepared {
    #[cfg(feature = "grpc")]
    Grpc {
        endpoint: Box<tonic::transport::Endpoint>,
        headers: Vec<(HeaderName, HeaderValue)>,
        gzip: bool,
    },
    #[cfg(feature = "http")]
    Http {
        // Boxed: a client builder is large and the variant is built once.
        builder: Box<reqwest::ClientBuilder>,
        url: String,
        gzip: bool,
    },
}

/// Checks the settings and builds the TLS configuration; the error says
/// what about them is unusable. Configuration has already refused what
/// this build leaves out (`config/features.rs`).
#[cfg(any(feature = "grpc", feature = "http"))]
pub(crate) fn prepare(settings: &Settings) -> Result<Prepared, String> {
    Ok(match settings.kind {
        #[cfg(feature = "grpc")]
        Kind::Grpc => {
            let endpoint = grpc::endpoint(&settings.endpoint)?;
            #[cfg(feature = "tls")]
            let endpoint = if settings.uses_tls() {
                tls::for_grpc(endpoint, &settings.tls)?
            } else {
                endpoint
            };
            Prepared::Grpc {
                endpoint: Box::new(endpoint),
                headers: settings.headers.clone(),
                gzip: settings.gzip,
            }
        }
        #[cfg(feature = "http")]
        Kind::Http { content_type } => {
            let builder = http::client(
                &settings.headers,
                content_type,
                settings.gzip,
                settings.proxy.as_ref(),
            )?;
            #[cfg(feature = "tls")]
            let builder = tls::for_http(builder, &settings.tls)?;
            Prepared::Http {
                builder: Box::new(builder),
                url: settings.endpoint.to_string(),
                gzip: settings.gzip,
            }
        }
        #[allow(unreachable_patterns)] // with both transports built
        kind => {
            let feature = kind.feature();
            return Err(format!(
                "this build leaves out the cargo feature `{feature}`"
            ));
        }
    })
}

/// A connection to the collector; `send` may run several times at once.
#[cfg(any(feature = "grpc", feature = "http"))]
#[derive(Debug)]
pub(crate) struct Transport {
    client: Client,
    /// Shared by every request in flight: the collector's state.
    gate: gate::Gate,
}

#[cfg(any(feature = "grpc", feature = "http"))]
#[derive(Debug)]
enum Client {
    // Boxed: the gRPC client is several times the size of the others.
    #[cfg(feature = "grpc")]
    Grpc(Box<grpc::Grpc>),
    #[cfg(feature = "http")]
    Http(http::Http),
    /// The HTTP client could not be built (reported once, every send fails).
    #[cfg(feature = "http")]
    Broken(String),
}

#[cfg(any(feature = "grpc", feature = "http"))]
impl Prepared {
    /// Makes the connection objects; must run inside the worker's runtime.
    pub(crate) fn connect(self) -> Transport {
        let client = match self {
            #[cfg(feature = "grpc")]
            Prepared::Grpc {
                endpoint,
                headers,
                gzip,
            } => Client::Grpc(Box::new(grpc::connect(*endpoint, &headers, gzip))),
            #[cfg(feature = "http")]
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

#[cfg(any(feature = "grpc", feature = "http"))]
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
            #[cfg(feature = "grpc")]
            Client::Grpc(client) => {
                retry::with_retries(gate, timeout, |wait| client.send(body.clone(), wait)).await
            }
            #[cfg(feature = "http")]
            Client::Http(client) => {
                let body = client.compress(body)?;
                retry::with_retries(gate, timeout, |wait| client.send(body.clone(), wait)).await
            }
            #[cfg(feature = "http")]
            Client::Broken(reason) => Err(ExportError::Permanent(reason.clone())),
        }
    }
}
