//! OTLP export requests (`ExportTraceServiceRequest`) written straight from
//! span records, as protobuf or as OTLP/JSON: no `SpanData`, no
//! `opentelemetry-proto` structs in between.
//!
//! A batch's spans are grouped by instrumentation scope (in the order each
//! scope first appears, the spans of a scope in batch order) under the one
//! resource of the SDK. The resource's part of the request is encoded when
//! the exporter starts, and each interned scope's the first time a batch
//! has it; the output buffer's allocation is taken back for the next batch
//! once the transport has let go of the previous request.

mod json;
mod protobuf;
#[cfg(test)]
mod tests;

use super::SpanBatch;
use crate::data::{Scope, SpanRecord};
use crate::transport::ExportError;
use bytes::{BufMut as _, Bytes, BytesMut};
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::Resource;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::io::Write as _;

/// How request bodies are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The content type of these bodies over HTTP (gRPC takes protobuf only).
    pub(crate) fn http_content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
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
            Encoding::Json => json::scope(scope).map_err(json_error)?,
        };
        Ok(Frame { head, tail })
    }

    fn of_resource(encoding: Encoding, resource: &Resource) -> Result<Frame, ExportError> {
        let (head, tail) = match encoding {
            Encoding::Protobuf => protobuf::resource(resource),
            Encoding::Json => json::resource(resource).map_err(json_error)?,
        };
        Ok(Frame { head, tail })
    }

    fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }
}

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
    buf: BytesMut,
    /// Per record of the batch being encoded: its group.
    group_of: Vec<u32>,
    /// Per record (protobuf): the length of its `Span` message.
    span_lens: Vec<u32>,
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
            buf: BytesMut::new(),
            group_of: Vec::new(),
            span_lens: Vec::new(),
        }
    }

    /// The request carrying `batch`'s spans.
    pub(crate) fn encode(&mut self, batch: &SpanBatch<'_, '_>) -> Result<Bytes, ExportError> {
        if self.resource_frame.is_none() {
            self.resource_frame = Some(Frame::of_resource(self.encoding, &self.resource)?);
        }
        self.buf.clear();
        self.group_of.clear();
        self.span_lens.clear();
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
        match self.encoding {
            Encoding::Protobuf => {
                write_protobuf(&mut self.buf, resource, &grouped, batch, &self.span_lens)?;
            }
            Encoding::Json => {
                write_json(&mut self.buf, resource, &grouped, batch).map_err(json_error)?;
            }
        }
        Ok(self.buf.split().freeze())
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
                let len = protobuf::span_len(record);
                self.span_lens.push(len as u32);
                groups[last].spans_len += protobuf::field_len(len);
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

/// `ExportTraceServiceRequest { resource_spans: [ResourceSpans { resource,
/// scope_spans: [ScopeSpans { scope, spans, schema_url }, …], schema_url }] }`.
fn write_protobuf(
    buf: &mut BytesMut,
    resource: &Frame,
    grouped: &Grouped<'_, '_>,
    batch: &SpanBatch<'_, '_>,
    span_lens: &[u32],
) -> Result<(), ExportError> {
    let scope_spans_len =
        |index: usize| grouped.frames[index].len() + grouped.groups[index].spans_len;
    let resource_spans_len = resource.len()
        + (0..grouped.groups.len())
            .map(|index| protobuf::field_len(scope_spans_len(index)))
            .sum::<usize>();
    let total = protobuf::field_len(resource_spans_len);
    buf.reserve(total);
    protobuf::header(buf, 1, resource_spans_len);
    buf.put_slice(&resource.head);
    for (index, frame) in grouped.frames.iter().enumerate() {
        protobuf::header(buf, 2, scope_spans_len(index));
        buf.put_slice(&frame.head);
        let members = batch.records().zip(grouped.group_of).zip(span_lens);
        for ((record, _), len) in members.filter(|((_, g), _)| **g as usize == index) {
            protobuf::header(buf, 2, *len as usize);
            protobuf::write_span(buf, record);
        }
        buf.put_slice(&frame.tail);
    }
    buf.put_slice(&resource.tail);
    if buf.len() != total {
        // Lengths and contents disagree: never send a corrupt request.
        return Err(ExportError::Permanent(format!(
            "OTLP encoder wrote {} bytes for a {total}-byte request",
            buf.len()
        )));
    }
    Ok(())
}

/// The same request in OTLP/JSON.
fn write_json(
    buf: &mut BytesMut,
    resource: &Frame,
    grouped: &Grouped<'_, '_>,
    batch: &SpanBatch<'_, '_>,
) -> std::io::Result<()> {
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
