//! How OTLP travels, as users name it: the [`Protocol`] and the
//! [`Compression`] of its requests.

use std::fmt;

/// The OTLP transport.
///
/// ```
/// use aios_tracing::Protocol;
/// assert_eq!("http/protobuf".parse::<Protocol>(), Ok(Protocol::HttpProtobuf));
/// assert_eq!(Protocol::Grpc.to_string(), "grpc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// OTLP over gRPC (default port 4317).
    Grpc,
    /// OTLP over HTTP with protobuf bodies (default port 4318).
    HttpProtobuf,
    /// OTLP over HTTP with JSON bodies (default port 4318).
    HttpJson,
}

impl Protocol {
    /// The protocol used when none is configured: gRPC, or HTTP/protobuf in
    /// a build without the `grpc` feature but with `http`.
    pub(crate) fn built_in_default() -> Protocol {
        if cfg!(feature = "http") && !cfg!(feature = "grpc") {
            Protocol::HttpProtobuf
        } else {
            Protocol::Grpc
        }
    }
}

impl std::str::FromStr for Protocol {
    type Err = String;

    /// Accepts the `OTEL_EXPORTER_OTLP_PROTOCOL` spellings, plus `http` (the
    /// Python SDK's name for HTTP/protobuf).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "grpc" => Ok(Protocol::Grpc),
            "http/protobuf" | "http" | "http/proto" => Ok(Protocol::HttpProtobuf),
            "http/json" => Ok(Protocol::HttpJson),
            _ => Err(s.to_owned()),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
        })
    }
}

/// The compression of OTLP export requests.
///
/// ```
/// use aios_tracing::Compression;
/// assert_eq!("gzip".parse::<Compression>(), Ok(Compression::Gzip));
/// assert_eq!(Compression::None.to_string(), "none");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Compression {
    /// Uncompressed (the default).
    #[default]
    None,
    /// gzip: about a tenth of the bytes for typical spans, for some CPU on
    /// the export thread. Needs the `gzip` cargo feature.
    Gzip,
}

impl std::str::FromStr for Compression {
    type Err = String;

    /// The `OTEL_EXPORTER_OTLP_COMPRESSION` spellings: `gzip`, `none`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Compression::None),
            "gzip" => Ok(Compression::Gzip),
            _ => Err(s.to_owned()),
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
        })
    }
}
