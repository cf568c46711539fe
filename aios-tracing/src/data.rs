//! What a span holds, from its start until an exporter has read it: the
//! [`SpanRecord`] every layer passes down. The span code writes it, the
//! pipeline carries it (in its slot) to the export thread, and the sinks
//! read it there.

use crate::scope;
use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use smallvec::SmallVec;
use std::backtrace::Backtrace;
use std::borrow::Cow;
use std::cell::Cell;
use std::sync::LazyLock;
use std::time::SystemTime;

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
    /// Backtraces of exception events (by index), captured on the
    /// application thread and formatted on the export thread.
    pub(crate) backtraces: Vec<(usize, Backtrace)>,
}

/// Where a span's instrumentation scope lives: interned for our spans
/// (nothing to copy per span), owned for those the SDK built.
#[derive(Debug)]
pub(crate) enum Scope {
    Interned(&'static InstrumentationScope),
    Owned(Box<InstrumentationScope>),
}

impl Scope {
    pub(crate) fn get(&self) -> &InstrumentationScope {
        match self {
            Scope::Interned(scope) => scope,
            Scope::Owned(scope) => scope,
        }
    }
}

/// The scope of a record that holds no span.
static NO_SCOPE: LazyLock<InstrumentationScope> =
    LazyLock::new(|| InstrumentationScope::builder("").build());

impl SpanRecord {
    /// A record holding no span: what a slot keeps between spans, so that
    /// the next span writes its fields in place. A new record built whole
    /// and moved into the slot would be copied, its inline attribute
    /// storage included, twice.
    pub(crate) fn emptied() -> SpanRecord {
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

    pub(crate) fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// The events, links and status, empty where the span has none.
    pub(crate) fn extras_or_default(&self) -> &Extras {
        static NONE: LazyLock<Extras> = LazyLock::new(Extras::default);
        self.extras.as_deref().unwrap_or(&NONE)
    }

    /// Formats the backtraces of exception events into their
    /// `exception.stacktrace` attributes. Runs on the export thread.
    pub(crate) fn format_backtraces(&mut self) {
        let Some(extras) = self.extras.as_deref_mut() else {
            return;
        };
        for (index, trace) in extras.backtraces.drain(..) {
            if let Some(event) = extras.events.get_mut(index) {
                event
                    .attributes
                    .push(KeyValue::new("exception.stacktrace", trace.to_string()));
            }
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

    /// The span as the SDK's exporters take it, moved out of the record,
    /// which is left emptied for the next span.
    pub(crate) fn take_span_data(&mut self) -> SpanData {
        let extras = self.extras.take().map(|extras| *extras).unwrap_or_default();
        let scope = match std::mem::replace(&mut self.scope, Scope::Interned(&NO_SCOPE)) {
            Scope::Interned(scope) => {
                self.scope = Scope::Interned(scope);
                scope.clone()
            }
            Scope::Owned(scope) => *scope,
        };
        let span_context = std::mem::replace(&mut self.span_context, SpanContext::NONE);
        let name = std::mem::take(&mut self.name);
        // Only the attributes are moved, not the inline storage.
        let attributes = self.attributes.drain(..).collect();
        span_data(span_context, self, name, attributes, extras, scope)
    }

    /// The span as the SDK's exporters take it, copied: the record is left
    /// as it is, for other readers.
    pub(crate) fn to_span_data(&self) -> SpanData {
        let extras = self.extras_or_default();
        let extras = Extras {
            events: extras.events.clone(),
            dropped_events: extras.dropped_events,
            links: extras.links.clone(),
            dropped_links: extras.dropped_links,
            status: extras.status.clone(),
            backtraces: Vec::new(),
        };
        span_data(
            self.span_context.clone(),
            self,
            self.name.clone(),
            self.attributes.to_vec(),
            extras,
            self.scope.get().clone(),
        )
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
                        backtraces: Vec::new(),
                    })
                }),
            scope: sdk_scope(span.instrumentation_scope),
        }
    }
}

/// Assembles a `SpanData` from a record's parts.
fn span_data(
    span_context: SpanContext,
    record: &SpanRecord,
    name: Cow<'static, str>,
    attributes: Vec<KeyValue>,
    extras: Extras,
    scope: InstrumentationScope,
) -> SpanData {
    let mut events = SpanEvents::default();
    events.events = extras.events;
    events.dropped_count = extras.dropped_events;
    let mut links = SpanLinks::default();
    links.links = extras.links;
    links.dropped_count = extras.dropped_links;
    SpanData {
        span_context,
        parent_span_id: record.parent_span_id,
        parent_span_is_remote: record.parent_is_remote,
        span_kind: record.kind.clone(),
        name,
        start_time: record.start,
        end_time: record.end,
        attributes,
        dropped_attributes_count: record.dropped_attributes,
        events,
        links,
        status: extras.status,
        instrumentation_scope: scope,
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
    let interned = scope::intern(scope.name(), scope.version().unwrap_or_default());
    if *interned != scope {
        // `Some("")` as a version: interned scopes have none.
        return Scope::Owned(Box::new(scope));
    }
    let _ = LAST.try_with(|last| last.set(Some(interned)));
    Scope::Interned(interned)
}
