//! OTLP export requests (`ExportTraceServiceRequest`) written straight from
//! span records, as protobuf or as OTLP/JSON: no `SpanData`, no
//! `opentelemetry-proto` structs in between.
//!
//! A batch's spans are grouped by instrumentation scope (in the order each
//! scope first appears, the spans of a scope in batch order) under the one
//! resource of the SDK. The resource's part of the request is encoded when
//! the exporter starts, and each interned scope's the first time a batch
//! has it; a request's buffer is taken back for a later batch once the
//! transport has let go of the request.

#[cfg(feature = "http")]
mod json;
mod protobuf;
#[cfg(test)]
mod tests;
mod wire;

use super::SpanBatch;
use crate::data::{Scope, SpanRecord};
use crate::transport::ExportError;
use bytes::{BufMut as _, Bytes, BytesMut};
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::Resource;
use smallvec::SmallVec;
use std::collections::HashMap;

/// How request bodies are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Protobuf,
    /// OTLP/JSON, for http/json only.
    #[cfg(feature = "http")]
    Json,
}

impl Encoding {
    /// The content type of these bodies over HTTP (gRPC takes protobuf only).
    pub(crate) fn http_content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            #[cfg(feature = "http")]
            Encoding::Json => "application/json",
        }
    }
}

/// What goes around a list of spans (or scopes) in its message, encoded
/// once: the scope (or resource) before it, the schema URL after.
#[derive(Debug, Clone, Default)]
struct Frame {
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Frame {
    fn of_scope(encoding: Encoding, scope: &InstrumentationScope) -> Result<Frame, ExportError> {
        let (head, tail) = match encoding {
            Encoding::Protobuf => protobuf::scope(scope),
            #[cfg(feature = "http")]
            Encoding::Json => json::scope(scope).map_err(json_error)?,
        };
        Ok(Frame { head, tail })
    }

    fn of_resource(encoding: Encoding, resource: &Resource) -> Result<Frame, ExportError> {
        let (head, tail) = match encoding {
            Encoding::Protobuf => protobuf::resource(resource),
            #[cfg(feature = "http")]
            Encoding::Json => json::resource(resource).map_err(json_error)?,
        };
        Ok(Frame { head, tail })
    }

    fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }
}

#[cfg(feature = "http")]
fn json_error(e: std::io::Error) -> ExportError {
    ExportError::Permanent(format!("could not encode OTLP/JSON: {e}"))
}

/// Encodes batches of span records for one exporter.
#[derive(Debug)]
pub(crate) struct Encoder {
    encoding: Encoding,
    resource: Resource,
    /// The resource's part of every request, encoded by the first batch.
    resource_frame: Option<Frame>,
    /// Interned scopes (`&'static`, so their address names them) already encoded.
    scopes: HashMap<usize, Frame>,
    /// Output buffers: those of requests the transport may still hold,
    /// and the one being written.
    bufs: Vec<BytesMut>,
    /// The length of the previous request (what JSON reserves first).
    last_len: usize,
    /// Per record of the batch being encoded: its group.
    group_of: Vec<u32>,
    /// Per record (protobuf): its `Span` message's length and times.
    measured: Vec<protobuf::Measured>,
}

/// The spans of one scope in a batch.
struct Group<'r> {
    scope: &'r InstrumentationScope,
    /// The scope's address when interned.
    interned: Option<usize>,
    /// Protobuf: the length of its spans, each with its key and length.
    spans_len: usize,
}

/// The spans of a batch in their groups, and what goes around each group.
struct Grouped<'r, 'f> {
    groups: &'f [Group<'r>],
    frames: &'f [&'f Frame],
    group_of: &'f [u32],
}

impl Encoder {
    pub(crate) fn new(encoding: Encoding, resource: Resource) -> Encoder {
        Encoder {
            encoding,
            resource,
            resource_frame: None,
            scopes: HashMap::new(),
            bufs: Vec::new(),
            last_len: 0,
            group_of: Vec::new(),
            measured: Vec::new(),
        }
    }

    /// The request carrying `batch`'s spans.
    pub(crate) fn encode(&mut self, batch: &SpanBatch<'_, '_>) -> Result<Bytes, ExportError> {
        if self.resource_frame.is_none() {
            self.resource_frame = Some(Frame::of_resource(self.encoding, &self.resource)?);
        }
        self.group_of.clear();
        self.measured.clear();
        let groups = self.group(batch);
        // Scopes that are not interned are encoded for this batch only.
        let mut owned: SmallVec<[Option<Frame>; 4]> = SmallVec::new();
        for group in &groups {
            owned.push(match group.interned {
                Some(address) if self.scopes.contains_key(&address) => None,
                Some(address) => {
                    let frame = Frame::of_scope(self.encoding, group.scope)?;
                    self.scopes.insert(address, frame);
                    None
                }
                None => Some(Frame::of_scope(self.encoding, group.scope)?),
            });
        }
        let frames: SmallVec<[&Frame; 4]> = groups
            .iter()
            .zip(&owned)
            .map(|(group, owned)| {
                owned
                    .as_ref()
                    .or_else(|| group.interned.and_then(|a| self.scopes.get(&a)))
                    .unwrap_or(&NO_FRAME)
            })
            .collect();
        let grouped = Grouped {
            groups: &groups,
            frames: &frames,
            group_of: &self.group_of,
        };
        let resource = self.resource_frame.as_ref().unwrap_or(&NO_FRAME);
        let body = match self.encoding {
            Encoding::Protobuf => {
                let len = protobuf_len(resource, &grouped);
                let buf = buffer(&mut self.bufs, len);
                write_protobuf(buf, resource, &grouped, batch, &self.measured);
                if buf.len() != len {
                    // Lengths and contents disagree: never send a corrupt request.
                    return Err(ExportError::Permanent(format!(
                        "OTLP encoder wrote {} bytes for a {len}-byte request",
                        buf.len()
                    )));
                }
                buf.split().freeze()
            }
            #[cfg(feature = "http")]
            Encoding::Json => {
                let buf = buffer(&mut self.bufs, self.last_len);
                write_json(buf, resource, &grouped, batch).map_err(json_error)?;
                buf.split().freeze()
            }
        };
        self.last_len = body.len();
        Ok(body)
    }

    /// Sorts the batch's spans into groups by scope; for protobuf, measures them.
    fn group<'r>(&mut self, batch: &'r SpanBatch<'_, '_>) -> SmallVec<[Group<'r>; 4]> {
        let mut groups: SmallVec<[Group<'r>; 4]> = SmallVec::new();
        let mut last = 0;
        for record in batch.records() {
            let scope = record.scope.get();
            let same = groups
                .get(last)
                .is_some_and(|g| std::ptr::eq(g.scope, scope));
            if !same {
                last = match groups
                    .iter()
                    .position(|g| std::ptr::eq(g.scope, scope) || *g.scope == *scope)
                {
                    Some(index) => index,
                    None => {
                        groups.push(Group {
                            scope,
                            interned: interned_address(record),
                            spans_len: 0,
                        });
                        groups.len() - 1
                    }
                };
            }
            self.group_of.push(last as u32);
            if self.encoding == Encoding::Protobuf {
                let measured = protobuf::measure(record);
                groups[last].spans_len += wire::field_len(measured.len);
                self.measured.push(measured);
            }
        }
        groups
    }
}

/// Stands in for a frame that is always there (never written).
static NO_FRAME: Frame = Frame {
    head: Vec::new(),
    tail: Vec::new(),
};

fn interned_address(record: &SpanRecord) -> Option<usize> {
    match record.scope {
        Scope::Interned(scope) => Some(scope as *const InstrumentationScope as usize),
        Scope::Owned(_) => None,
    }
}

/// Buffers kept for reuse, at most: one per request in flight and more.
const MAX_BUFFERS: usize = 8;

/// A buffer of `bufs` with room for `len` bytes, preferably one whose
/// request the transport has dropped (its allocation is taken back).
fn buffer(bufs: &mut Vec<BytesMut>, len: usize) -> &mut BytesMut {
    // Room for batches a little larger than this one, so that the next
    // finds its buffer large enough.
    let room = len + len / 4;
    let free = bufs.iter_mut().position(|buf| {
        buf.clear();
        buf.try_reclaim(len)
    });
    let index = match free {
        Some(index) => index,
        None if bufs.len() < MAX_BUFFERS => {
            bufs.push(BytesMut::with_capacity(room));
            bufs.len() - 1
        }
        None => {
            bufs[0] = BytesMut::with_capacity(room);
            0
        }
    };
    &mut bufs[index]
}

/// The length of `ScopeSpans` message `index` of `grouped`.
fn scope_spans_len(grouped: &Grouped<'_, '_>, index: usize) -> usize {
    grouped.frames[index].len() + grouped.groups[index].spans_len
}

/// The length of the `ResourceSpans` message of the request.
fn resource_spans_len(resource: &Frame, grouped: &Grouped<'_, '_>) -> usize {
    resource.len()
        + (0..grouped.groups.len())
            .map(|index| wire::field_len(scope_spans_len(grouped, index)))
            .sum::<usize>()
}

/// The length of the whole protobuf request.
fn protobuf_len(resource: &Frame, grouped: &Grouped<'_, '_>) -> usize {
    wire::field_len(resource_spans_len(resource, grouped))
}

/// `ExportTraceServiceRequest { resource_spans: [ResourceSpans { resource,
/// scope_spans: [ScopeSpans { scope, spans, schema_url }, …], schema_url }] }`.
fn write_protobuf(
    buf: &mut BytesMut,
    resource: &Frame,
    grouped: &Grouped<'_, '_>,
    batch: &SpanBatch<'_, '_>,
    measured: &[protobuf::Measured],
) {
    wire::header(buf, 1, resource_spans_len(resource, grouped));
    buf.put_slice(&resource.head);
    for (index, frame) in grouped.frames.iter().enumerate() {
        wire::header(buf, 2, scope_spans_len(grouped, index));
        buf.put_slice(&frame.head);
        let members = batch.records().zip(grouped.group_of).zip(measured);
        for ((record, _), measured) in members.filter(|((_, g), _)| **g as usize == index) {
            wire::header(buf, 2, measured.len);
            protobuf::write_span(buf, record, measured);
        }
        buf.put_slice(&frame.tail);
    }
    buf.put_slice(&resource.tail);
}

/// The same request in OTLP/JSON.
#[cfg(feature = "http")]
fn write_json(
    buf: &mut BytesMut,
    resource: &Frame,
    grouped: &Grouped<'_, '_>,
    batch: &SpanBatch<'_, '_>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut w = buf.writer();
    w.write_all(&resource.head)?;
    for (index, frame) in grouped.frames.iter().enumerate() {
        if index > 0 {
            w.write_all(b",")?;
        }
        w.write_all(&frame.head)?;
        let members = batch.records().zip(grouped.group_of);
        for (i, (record, _)) in members.filter(|(_, g)| **g as usize == index).enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            json::span(&mut w, record)?;
        }
        w.write_all(&frame.tail)?;
    }
    w.write_all(&resource.tail)
}
