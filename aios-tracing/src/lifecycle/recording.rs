//! The span this crate records into (for `#[trace]`, `span!`,
//! [`SpanBuilder`](crate::SpanBuilder), the integrations and the `tracing`
//! bridge) in place of the SDK's.
//!
//! The SDK's span allocates its attribute list on the application thread,
//! hands the export thread a `SpanData` to free there (so the two threads
//! fight over the allocator's arena lock), and clones its tracer per span.
//! Here a live span keeps a few attributes inline in a record in a box of
//! its own (a slot), and at its end the slot goes into its thread's ring
//! ([`pipeline`](crate::pipeline)); the export thread reads the record and
//! the emptied records come back with the batch, for the thread's next
//! spans to write their fields into: per span, nothing is allocated on one
//! thread and freed on another, and the record is never copied whole. It
//! still lives in an OpenTelemetry [`Context`], so code using the plain
//! OpenTelemetry API sees it as the current span and can annotate it.

use super::settings::SpanSettings;
use super::{clock, exception, sampling};
use crate::data::{Attributes, Extras, Scope, SpanRecord};
use crate::limits::{cap, push_capped, SpanLimits};
use crate::pipeline::{self, slots};
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceId,
    TraceState,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
use std::borrow::Cow;
use std::time::SystemTime;

/// What a sampled span starts with, besides its parent and attributes.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) name: Cow<'static, str>,
    pub(crate) kind: SpanKind,
    /// `None`: the SDK's own scope.
    pub(crate) scope: Option<&'static InstrumentationScope>,
    pub(crate) links: Vec<Link>,
}

/// Starts a recorded span as a child of `parent`; returns the context
/// carrying it. `trace_id` is the id the sampler drew for a new root;
/// `sampled`: whether its flags say so (a span recorded only to be kept
/// if its trace fails does not, so what it propagates follows the head
/// decision).
/// `attributes` pushes the span's attributes straight into its record.
pub(crate) fn start(
    parent: &Context,
    trace_id: Option<TraceId>,
    sampled: bool,
    settings: &'static SpanSettings,
    request: Request,
    attributes: impl FnOnce(&mut Attributes),
) -> Context {
    let ids = RandomIdGenerator::default();
    let parent_span = parent.span();
    let parent_sc = parent_span.span_context();
    let (trace_id, parent_span_id, parent_is_remote, flags, trace_state) = if parent_sc.is_valid() {
        (
            parent_sc.trace_id(),
            parent_sc.span_id(),
            parent_sc.is_remote(),
            // W3C Level 2's `random` flag, if the parent has it, stays.
            sampled_flag(parent_sc.trace_flags(), sampled),
            parent_sc.trace_state().clone(),
        )
    } else {
        let trace_id = trace_id.unwrap_or_else(|| ids.new_trace_id());
        let flags = sampled_flag(sampling::RANDOM_TRACE_ID, sampled);
        (trace_id, SpanId::INVALID, false, flags, TraceState::NONE)
    };
    let span_context = SpanContext::new(trace_id, ids.new_span_id(), flags, false, trace_state);
    let limits = &settings.limits;
    let now = clock::now();
    let mut slot = slots::take();
    // The record is large: its fields are written in place, in a record
    // the slot keeps emptied between spans, and the attributes pushed into
    // it there. A record built whole and moved in would be copied.
    let record = slot.get_or_insert_with(SpanRecord::emptied);
    record.span_context = span_context.clone();
    record.parent_span_id = parent_span_id;
    record.parent_is_remote = parent_is_remote;
    record.kind = request.kind;
    record.name = request.name;
    record.start = now;
    record.end = now;
    record.extras = links_extras(request.links, limits);
    record.scope = Scope::Interned(request.scope.unwrap_or(settings.scope));
    record.attributes.clear();
    attributes(&mut record.attributes);
    record.dropped_attributes = record.attributes.len().saturating_sub(limits.attributes) as u32;
    record.attributes.truncate(limits.attributes);
    parent.with_span(RecordingSpan {
        span_context,
        settings,
        data: Some(slot),
    })
}

fn sampled_flag(flags: TraceFlags, sampled: bool) -> TraceFlags {
    if sampled {
        flags | TraceFlags::SAMPLED
    } else {
        TraceFlags::new(flags.to_u8() & !TraceFlags::SAMPLED.to_u8())
    }
}

/// A new span's links, capped, in the extras that hold them (`None`
/// without links).
fn links_extras(mut links: Vec<Link>, limits: &SpanLimits) -> Option<Box<Extras>> {
    if links.is_empty() {
        return None;
    }
    let dropped_links = links.len().saturating_sub(limits.links) as u32;
    links.truncate(limits.links);
    for link in &mut links {
        link.dropped_attributes_count += cap(&mut link.attributes, limits.attributes_per_link);
    }
    Some(Box::new(Extras {
        links,
        dropped_links,
        ..Extras::default()
    }))
}

/// A live span, as the OpenTelemetry API sees it. Ends (and is queued for
/// export) on `end` or, failing that, when dropped.
#[derive(Debug)]
pub(crate) struct RecordingSpan {
    span_context: SpanContext,
    /// Its SDK's: the limits it keeps to, the pipeline it goes to.
    settings: &'static SpanSettings,
    /// In a box of its own (a slot): the context boxes this span and moves
    /// it on the way, and a span holding its record inline would be copied
    /// whole each time. `None` once ended.
    data: Option<Box<slots::Slot>>,
}

impl RecordingSpan {
    fn record(&mut self) -> Option<&mut SpanRecord> {
        self.data.as_deref_mut()?.as_mut()
    }
}

impl opentelemetry::trace::Span for RecordingSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        mut attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        let limits = &self.settings.limits;
        if let Some(data) = self.data.as_deref_mut().and_then(Option::as_mut) {
            let name = name.into();
            let backtrace = (name == "exception")
                .then(exception::take_pending)
                .flatten();
            let extras = data.extras();
            let index = extras.events.len();
            push_capped(
                &mut extras.events,
                &mut extras.dropped_events,
                limits.events,
                || {
                    let dropped = cap(&mut attributes, limits.attributes_per_event);
                    Event::new(name, timestamp, attributes, dropped)
                },
            );
            if let Some(backtrace) = backtrace.filter(|_| extras.events.len() > index) {
                extras.backtraces.push((index, backtrace));
            }
        }
    }

    fn span_context(&self) -> &SpanContext {
        &self.span_context
    }

    fn is_recording(&self) -> bool {
        self.data.is_some()
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        let max = self.settings.limits.attributes;
        if let Some(data) = self.record() {
            if data.attributes.len() < max {
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
        let limits = &self.settings.limits;
        if let Some(data) = self.data.as_deref_mut().and_then(Option::as_mut) {
            let extras = data.extras();
            push_capped(
                &mut extras.links,
                &mut extras.dropped_links,
                limits.links,
                || {
                    let dropped = cap(&mut attributes, limits.attributes_per_link);
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
                pipeline::submit(self.settings.generation, slot);
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
