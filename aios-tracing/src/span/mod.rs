//! Spans as users hold them: [`Span`] (a handle you end), [`SpanGuard`]
//! (current until dropped, ends then), and [`SpanBuilder`] to make either.
//! The types are here; their methods in `handle`, `guard` and `builder`.

mod builder;
mod guard;
mod handle;
mod scope;

use crate::data::Attributes;
use crate::sdk::state::SdkState;
use opentelemetry::trace::{Link, SpanKind};
use opentelemetry::{Context, ContextGuard, InstrumentationScope};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// A handle to one span. Cloning is cheap and every clone refers to the same span.
///
/// The span ends when [`end`](Span::end) is called, or when the last handle
/// (and any [`Context`] carrying it) is dropped.
///
/// ```
/// use aios_tracing::Span;
/// let span = Span::builder("work").attribute("step", 1).start();
/// span.add_event("cache.miss", [("key", "user:123")]);
/// span.set_attributes([("http.method", "GET")]);
/// span.end();
/// ```
#[derive(Clone)]
pub struct Span {
    cx: Context,
    /// The handle is its parent's context, reused for a span that is not
    /// recorded: it must neither annotate nor end that parent.
    inherited: bool,
    /// `cx` was the thread's current context when the span started, so
    /// running code "in" the span right away needs no attach.
    current: bool,
}

/// A span made current on this thread; it ends when the guard drops.
///
/// A panic unwinding through the guard is recorded as an exception with
/// status ERROR before the span ends. Dereferences to [`Span`].
///
/// ```
/// use aios_tracing::Span;
/// {
///     let span = Span::builder("io.read").attribute("file", "/tmp/data").entered();
///     span.add_event("opened", [("bytes", 42)]);
/// } // ends here
/// ```
pub struct SpanGuard {
    span: Span,
    record_panics: bool,
    _attached: Option<ContextGuard>,
}

/// The SDK a span is recorded into.
enum Target {
    /// The active one (see `sdk::active`), at the time the span starts.
    Active,
    /// A given SDK (`sdk.span(..)`); `None` when that SDK is disabled.
    Sdk(Option<Arc<SdkState>>),
}

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
    target: Target,
    /// The instrumentation scope; `None`: the SDK's own (the service name).
    scope: Option<&'static InstrumentationScope>,
    kind: SpanKind,
    attributes: Attributes,
    links: Vec<Link>,
    parent: Option<Context>,
    record_panics: bool,
}

/// An instrumentation scope for the spans a library makes with the
/// runtime API (`#[trace]` already uses the calling crate's name and
/// version): which library made a span, at which version, following which
/// version of the semantic conventions. Declare one per library, usually
/// with [`scope!`](crate::scope!), and make spans with [`Scope::span`] (the
/// active SDK) or [`SpanBuilder::scope`] (a given SDK).
///
/// ```
/// use aios_tracing::Scope;
///
/// static SCOPE: Scope = aios_tracing::scope!(schema_url = "https://opentelemetry.io/schemas/1.37.0");
///
/// fn parse(input: &str) -> usize {
///     let span = SCOPE.span("parse").attribute("input.len", input.len() as i64).entered();
///     input.len()
/// }
/// # assert_eq!(parse("abc"), 3);
/// ```
#[derive(Debug)]
pub struct Scope {
    name: &'static str,
    version: &'static str,
    schema_url: &'static str,
    interned: OnceLock<&'static InstrumentationScope>,
}
