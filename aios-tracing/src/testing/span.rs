//! One captured span: accessors, and assertions that panic with the
//! captured tree.

use super::CapturedSpan;
use opentelemetry::trace::{Event, Link, SpanId, SpanKind, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use std::fmt;

impl<'a> CapturedSpan<'a> {
    /// The span as the exporter got it.
    pub fn data(&self) -> &'a SpanData {
        self.span
    }

    /// Its name.
    pub fn name(&self) -> &'a str {
        self.span.name.as_ref()
    }

    /// Its kind.
    pub fn kind(&self) -> &'a SpanKind {
        &self.span.span_kind
    }

    /// Its span id.
    pub fn span_id(&self) -> SpanId {
        self.span.span_context.span_id()
    }

    /// Its trace id.
    pub fn trace_id(&self) -> TraceId {
        self.span.span_context.trace_id()
    }

    /// Whether it was made directly under the capture, or has no parent.
    pub fn is_root(&self) -> bool {
        let parent = self.span.parent_span_id;
        parent == self.all.parent || parent == SpanId::INVALID
    }

    /// Its parent, if that was captured too.
    pub fn parent(&self) -> Option<CapturedSpan<'a>> {
        if self.is_root() {
            return None;
        }
        self.all.find(self.span.parent_span_id)
    }

    /// Its children, in the order they started.
    pub fn children(&self) -> Vec<CapturedSpan<'a>> {
        let id = self.span_id();
        self.all
            .iter()
            .filter(|span| span.span.parent_span_id == id)
            .collect()
    }

    /// The attribute `key`, if set.
    pub fn attribute(&self, key: &str) -> Option<&'a Value> {
        find(&self.span.attributes, key)
    }

    /// Its attributes.
    pub fn attributes(&self) -> &'a [KeyValue] {
        &self.span.attributes
    }

    /// Its events.
    pub fn events(&self) -> &'a [Event] {
        &self.span.events.events
    }

    /// The first event called `name`.
    pub fn event(&self, name: &str) -> Option<&'a Event> {
        self.events().iter().find(|event| event.name == name)
    }

    /// Its links.
    pub fn links(&self) -> &'a [Link] {
        &self.span.links.links
    }

    /// Its status.
    pub fn status(&self) -> &'a Status {
        &self.span.status
    }

    /// Panics unless its kind is `kind`.
    #[track_caller]
    pub fn assert_kind(self, kind: SpanKind) -> Self {
        if *self.kind() != kind {
            self.fail(format_args!(
                "expected kind {kind:?}, found {:?}",
                self.kind()
            ));
        }
        self
    }

    /// Panics unless it was made directly under the capture.
    #[track_caller]
    pub fn assert_root(self) -> Self {
        if !self.is_root() {
            let parent = self.parent().map_or("(not captured)", |p| p.name());
            self.fail(format_args!(
                "expected a root span, found a child of \"{parent}\""
            ));
        }
        self
    }

    /// Panics unless its parent is the captured span called `name`.
    #[track_caller]
    pub fn assert_parent(self, name: &str) -> Self {
        match self.parent() {
            Some(parent) if parent.name() == name => {}
            Some(parent) => self.fail(format_args!(
                "expected parent \"{name}\", found \"{}\"",
                parent.name()
            )),
            None if self.is_root() => self.fail(format_args!(
                "expected parent \"{name}\", found a root span"
            )),
            None => self.fail(format_args!(
                "expected parent \"{name}\", found a parent that was not captured"
            )),
        }
        self
    }

    /// Panics unless its parent is `parent`.
    #[track_caller]
    pub fn assert_child_of(self, parent: CapturedSpan<'_>) -> Self {
        if self.is_root() || self.span.parent_span_id != parent.span_id() {
            self.fail(format_args!(
                "expected a child of \"{}\" ({})",
                parent.name(),
                parent.span_id()
            ));
        }
        self
    }

    /// Panics unless the attribute `key` equals `value`.
    #[track_caller]
    pub fn assert_attribute(self, key: &str, value: impl Into<Value>) -> Self {
        let value = value.into();
        match self.attribute(key) {
            Some(found) if *found == value => {}
            Some(found) => self.fail(format_args!(
                "expected attribute {key} = {value:?}, found {found:?}"
            )),
            None => self.fail(format_args!(
                "expected attribute {key} = {value:?}, found no {key}"
            )),
        }
        self
    }

    /// Panics if the attribute `key` is set.
    #[track_caller]
    pub fn assert_no_attribute(self, key: &str) -> Self {
        if let Some(found) = self.attribute(key) {
            self.fail(format_args!("expected no attribute {key}, found {found:?}"));
        }
        self
    }

    /// Panics unless it has an event called `name`.
    #[track_caller]
    pub fn assert_event(self, name: &str) -> Self {
        if self.event(name).is_none() {
            self.fail(format_args!("expected an event \"{name}\""));
        }
        self
    }

    /// Panics unless its event `name` has the attribute `key` = `value`.
    #[track_caller]
    pub fn assert_event_attribute(self, name: &str, key: &str, value: impl Into<Value>) -> Self {
        let value = value.into();
        let Some(event) = self.event(name) else {
            self.fail(format_args!("expected an event \"{name}\""));
        };
        match find(&event.attributes, key) {
            Some(found) if *found == value => {}
            found => self.fail(format_args!(
                "expected event \"{name}\" to have {key} = {value:?}, found {found:?}"
            )),
        }
        self
    }

    /// Panics unless its status is `status` (`Status::Unset`, `Status::Ok`,
    /// or an error with that description).
    #[track_caller]
    pub fn assert_status(self, status: Status) -> Self {
        if *self.status() != status {
            self.fail(format_args!(
                "expected status {status:?}, found {:?}",
                self.status()
            ));
        }
        self
    }

    /// Panics unless its status is an error, whatever the description.
    #[track_caller]
    pub fn assert_error(self) -> Self {
        if !matches!(self.status(), Status::Error { .. }) {
            self.fail(format_args!(
                "expected status Error, found {:?}",
                self.status()
            ));
        }
        self
    }

    /// Panics unless it links to `other`.
    #[track_caller]
    pub fn assert_linked_to(self, other: CapturedSpan<'_>) -> Self {
        let linked = self.links().iter().any(|link| {
            link.span_context.span_id() == other.span_id()
                && link.span_context.trace_id() == other.trace_id()
        });
        if !linked {
            self.fail(format_args!(
                "expected a link to \"{}\" ({})",
                other.name(),
                other.span_id()
            ));
        }
        self
    }

    #[track_caller]
    fn fail(&self, what: fmt::Arguments<'_>) -> ! {
        self.all
            .fail(format_args!("span \"{}\": {what}", self.name()))
    }
}

fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}
