//! The span this crate records into (for `#[trace]`, `span!`,
//! [`Span::builder`](crate::Span::builder), the integrations and the
//! `tracing` bridge) in place of the SDK's.
//!
//! The SDK's span allocates its attribute list on the application thread,
//! hands the export thread a `SpanData` to free there (so the two threads
//! fight over the allocator's arena lock), and clones its tracer per span.
//! Here a live span keeps a few attributes inline in a record in a box of
//! its own (a slot), and at its end the slot goes into its thread's batch
//! ([`pipeline::local`]); the export thread takes the data out and the
//! emptied records come back with the batch, for the thread's next spans to
//! write their fields into ([`slots`]): per span, nothing is allocated on
//! one thread and freed on another, and the record is never copied whole.
//! It still lives in an OpenTelemetry [`Context`], so code using the plain
//! OpenTelemetry API sees it as the current span and can annotate it.
//!
//! [`pipeline::local`]: crate::pipeline

use crate::{clock, pipeline, registry};
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceId,
    TraceState,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{
    IdGenerator as _, RandomIdGenerator, SpanData, SpanEvents, SpanLinks,
};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::cell::Cell;
use std::sync::LazyLock;
use std::time::SystemTime;

/// The SDK's default span limits (`SpanLimits::default()`), kept here.
const MAX_ATTRIBUTES: usize = 128;
const MAX_EVENTS: usize = 128;
const MAX_LINKS: usize = 128;
const MAX_ATTRIBUTES_PER_ITEM: usize = 128;

/// Room for this many attributes before the list moves to the heap.
pub(crate) type Attributes = SmallVec<[KeyValue; 4]>;

/// A span's data from start to export.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    pub(crate) span_context: SpanContext,
    pub(crate) parent_span_id: SpanId,
    pub(crate) parent_is_remote: bool,
    pub(crate) kind: SpanKind,
    pub(crate) name: Cow<'static, str>,
    pub(crate) start: SystemTime,
    pub(crate) end: SystemTime,
    pub(crate) attributes: Attributes,
    pub(crate) dropped_attributes: u32,
    /// Events, links and a status: most spans have none, so they live
    /// apart and the record stays small (fewer cache lines for the export
    /// thread to fetch).
    pub(crate) extras: Option<Box<Extras>>,
    pub(crate) scope: Scope,
}

/// The parts of a span most spans leave empty.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    pub(crate) events: Vec<Event>,
    pub(crate) dropped_events: u32,
    pub(crate) links: Vec<Link>,
    pub(crate) dropped_links: u32,
    pub(crate) status: Status,
}

impl SpanRecord {
    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }
}

/// Where a span's instrumentation scope lives: interned for our spans
/// (nothing to copy per span), owned for those the SDK built.
#[derive(Debug)]
pub(crate) enum Scope {
    Interned(&'static InstrumentationScope),
    Owned(Box<InstrumentationScope>),
}

/// The scope of a record that holds no span.
static NO_SCOPE: LazyLock<InstrumentationScope> =
    LazyLock::new(|| InstrumentationScope::builder("").build());

impl SpanRecord {
    /// A record holding no span: what a slot keeps between spans, so that
    /// the next span writes its fields in place. A new record built whole
    /// and moved into the slot would be copied, its inline attribute
    /// storage included, twice.
    fn emptied() -> SpanRecord {
        SpanRecord {
            span_context: SpanContext::NONE,
            parent_span_id: SpanId::INVALID,
            parent_is_remote: false,
            kind: SpanKind::Internal,
            name: Cow::Borrowed(""),
            start: SystemTime::UNIX_EPOCH,
            end: SystemTime::UNIX_EPOCH,
            attributes: Attributes::new(),
            dropped_attributes: 0,
            extras: None,
            scope: Scope::Interned(&NO_SCOPE),
        }
    }

    /// Drops what the record holds, keeping the record (and its attribute
    /// list's inline storage) for the next span.
    pub(crate) fn clear(&mut self) {
        self.attributes.clear();
        self.extras = None;
        self.name = Cow::Borrowed("");
        self.span_context = SpanContext::NONE;
        if matches!(self.scope, Scope::Owned(_)) {
            self.scope = Scope::Interned(&NO_SCOPE);
        }
    }

    /// Reads a word from each part of the record that its export reads,
    /// so a pass of these over many records brings them into the cache
    /// together (see the worker's `dispatch`).
    pub(crate) fn touch(&self) -> usize {
        let first_attribute = self
            .attributes
            .first()
            .map_or(0, |kv| kv.key.as_str().len());
        (self.span_context.span_id().to_bytes()[0] as usize)
            .wrapping_add(self.name.len())
            .wrapping_add(self.attributes.len())
            .wrapping_add(first_attribute)
            .wrapping_add(usize::from(self.extras.is_some()))
            .wrapping_add(self.dropped_attributes as usize)
    }

    /// What the exporters take, moved out of the record, which is left
    /// emptied for the next span. Runs on the export thread.
    pub(crate) fn take_span_data(&mut self) -> SpanData {
        let extras = self.extras.take().map(|extras| *extras).unwrap_or_default();
        let mut events = SpanEvents::default();
        events.events = extras.events;
        events.dropped_count = extras.dropped_events;
        let mut links = SpanLinks::default();
        links.links = extras.links;
        links.dropped_count = extras.dropped_links;
        SpanData {
            span_context: std::mem::replace(&mut self.span_context, SpanContext::NONE),
            parent_span_id: self.parent_span_id,
            parent_span_is_remote: self.parent_is_remote,
            span_kind: self.kind.clone(),
            name: std::mem::take(&mut self.name),
            start_time: self.start,
            end_time: self.end,
            // Only the attributes are moved, not the inline storage.
            attributes: self.attributes.drain(..).collect(),
            dropped_attributes_count: self.dropped_attributes,
            events,
            links,
            status: extras.status,
            instrumentation_scope: match &mut self.scope {
                Scope::Interned(scope) => (*scope).clone(),
                Scope::Owned(_) => {
                    match std::mem::replace(&mut self.scope, Scope::Interned(&NO_SCOPE)) {
                        Scope::Owned(scope) => *scope,
                        Scope::Interned(scope) => scope.clone(),
                    }
                }
            },
        }
    }

    /// A span the SDK itself built: one from code using
    /// [`TracingSdk::tracer`](crate::TracingSdk::tracer) directly.
    pub(crate) fn from_span_data(span: SpanData) -> SpanRecord {
        SpanRecord {
            span_context: span.span_context,
            parent_span_id: span.parent_span_id,
            parent_is_remote: span.parent_span_is_remote,
            kind: span.span_kind,
            name: span.name,
            start: span.start_time,
            end: span.end_time,
            attributes: SmallVec::from_vec(span.attributes),
            dropped_attributes: span.dropped_attributes_count,
            extras: (!span.events.is_empty()
                || span.events.dropped_count > 0
                || !span.links.is_empty()
                || span.links.dropped_count > 0
                || span.status != Status::Unset)
                .then(|| {
                    Box::new(Extras {
                        events: span.events.events,
                        dropped_events: span.events.dropped_count,
                        links: span.links.links,
                        dropped_links: span.links.dropped_count,
                        status: span.status,
                    })
                }),
            scope: sdk_scope(span.instrumentation_scope),
        }
    }
}

/// The scope of a span the SDK built, borrowed from the interned ones when
/// it is a plain name and version (as tracers' scopes nearly always are):
/// the SDK clones the scope into every span, and a clone boxed here would
/// be allocated on this thread and freed on the export thread.
fn sdk_scope(scope: InstrumentationScope) -> Scope {
    thread_local! {
        static LAST: Cell<Option<&'static InstrumentationScope>> = const { Cell::new(None) };
    }
    if scope.schema_url().is_some() || scope.attributes().next().is_some() {
        return Scope::Owned(Box::new(scope));
    }
    let last = LAST.try_with(Cell::get).ok().flatten();
    if let Some(last) = last.filter(|last| **last == scope) {
        return Scope::Interned(last);
    }
    let interned = registry::intern_scope(scope.name(), scope.version().unwrap_or_default());
    if *interned != scope {
        // `Some("")` as a version: interned scopes have none.
        return Scope::Owned(Box::new(scope));
    }
    let _ = LAST.try_with(|last| last.set(Some(interned)));
    Scope::Interned(interned)
}

/// What a sampled span starts with, besides its parent and attributes.
pub(crate) struct Start {
    pub(crate) name: Cow<'static, str>,
    pub(crate) kind: SpanKind,
    pub(crate) scope: &'static InstrumentationScope,
    pub(crate) links: Vec<Link>,
    /// The SDK generation whose pipeline the span goes to.
    pub(crate) generation: u64,
}

/// Starts a sampled span as a child of `parent`; returns the context
/// carrying it. `trace_id` is the id the sampler drew for a new root.
/// `attributes` pushes the span's attributes straight into its record.
pub(crate) fn start(
    parent: &Context,
    trace_id: Option<TraceId>,
    start: Start,
    attributes: impl FnOnce(&mut Attributes),
) -> Context {
    let ids = RandomIdGenerator::default();
    let parent_span = parent.span();
    let parent_sc = parent_span.span_context();
    let (trace_id, parent_span_id, parent_is_remote, trace_state) = if parent_sc.is_valid() {
        (
            parent_sc.trace_id(),
            parent_sc.span_id(),
            parent_sc.is_remote(),
            parent_sc.trace_state().clone(),
        )
    } else {
        let trace_id = trace_id.unwrap_or_else(|| ids.new_trace_id());
        (trace_id, SpanId::INVALID, false, TraceState::NONE)
    };
    let span_context = SpanContext::new(
        trace_id,
        ids.new_span_id(),
        TraceFlags::SAMPLED,
        false,
        trace_state,
    );
    let now = clock::now();
    let mut slot = slots::take();
    // The record is large: its fields are written in place, in a record
    // the slot keeps emptied between spans, and the attributes pushed into
    // it there. A record built whole and moved in would be copied.
    let record = slot.get_or_insert_with(SpanRecord::emptied);
    record.span_context = span_context.clone();
    record.parent_span_id = parent_span_id;
    record.parent_is_remote = parent_is_remote;
    record.kind = start.kind;
    record.name = start.name;
    record.start = now;
    record.end = now;
    record.extras = links_extras(start.links);
    record.scope = Scope::Interned(start.scope);
    record.attributes.clear();
    attributes(&mut record.attributes);
    record.dropped_attributes = record.attributes.len().saturating_sub(MAX_ATTRIBUTES) as u32;
    record.attributes.truncate(MAX_ATTRIBUTES);
    parent.with_span(RecordingSpan {
        span_context,
        generation: start.generation,
        data: Some(slot),
    })
}

/// A new span's links, capped, in the extras that hold them (`None`
/// without links).
fn links_extras(mut links: Vec<Link>) -> Option<Box<Extras>> {
    if links.is_empty() {
        return None;
    }
    let dropped_links = links.len().saturating_sub(MAX_LINKS) as u32;
    links.truncate(MAX_LINKS);
    for link in &mut links {
        link.dropped_attributes_count += cap(&mut link.attributes);
    }
    Some(Box::new(Extras {
        links,
        dropped_links,
        ..Extras::default()
    }))
}

/// Adds an event or link made by `make`, or counts it dropped once `items`
/// holds `max`.
fn push_capped<T>(items: &mut Vec<T>, dropped: &mut u32, max: usize, make: impl FnOnce() -> T) {
    if items.len() < max {
        items.push(make());
    } else {
        *dropped += 1;
    }
}

/// Truncates an event's or link's attributes to the limit; returns how
/// many were dropped.
fn cap(attributes: &mut Vec<KeyValue>) -> u32 {
    let dropped = attributes.len().saturating_sub(MAX_ATTRIBUTES_PER_ITEM);
    attributes.truncate(MAX_ATTRIBUTES_PER_ITEM);
    dropped as u32
}

/// A live span, as the OpenTelemetry API sees it. Ends (and is queued for
/// export) on `end` or, failing that, when dropped.
#[derive(Debug)]
pub(crate) struct RecordingSpan {
    span_context: SpanContext,
    generation: u64,
    /// In a box of its own (a slot of [`slots`]): the context boxes this
    /// span and moves it on the way, and a span holding its record inline
    /// would be copied whole each time. `None` once ended.
    data: Option<Box<Slot>>,
}

impl RecordingSpan {
    fn record(&mut self) -> Option<&mut SpanRecord> {
        self.data.as_deref_mut()?.as_mut()
    }
}

/// A span's record in its own box, from its start until the export
/// thread takes its data out; the emptied record, box and all, then comes
/// back to be used again (see [`slots`]). `None` in a new slot.
pub(crate) type Slot = Option<SpanRecord>;

pub(crate) mod slots;

impl opentelemetry::trace::Span for RecordingSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        mut attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        if let Some(data) = self.record() {
            let extras = data.extras();
            push_capped(
                &mut extras.events,
                &mut extras.dropped_events,
                MAX_EVENTS,
                || {
                    let dropped = cap(&mut attributes);
                    Event::new(name, timestamp, attributes, dropped)
                },
            );
        }
    }

    fn span_context(&self) -> &SpanContext {
        &self.span_context
    }

    fn is_recording(&self) -> bool {
        self.data.is_some()
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        if let Some(data) = self.record() {
            if data.attributes.len() < MAX_ATTRIBUTES {
                data.attributes.push(attribute);
            } else {
                data.dropped_attributes += 1;
            }
        }
    }

    fn set_status(&mut self, status: Status) {
        if let Some(data) = self.record() {
            // Unset < Error < Ok: an Ok status is final.
            if status > Status::Unset && status > data.extras().status {
                data.extras().status = status;
            }
        }
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        if let Some(data) = self.record() {
            data.name = new_name.into();
        }
    }

    fn add_link(&mut self, span_context: SpanContext, mut attributes: Vec<KeyValue>) {
        if let Some(data) = self.record() {
            let extras = data.extras();
            push_capped(
                &mut extras.links,
                &mut extras.dropped_links,
                MAX_LINKS,
                || {
                    let dropped = cap(&mut attributes);
                    Link::new(span_context, attributes, dropped)
                },
            );
        }
    }

    fn end(&mut self) {
        if self.data.is_some() {
            self.end_with_timestamp(clock::now());
        }
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        let Some(mut slot) = self.data.take() else {
            return;
        };
        match slot.as_mut() {
            Some(record) => {
                // Clocks are re-anchored now and then; a span never ends
                // before it started.
                record.end = timestamp.max(record.start);
                // The box is what travels to the export thread, not the
                // record: moving the record would copy it.
                pipeline::submit(self.generation, slot);
            }
            None => slots::give_back(slot),
        }
    }
}

impl Drop for RecordingSpan {
    fn drop(&mut self) {
        opentelemetry::trace::Span::end(self);
    }
}
