//! An OTLP trace receiver to test exporters against: your service's
//! exporter settings (endpoint, protocol, headers, TLS, timeouts, retries)
//! and what your instrumentation sends, end to end, without a collector.
//!
//! * [`OtlpReceiver`]: an in-process OTLP trace receiver, gRPC or HTTP
//!   (protobuf or JSON, gzip or not), on `127.0.0.1:<free port>`, with its
//!   own thread and tokio runtime, so it works from plain `#[test]`s and
//!   under any runtime. It decodes what it gets into flat [`ReceivedSpan`]s
//!   (resource and scope included, [`SpansExt`] to find them by name or
//!   parent) and keeps whole [`ReceivedRequest`]s (headers included). It
//!   stops when dropped.
//! * [`Fault`]s to inject: 503/`UNAVAILABLE` with or without
//!   `Retry-After`, 429, 400, a delay, a hang, a connection dropped
//!   mid-request: for the first N requests
//!   ([`fail_first`](ReceiverBuilder::fail_first)) or all of them.
//! * [`Rotel`]: runs the Rotel collector (`pip install rotel`) as a relay
//!   in front of a receiver, for a path through a real collector.
//!
//! Point the exporter under test at [`OtlpReceiver::endpoint`]. With
//! `aios-tracing`:
//!
//! ```
//! use aios_tracing::{Protocol, TracingSdk};
//! use aios_tracing_receiver::{Fault, OtlpReceiver, SpansExt, Transport};
//! use std::time::Duration;
//!
//! let rx = OtlpReceiver::builder(Transport::Http)
//!     .fail_first(2, Fault::Unavailable { retry_after: Some(Duration::from_millis(100)) })
//!     .start()?;
//! let sdk = TracingSdk::builder("orders-api")
//!     .otlp_protocol(Protocol::HttpProtobuf)
//!     .otlp_endpoint(rx.endpoint())
//!     .otlp_headers([("x-tenant", "acme")])
//!     .init()?;
//! drop(sdk.span("request").entered());
//! sdk.shutdown()?;
//! let spans = rx.wait_for_spans(1, Duration::from_secs(10));
//! assert!(spans.one("request").is_root());
//! assert_eq!(rx.rejected_count(), 2); // retried past the two 503s
//! assert_eq!(rx.requests().last().unwrap().header("x-tenant"), Some("acme"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The receiver on its own (any OTLP client works):
//!
//! ```
//! use aios_tracing_receiver::{OtlpReceiver, Transport};
//! let rx = OtlpReceiver::start(Transport::Grpc)?;
//! assert!(rx.endpoint().starts_with("http://127.0.0.1:"));
//! assert_eq!(rx.span_count(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```

mod attr;
mod faults;
mod received;
mod receiver;
mod rotel;

pub use attr::AttrValue;
pub use faults::Fault;
pub use received::{
    ReceivedEvent, ReceivedLink, ReceivedRequest, ReceivedSpan, SpanStatus, SpansExt, StatusCode,
};
pub use receiver::{OtlpReceiver, ReceiverBuilder, Transport};
pub use rotel::Rotel;

/// Re-export of the OTLP protobuf types, so tests can build requests by hand.
pub use opentelemetry_proto;
