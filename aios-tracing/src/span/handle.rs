//! [`Span`]'s methods: annotate, record errors, link, enter and end.

use super::{Span, SpanBuilder};
use crate::attributes::{self, IntoKeyValue};
use crate::lifecycle::exception::{self, Stacktrace};
use crate::lifecycle::{self, Lent, Started};
use opentelemetry::trace::{Link, SpanContext, SpanRef, Status, TraceContextExt};
use opentelemetry::{Context, ContextGuard, Key, KeyValue, Value};
use std::any::Any;
use std::borrow::Cow;
use std::fmt;

/// The context of no span, for handles that must not reach their context's span.
static NO_SPAN: std::sync::LazyLock<Context> = std::sync::LazyLock::new(Context::new);

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sc = self.span_context();
        f.debug_struct("Span")
            .field("trace_id", &sc.trace_id())
            .field("span_id", &sc.span_id())
            .field("sampled", &sc.is_sampled())
            .finish()
    }
}

impl Span {
    /// Starts describing a span named `name`, using the active SDK's tracer.
    pub fn builder(name: impl Into<Cow<'static, str>>) -> SpanBuilder {
        SpanBuilder::new(name.into(), None)
    }

    /// The span current on this thread (a no-op span when there is none).
    pub fn current() -> Span {
        Span::from_context(Context::current())
    }

    /// A span that records nothing, for code paths that need a `Span` value.
    pub fn none() -> Span {
        Span::from_context(Context::new())
    }

    /// Wraps a context; its active span is the one this handle refers to.
    pub fn from_context(cx: Context) -> Span {
        Span {
            cx,
            inherited: false,
            current: false,
        }
    }

    /// The handle of a span just started.
    #[inline(always)]
    pub(crate) fn from_started(started: Started) -> Span {
        let Started {
            cx,
            inherited,
            current,
        } = started;
        Span {
            cx,
            inherited,
            current,
        }
    }

    /// Whether running code in this span needs its context attached (it
    /// is not already the thread's current one).
    pub(crate) fn needs_attach(&self) -> bool {
        !self.current
    }

    /// The context carrying this span: pass it to other tasks, or use it as
    /// a parent with [`SpanBuilder::parent`].
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// The span to annotate or end: none for an inherited handle.
    pub(crate) fn span_ref(&self) -> SpanRef<'_> {
        if self.inherited {
            NO_SPAN.span()
        } else {
            self.cx.span()
        }
    }

    /// Trace id, span id, flags and trace state (an unsampled span that
    /// reuses its parent's context reports the parent's).
    pub fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// `false` for spans that were not sampled (or after `end`): recording
    /// on them is a no-op, and callers can skip computing attributes.
    pub fn is_recording(&self) -> bool {
        self.span_ref().is_recording()
    }

    /// Sets one attribute (a no-op on a span that does not record).
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl Into<Value>) {
        self.span_ref().set_attribute(KeyValue::new(key, value));
    }

    /// Sets several attributes: `[("user.id", "u1")]`, or [`KeyValue`]s.
    pub fn set_attributes<I>(&self, attributes: I)
    where
        I: IntoIterator,
        I::Item: IntoKeyValue,
    {
        // The conversion is lazy: a span that does not record converts nothing.
        self.span_ref()
            .set_attributes(attributes.into_iter().map(IntoKeyValue::into_key_value));
    }

    /// Adds a timestamped event with attributes.
    ///
    /// ```
    /// use aios_tracing::{Span, Value};
    /// let span = Span::builder("checkout").start();
    /// span.add_event("payment.started", [("amount", Value::from(1499)), ("currency", "INR".into())]);
    /// ```
    pub fn add_event<I>(&self, name: impl Into<Cow<'static, str>>, attributes: I)
    where
        I: IntoIterator,
        I::Item: IntoKeyValue,
    {
        let span = self.span_ref();
        if span.is_recording() {
            span.add_event_with_timestamp(
                name,
                lifecycle::clock::now(),
                attributes::collect(attributes),
            );
        }
    }

    /// Records `error` as an `exception` event (`exception.type`,
    /// `exception.message`, and `exception.stacktrace` when
    /// `RUST_BACKTRACE` is on) and sets status ERROR.
    ///
    /// ```
    /// use aios_tracing::Span;
    /// let span = Span::builder("parse").start();
    /// if let Err(e) = "x".parse::<u8>() {
    ///     span.record_exception(&e);
    /// }
    /// ```
    pub fn record_exception<E: std::error::Error + ?Sized>(&self, error: &E) {
        self.record_exception_with(error, std::iter::empty::<KeyValue>());
    }

    /// [`record_exception`](Span::record_exception) plus extra event
    /// attributes, like Python's `record_exception(span, e, stage="parse")`.
    pub fn record_exception_with<E, I>(&self, error: &E, attributes: I)
    where
        E: std::error::Error + ?Sized,
        I: IntoIterator,
        I::Item: IntoKeyValue,
    {
        let span = self.span_ref();
        if span.is_recording() {
            let at = lifecycle::clock::now();
            exception::record(
                &span,
                at,
                std::any::type_name::<E>(),
                &error.to_string(),
                exception::backtrace(),
                attributes::collect(attributes),
            );
        }
    }

    /// Records an exception from its parts, for errors that are not
    /// `std::error::Error` values; sets status ERROR.
    pub fn record_exception_parts<I>(
        &self,
        exception_type: &str,
        message: &str,
        stacktrace: Option<String>,
        attributes: I,
    ) where
        I: IntoIterator,
        I::Item: IntoKeyValue,
    {
        let span = self.span_ref();
        if span.is_recording() {
            let extra = attributes::collect(attributes);
            let stacktrace = stacktrace.map_or(Stacktrace::None, Stacktrace::Text);
            let at = lifecycle::clock::now();
            exception::record(&span, at, exception_type, message, stacktrace, extra);
        }
    }

    /// Sets status ERROR with a description, without an exception event.
    pub fn set_error(&self, description: impl Into<Cow<'static, str>>) {
        self.span_ref().set_status(Status::error(description));
    }

    /// Sets status OK (final: later errors no longer change it).
    pub fn set_ok(&self) {
        self.span_ref().set_status(Status::Ok);
    }

    /// Renames the span.
    pub fn update_name(&self, name: impl Into<Cow<'static, str>>) {
        self.span_ref().update_name(name);
    }

    /// A link to this span, for another span's [`SpanBuilder::link`].
    pub fn link(&self) -> Link {
        Link::with_context(self.span_context())
    }

    /// Makes this span current on this thread until the guard drops.
    /// The guard is `!Send`: never hold it across `.await`; use
    /// [`FutureExt::in_span`](crate::FutureExt::in_span) for futures.
    pub fn enter(&self) -> ContextGuard {
        self.cx.clone().attach()
    }

    /// Ends the span now.
    pub fn end(&self) {
        lifecycle::end(&self.span_ref());
    }

    /// Records a panic on the span and ends it.
    pub(crate) fn end_after_panic(&self, payload: &(dyn Any + Send)) {
        exception::record_panic(&self.span_ref(), Some(payload));
        self.end();
    }

    /// Makes the span's context current by moving it there; `None` if it
    /// is not recorded and its parent's context is already current
    /// (nothing to attach).
    pub(crate) fn attach_moved(mut self) -> Option<(ContextGuard, Lent)> {
        if !self.needs_attach() {
            return None;
        }
        let (cx, lent) = self.lend();
        Some((cx.attach(), lent))
    }

    /// Moves the context out (to be attached: cheaper than a clone),
    /// leaving an empty one. Put it back with [`restore`](Self::restore).
    pub(crate) fn lend(&mut self) -> (Context, Lent) {
        let cx = std::mem::take(&mut self.cx);
        let lent = Lent::new(&cx, self.inherited);
        (cx, lent)
    }

    /// Puts back the context lent out by [`lend`](Self::lend).
    pub(crate) fn restore(&mut self, cx: Context) {
        self.cx = cx;
    }
}
