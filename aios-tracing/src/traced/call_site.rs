//! One `#[trace]` fn or `span!` site: where its spans start.

use crate::data::Attributes;
use crate::lifecycle::{self, Parent, Request};
use crate::scope;
use crate::sdk::active;
use crate::span::Span;
use opentelemetry::trace::SpanKind;
use opentelemetry::{InstrumentationScope, KeyValue};
use std::borrow::Cow;
use std::sync::OnceLock;

/// One `#[trace]` fn or `span!` site and its instrumentation scope (the
/// calling crate), looked up once.
#[derive(Debug)]
pub struct CallSite {
    scope_name: &'static str,
    scope_version: &'static str,
    scope: OnceLock<&'static InstrumentationScope>,
}

impl CallSite {
    /// A call site of the crate `scope_name` at `scope_version`.
    #[must_use]
    pub const fn new(scope_name: &'static str, scope_version: &'static str) -> Self {
        CallSite {
            scope_name,
            scope_version,
            scope: OnceLock::new(),
        }
    }

    fn scope(&self) -> &'static InstrumentationScope {
        self.scope
            .get_or_init(|| scope::intern(self.scope_name, self.scope_version))
    }

    /// Starts a span, child of the current context, in the active SDK,
    /// with attributes that are only evaluated (by calling `attributes`,
    /// which pushes them) when the span is sampled. Without an active SDK
    /// the result records nothing but keeps the parent's trace ids
    /// current, so propagation inside the traced code still works.
    ///
    /// `sync_body`: see [`Parent::Current`].
    #[inline]
    pub fn start(
        &self,
        name: Cow<'static, str>,
        kind: SpanKind,
        sync_body: bool,
        attributes: impl FnOnce(AttributeList<'_>),
    ) -> Span {
        let request = || Request {
            name,
            kind,
            scope: Some(self.scope()),
            links: Vec::new(),
        };
        // Pushed one by one straight into the span's record: an array of
        // them iterated and flattened costs more than the rest of the
        // start, and every move of the list is a copy.
        Span::from_started(lifecycle::start(
            active::spans(),
            Parent::Current { sync_body },
            request,
            |list: &mut Attributes| attributes(AttributeList(list)),
        ))
    }
}

/// Where `#[trace]` and `span!` push a sampled span's attributes.
#[derive(Debug)]
pub struct AttributeList<'a>(&'a mut Attributes);

impl AttributeList<'_> {
    /// Adds the attribute, if there is one (`None`: a `None` value, left out).
    #[inline]
    pub fn push(&mut self, attribute: Option<KeyValue>) {
        if let Some(attribute) = attribute {
            self.0.push(attribute);
        }
    }
}

/// A span name from any string, for `span!` with a non-literal name.
pub fn span_name(name: impl Into<Cow<'static, str>>) -> Cow<'static, str> {
    name.into()
}
