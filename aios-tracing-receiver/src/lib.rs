//! Test support for `aios-tracing`.
//!
//! * [`OtlpReceiver`]: an in-process OTLP trace receiver (gRPC or HTTP
//!   protobuf/JSON) on `127.0.0.1:<free port>`, with its own thread and tokio
//!   runtime, that records what it gets as flat [`ReceivedSpan`]s and can inject
//!   [`Fault`]s (503/`UNAVAILABLE`, 429, 400, delays, hangs, dropped connections).
//! * [`Rotel`]: runs the Rotel collector as a relay in front of a receiver.
//!
//! ```no_run
//! use std::time::Duration;
//! use aios_tracing_receiver::{Fault, OtlpReceiver, SpansExt, Transport};
//!
//! let rx = OtlpReceiver::builder(Transport::Http)
//!     .fail_first(2, Fault::Unavailable { retry_after: Some(Duration::from_secs(1)) })
//!     .start()
//!     .unwrap();
//! // ... export to rx.endpoint() ...
//! let spans = rx.wait_for_spans(1, Duration::from_secs(10));
//! let root = spans.one("request");
//! assert!(root.is_root());
//! assert_eq!(rx.rejected_count(), 2);
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
