//! [`SpanBuilder`]: a span's name, kind, attributes, links and parent,
//! before it starts.

use super::{without_sdk, Span, SpanGuard};
use crate::attributes::IntoKeyValue;
use crate::record::{self, Attributes};
use crate::registry;
use crate::sampling::{self, Decision};
use opentelemetry::trace::{Link, SpanKind};
use opentelemetry::{Context, InstrumentationScope, Key, KeyValue, Value};
use std::borrow::Cow;
use std::fmt;

/// Describes a span before starting it.
///
/// ```
/// use aios_tracing::{Span, SpanKind};
/// let parent = Span::builder("parent").start();
/// let child = Span::builder("child")
///     .kind(SpanKind::Client)
///     .attributes([("db.system", "postgresql")])
///     .parent(parent.context())
///     .link(parent.link())
///     .start();
/// child.end();
/// parent.end();
/// ```
#[must_use = "a span builder does nothing until started"]
pub struct SpanBuilder {
    name: Cow<'static, str>,
    /// The SDK generation and scope to record into; `None`: the active SDK's own.
    target: Option<(u64, &'static InstrumentationScope)>,
    kind: SpanKind,
    attributes: Attributes,
    links: Vec<Link>,
    parent: Option<Context>,
    record_panics: bool,
}

impl fmt::Debug for SpanBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanBuilder")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}

impl SpanBuilder {
    #[inline(always)]
    pub(crate) fn new(
        name: Cow<'static, str>,
        target: Option<(u64, &'static InstrumentationScope)>,
    ) -> Self {
        SpanBuilder {
            name,
            target,
            kind: SpanKind::Internal,
            attributes: Attributes::new(),
            links: Vec::new(),
            parent: None,
            record_panics: true,
        }
    }

    /// Span kind (default `Internal`).
    #[inline(always)]
    pub fn kind(mut self, kind: SpanKind) -> Self {
        self.kind = kind;
        self
    }

    /// Adds one attribute.
    #[inline(always)]
    pub fn attribute(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
        self.attributes.push(KeyValue::new(key, value));
        self
    }

    /// Adds attributes.
    #[inline(always)]
    pub fn attributes<I>(mut self, attributes: I) -> Self
    where
        I: IntoIterator,
        I::Item: IntoKeyValue,
    {
        self.attributes
            .extend(attributes.into_iter().map(IntoKeyValue::into_key_value));
        self
    }

    /// Adds a link (see [`link_current_span`](crate::link_current_span)).
    #[inline]
    pub fn link(mut self, link: Link) -> Self {
        self.links.push(link);
        self
    }

    /// Adds links; `None`s are skipped, so `link_current_span()` fits directly.
    #[inline]
    pub fn links(mut self, links: impl IntoIterator<Item = impl Into<Option<Link>>>) -> Self {
        self.links.extend(links.into_iter().filter_map(Into::into));
        self
    }

    /// Parent context (default: the current one). Pass an extracted
    /// context to continue a remote trace.
    #[inline]
    pub fn parent(mut self, parent: &Context) -> Self {
        self.parent = Some(parent.clone());
        self
    }

    /// Start a new trace, ignoring the current span.
    #[inline]
    pub fn root(mut self) -> Self {
        self.parent = Some(Context::new());
        self
    }

    /// Whether a [`SpanGuard`] records a panic unwinding through it (default `true`).
    #[inline]
    pub fn record_exceptions(mut self, record: bool) -> Self {
        self.record_panics = record;
        self
    }

    /// Starts the span without making it current; you end it.
    #[inline(always)]
    pub fn start(self) -> Span {
        let current = self.parent.is_none();
        let parent = self.parent.unwrap_or_else(Context::current);
        let target = self.target.or_else(registry::default_scope);
        let Some((generation, scope)) = target.filter(|&(generation, _)| generation != 0) else {
            return Span::from_context(without_sdk(parent));
        };
        let trace_id = match sampling::decide(&parent, registry::sampling_ratio()) {
            Decision::Record(trace_id) => trace_id,
            Decision::Inherit => return Span::inherited(parent, current),
            Decision::Unsampled(cx) => return Span::from_context(cx),
        };
        let start = record::Start {
            name: self.name,
            kind: self.kind,
            scope,
            links: self.links,
            generation,
        };
        let attributes = self.attributes;
        Span::from_context(record::start(&parent, trace_id, start, |list| {
            *list = attributes;
        }))
    }

    /// Starts the span and makes it current until the guard drops.
    #[inline(always)]
    pub fn entered(self) -> SpanGuard {
        let record_panics = self.record_panics;
        let span = self.start();
        let attached = span.needs_attach().then(|| span.cx.clone().attach());
        SpanGuard {
            span,
            record_panics,
            _attached: attached,
        }
    }

    /// Runs `f` inside the span and ends it; a panic in `f` is recorded.
    #[inline]
    pub fn in_scope<R>(self, f: impl FnOnce(&Span) -> R) -> R {
        let guard = self.entered();
        f(&guard.span)
    }
}
