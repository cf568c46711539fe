//! What the receiver recorded: whole requests and flattened spans.

use std::time::{Duration, SystemTime};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

use crate::attr::{attrs, find, hex};
use crate::{AttrValue, Transport};

/// A span status code (`Status.code` in OTLP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// `STATUS_CODE_UNSET` (0).
    Unset,
    /// `STATUS_CODE_OK` (1).
    Ok,
    /// `STATUS_CODE_ERROR` (2).
    Error,
    /// Any other value seen on the wire.
    Unknown(i32),
}

impl StatusCode {
    /// Maps the wire integer to a code.
    pub fn from_i32(code: i32) -> StatusCode {
        match code {
            0 => StatusCode::Unset,
            1 => StatusCode::Ok,
            2 => StatusCode::Error,
            other => StatusCode::Unknown(other),
        }
    }
}

/// A span status: code and description (the message is empty unless set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanStatus {
    /// The status code; [`StatusCode::Unset`] when the span carried no status.
    pub code: StatusCode,
    /// The description (only meaningful with [`StatusCode::Error`]).
    pub message: String,
}

/// One span event.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedEvent {
    /// Event name.
    pub name: String,
    /// Event time, nanoseconds since the Unix epoch.
    pub time_unix_nanos: u64,
    /// Event attributes in wire order.
    pub attributes: Vec<(String, AttrValue)>,
    /// Attributes dropped by the sender.
    pub dropped_attributes_count: u32,
}

impl ReceivedEvent {
    /// The first attribute named `key`.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        find(&self.attributes, key)
    }
}

/// One span link.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedLink {
    /// Linked trace id, 32 lowercase hex digits.
    pub trace_id: String,
    /// Linked span id, 16 lowercase hex digits.
    pub span_id: String,
    /// W3C tracestate of the linked context (may be empty).
    pub trace_state: String,
    /// Link attributes in wire order.
    pub attributes: Vec<(String, AttrValue)>,
    /// Link flags as sent.
    pub flags: u32,
}

impl ReceivedLink {
    /// The first attribute named `key`.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        find(&self.attributes, key)
    }
}

/// One span as received, flattened together with its resource and scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// Trace id, 32 lowercase hex digits.
    pub trace_id: String,
    /// Span id, 16 lowercase hex digits.
    pub span_id: String,
    /// Parent span id (16 lowercase hex digits), `None` for a root span.
    pub parent_span_id: Option<String>,
    /// W3C tracestate (may be empty).
    pub trace_state: String,
    /// Span name.
    pub name: String,
    /// `SpanKind` as the wire integer (see [`ReceivedSpan::kind_name`]).
    pub kind: i32,
    /// Start time, nanoseconds since the Unix epoch.
    pub start_unix_nanos: u64,
    /// End time, nanoseconds since the Unix epoch.
    pub end_unix_nanos: u64,
    /// Span attributes in wire order.
    pub attributes: Vec<(String, AttrValue)>,
    /// Attributes dropped by the sender.
    pub dropped_attributes_count: u32,
    /// Events in wire order.
    pub events: Vec<ReceivedEvent>,
    /// Events dropped by the sender.
    pub dropped_events_count: u32,
    /// Links in wire order.
    pub links: Vec<ReceivedLink>,
    /// Links dropped by the sender.
    pub dropped_links_count: u32,
    /// Span status.
    pub status: SpanStatus,
    /// Span flags as sent (bit 0x100 = "has remote parent info", 0x200 = remote parent).
    pub flags: u32,
    /// Attributes of the span's resource.
    pub resource: Vec<(String, AttrValue)>,
    /// Instrumentation scope name (empty if none).
    pub scope_name: String,
    /// Instrumentation scope version (empty if none).
    pub scope_version: String,
    /// Instrumentation scope attributes.
    pub scope_attributes: Vec<(String, AttrValue)>,
    /// Transport of the request that carried this span.
    pub transport: Transport,
}

impl ReceivedSpan {
    /// The first span attribute named `key`.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        find(&self.attributes, key)
    }

    /// The first resource attribute named `key`.
    pub fn resource_attr(&self, key: &str) -> Option<&AttrValue> {
        find(&self.resource, key)
    }

    /// The first event named `name`.
    pub fn event(&self, name: &str) -> Option<&ReceivedEvent> {
        self.events.iter().find(|e| e.name == name)
    }

    /// `SpanKind` as a short lowercase word: `"unspecified"`, `"internal"`,
    /// `"server"`, `"client"`, `"producer"`, `"consumer"` or `"unknown"`.
    pub fn kind_name(&self) -> &'static str {
        match SpanKind::try_from(self.kind) {
            Ok(SpanKind::Unspecified) => "unspecified",
            Ok(SpanKind::Internal) => "internal",
            Ok(SpanKind::Server) => "server",
            Ok(SpanKind::Client) => "client",
            Ok(SpanKind::Producer) => "producer",
            Ok(SpanKind::Consumer) => "consumer",
            Err(_) => "unknown",
        }
    }

    /// True when the span has no parent.
    pub fn is_root(&self) -> bool {
        self.parent_span_id.is_none()
    }

    /// End minus start (zero if end is before start).
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end_unix_nanos.saturating_sub(self.start_unix_nanos))
    }
}

/// Lookups over a list of spans; implemented for `[ReceivedSpan]`, so it works on
/// `Vec<ReceivedSpan>` too.
pub trait SpansExt {
    /// All spans named `name`, in arrival order.
    fn by_name(&self, name: &str) -> Vec<&ReceivedSpan>;
    /// The only span named `name`; panics (with the list of names) if there are
    /// none or several.
    fn one(&self, name: &str) -> &ReceivedSpan;
    /// Direct children of `parent` (same trace, parent id = `parent.span_id`).
    fn children_of(&self, parent: &ReceivedSpan) -> Vec<&ReceivedSpan>;
    /// The span with this span id (lowercase hex).
    fn by_span_id(&self, span_id: &str) -> Option<&ReceivedSpan>;
    /// All spans of one trace (trace id in lowercase hex).
    fn by_trace(&self, trace_id: &str) -> Vec<&ReceivedSpan>;
    /// All spans without a parent.
    fn roots(&self) -> Vec<&ReceivedSpan>;
    /// Span names in arrival order (handy in assertion messages).
    fn names(&self) -> Vec<&str>;
}

impl SpansExt for [ReceivedSpan] {
    fn by_name(&self, name: &str) -> Vec<&ReceivedSpan> {
        self.iter().filter(|s| s.name == name).collect()
    }

    fn one(&self, name: &str) -> &ReceivedSpan {
        let found = self.by_name(name);
        match found.as_slice() {
            [one] => one,
            _ => panic!(
                "expected exactly one span named {name:?}, found {}; spans: {:?}",
                found.len(),
                self.names()
            ),
        }
    }

    fn children_of(&self, parent: &ReceivedSpan) -> Vec<&ReceivedSpan> {
        self.iter()
            .filter(|s| {
                s.trace_id == parent.trace_id
                    && s.parent_span_id.as_deref() == Some(parent.span_id.as_str())
            })
            .collect()
    }

    fn by_span_id(&self, span_id: &str) -> Option<&ReceivedSpan> {
        self.iter().find(|s| s.span_id == span_id)
    }

    fn by_trace(&self, trace_id: &str) -> Vec<&ReceivedSpan> {
        self.iter().filter(|s| s.trace_id == trace_id).collect()
    }

    fn roots(&self) -> Vec<&ReceivedSpan> {
        self.iter().filter(|s| s.is_root()).collect()
    }

    fn names(&self) -> Vec<&str> {
        self.iter().map(|s| s.name.as_str()).collect()
    }
}

/// One accepted export request, as received.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    /// The transport it came in on.
    pub transport: Transport,
    /// HTTP path (`/v1/traces`) or gRPC path
    /// (`/opentelemetry.proto.collector.trace.v1.TraceService/Export`).
    pub path: String,
    /// HTTP headers / gRPC metadata (ASCII values only), names lowercase, in
    /// arrival order.
    pub headers: Vec<(String, String)>,
    /// The `content-type` header, if any.
    pub content_type: Option<String>,
    /// Body size in bytes as sent (before decompression; for gRPC the decoded
    /// message size).
    pub body_len: usize,
    /// The decoded request.
    pub request: ExportTraceServiceRequest,
    /// When the receiver accepted it.
    pub received_at: SystemTime,
}

impl ReceivedRequest {
    /// The first header (or gRPC metadata entry) named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The spans of this request, flattened.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        flatten(&self.request, self.transport)
    }
}

/// Flattens every span of a request with its resource and scope.
pub fn flatten(req: &ExportTraceServiceRequest, transport: Transport) -> Vec<ReceivedSpan> {
    let mut out = Vec::new();
    for rs in &req.resource_spans {
        let resource = rs
            .resource
            .as_ref()
            .map(|r| attrs(&r.attributes))
            .unwrap_or_default();
        for ss in &rs.scope_spans {
            let (scope_name, scope_version, scope_attributes) = match &ss.scope {
                Some(s) => (s.name.clone(), s.version.clone(), attrs(&s.attributes)),
                None => Default::default(),
            };
            for span in &ss.spans {
                let status = span
                    .status
                    .as_ref()
                    .map(|s| SpanStatus {
                        code: StatusCode::from_i32(s.code),
                        message: s.message.clone(),
                    })
                    .unwrap_or(SpanStatus {
                        code: StatusCode::Unset,
                        message: String::new(),
                    });
                out.push(ReceivedSpan {
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: (!span.parent_span_id.is_empty())
                        .then(|| hex(&span.parent_span_id)),
                    trace_state: span.trace_state.clone(),
                    name: span.name.clone(),
                    kind: span.kind,
                    start_unix_nanos: span.start_time_unix_nano,
                    end_unix_nanos: span.end_time_unix_nano,
                    attributes: attrs(&span.attributes),
                    dropped_attributes_count: span.dropped_attributes_count,
                    events: span
                        .events
                        .iter()
                        .map(|e| ReceivedEvent {
                            name: e.name.clone(),
                            time_unix_nanos: e.time_unix_nano,
                            attributes: attrs(&e.attributes),
                            dropped_attributes_count: e.dropped_attributes_count,
                        })
                        .collect(),
                    dropped_events_count: span.dropped_events_count,
                    links: span
                        .links
                        .iter()
                        .map(|l| ReceivedLink {
                            trace_id: hex(&l.trace_id),
                            span_id: hex(&l.span_id),
                            trace_state: l.trace_state.clone(),
                            attributes: attrs(&l.attributes),
                            flags: l.flags,
                        })
                        .collect(),
                    dropped_links_count: span.dropped_links_count,
                    status,
                    flags: span.flags,
                    resource: resource.clone(),
                    scope_name: scope_name.clone(),
                    scope_version: scope_version.clone(),
                    scope_attributes: scope_attributes.clone(),
                    transport,
                });
            }
        }
    }
    out
}
