//! [`SpanBuilder`]'s methods: a span's name, kind, attributes, links and
//! parent, before it starts; then the start.

use super::{Scope, Span, SpanBuilder, SpanGuard, Target};
use crate::attributes::IntoKeyValue;
use crate::data::Attributes;
use crate::lifecycle::{self, Parent, Request};
use crate::sdk::active;
use crate::sdk::state::SdkState;
use opentelemetry::trace::{Link, SpanKind};
use opentelemetry::{Context, InstrumentationScope, Key, KeyValue, Value};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

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
    /// A span of the active SDK, under `scope` (`None`: the SDK's own).
    #[inline(always)]
    pub(crate) fn new(
        name: Cow<'static, str>,
        scope: Option<&'static InstrumentationScope>,
    ) -> Self {
        SpanBuilder::with_target(name, Target::Active, scope)
    }

    /// A span of the given SDK (`None`: a disabled one).
    pub(crate) fn for_sdk(name: Cow<'static, str>, sdk: Option<Arc<SdkState>>) -> Self {
        SpanBuilder::with_target(name, Target::Sdk(sdk), None)
    }

    #[inline(always)]
    fn with_target(
        name: Cow<'static, str>,
        target: Target,
        scope: Option<&'static InstrumentationScope>,
    ) -> Self {
        SpanBuilder {
            name,
            target,
            scope,
            kind: SpanKind::Internal,
            attributes: Attributes::new(),
            links: Vec::new(),
            parent: None,
            record_panics: true,
        }
    }

    /// Makes the span under `scope` (a library's) instead of the SDK's own.
    ///
    /// ```
    /// use aios_tracing::{Scope, TracingSdk};
    /// static SCOPE: Scope = Scope::new("my-lib", "1.2.3");
    /// # let sdk = TracingSdk::builder("svc").enable_otlp_exporter(false).init().unwrap();
    /// let span = sdk.span("lookup").scope(&SCOPE).start();
    /// # span.end();
    /// ```
    pub fn scope(mut self, scope: &Scope) -> Self {
        self.scope = Some(scope.interned());
        self
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
        let SpanBuilder {
            name,
            target,
            scope,
            kind,
            attributes,
            links,
            parent,
            record_panics: _,
        } = self;
        let parent = match parent {
            None => Parent::Current { sync_body: false },
            Some(cx) => Parent::Given(cx),
        };
        let settings = match &target {
            Target::Active => active::spans(),
            Target::Sdk(sdk) => sdk.as_ref().map(|sdk| sdk.spans),
        };
        let request = || Request {
            name,
            kind,
            scope,
            links,
        };
        Span::from_started(lifecycle::start(settings, parent, request, |list| {
            *list = attributes;
        }))
    }

    /// Starts the span and makes it current until the guard drops.
    #[inline(always)]
    pub fn entered(self) -> SpanGuard {
        let record_panics = self.record_panics;
        SpanGuard::enter(self.start(), record_panics)
    }

    /// Runs `f` inside the span and ends it; a panic in `f` is recorded.
    #[inline]
    pub fn in_scope<R>(self, f: impl FnOnce(&Span) -> R) -> R {
        let guard = self.entered();
        f(guard.span())
    }
}
