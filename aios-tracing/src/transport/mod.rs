//! Getting encoded export requests to the collector: gRPC (tonic) or HTTP
//! (reqwest), with TLS, the configured headers, and retries of transient
//! failures within the export's deadline.
//!
//! The transport is ours rather than `opentelemetry-otlp`'s so that the
//! documented header precedence holds (that crate merges
//! `OTEL_EXPORTER_OTLP_HEADERS` over programmatic headers and silently
//! skips malformed ones), so that several requests can be in flight at
//! once, and so that every span's fate is counted exactly.

#[cfg(feature = "grpc")]
mod grpc;
#[cfg(feature = "http")]
mod http;
pub(crate) mod outcome;
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
use tls::TlsMaterial;
#[cfg(any(feature = "grpc", feature = "http"))]
use tokio::time::Instant;

/// Where and how to send export requests; checked by [`prepare`].
#[cfg(any(feature = "grpc", feature = "http"))]
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) endpoint: Uri,
    pub(crate) kind: Kind,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) tls: TlsMaterial,
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
    #[cfg(feature = "tls")]
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
    },
    #[cfg(feature = "http")]
    Http {
        // Boxed: a client builder is large and the variant is built once.
        builder: Box<reqwest::ClientBuilder>,
        url: String,
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
            }
        }
        #[cfg(feature = "http")]
        Kind::Http { content_type } => {
            let builder = http::client(&settings.headers, content_type);
            #[cfg(feature = "tls")]
            let builder = tls::for_http(builder, &settings.tls)?;
            Prepared::Http {
                builder: Box::new(builder),
                url: settings.endpoint.to_string(),
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
pub(crate) enum Transport {
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
        match self {
            #[cfg(feature = "grpc")]
            Prepared::Grpc { endpoint, headers } => {
                Transport::Grpc(Box::new(grpc::connect(*endpoint, &headers)))
            }
            #[cfg(feature = "http")]
            Prepared::Http { builder, url } => match http::connect(*builder, url) {
                Ok(client) => Transport::Http(client),
                Err(reason) => {
                    Transport::Broken(format!("the HTTP client could not be built: {reason}"))
                }
            },
        }
    }
}

#[cfg(any(feature = "grpc", feature = "http"))]
impl Transport {
    /// Sends one encoded request, retrying transient failures until `deadline`.
    pub(crate) async fn send(
        &self,
        body: Bytes,
        deadline: Instant,
    ) -> Result<Delivered, ExportError> {
        match self {
            #[cfg(feature = "grpc")]
            Transport::Grpc(client) => {
                retry::with_retries(deadline, |remaining| client.send(body.clone(), remaining))
                    .await
            }
            #[cfg(feature = "http")]
            Transport::Http(client) => {
                retry::with_retries(deadline, |remaining| client.send(body.clone(), remaining))
                    .await
            }
            #[cfg(feature = "http")]
            Transport::Broken(reason) => Err(ExportError::Permanent(reason.clone())),
        }
    }
}
