//! What `#[trace]` and `span!` expand to. Not a public API: it changes
//! with the macros of the same release and nothing else should use it.
//!
//! The expansion of `#[trace] fn f(uid: u64) -> io::Result<()> { body }`
//! is roughly:
//!
//! ```text
//! let aios_span = { static SITE: CallSite = CallSite::new(crate name, crate version); &SITE }
//!     .start(Cow::Borrowed("f"), SpanKind::Internal, true, |mut aios_attrs| {
//!         aios_attrs.push(attr("uid", &uid)); // only called for a sampled span
//!     });
//! run_sync::<io::Result<()>, _, _>(aios_span, move || body, |aios_span, aios_ret| {
//!     (&&&Outcome(aios_ret)).aios_record_outcome(aios_span); // records `Err`
//! }) // records panics, ends the span
//! ```

use crate::record;
use crate::sampling::{self, Decision};
use crate::span::{self, without_sdk};
use crate::{exception, registry};
use opentelemetry::{Context, InstrumentationScope};
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

pub use crate::instrument::Instrumented;
pub use crate::span::Span;
pub use core::env;
pub use core::option::Option;
pub use opentelemetry::trace::{SpanKind, SpanRef};
pub use opentelemetry::{Key, KeyValue, Value};
pub use std::borrow::Cow;

#[cfg(test)]
#[path = "private/tests.rs"]
pub(crate) mod tests;

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

    /// Starts a span, child of the current context, with attributes that
    /// are only evaluated (by calling `attributes`, which pushes them) when
    /// the span is sampled. Without an active SDK the result records
    /// nothing but keeps the parent's trace ids current, so propagation
    /// inside the traced code still works.
    ///
    /// `sync_body`: the span is only used by the code generated around a
    /// body that runs, and ends the span, before the call returns. A span
    /// that is not recorded and whose parent is current then needs no
    /// handle on the parent's context at all (no `Arc` to clone and drop):
    /// the parent stays current for the whole body, and the handle records
    /// nothing.
    #[inline]
    pub fn start(
        &self,
        name: Cow<'static, str>,
        kind: SpanKind,
        sync_body: bool,
        attributes: impl FnOnce(AttributeList<'_>),
    ) -> Span {
        let generation = registry::generation();
        if generation == 0 {
            return Span::from_context(without_sdk(Context::current()));
        }
        // Decided first, on the current context in place: an unsampled
        // span costs at most a context clone, not a span.
        let ratio = registry::sampling_ratio();
        let trace_id = match Context::map_current(|parent| sampling::decide(parent, ratio)) {
            Decision::Record(trace_id) => trace_id,
            Decision::Inherit if sync_body => return Span::inherited(Context::new(), true),
            Decision::Inherit => return Span::inherited(Context::current(), true),
            Decision::Unsampled(cx) => return Span::from_context(cx),
        };
        // Read again rather than cloned inside the decision: carrying the
        // clone out of `map_current` made every unsampled span slower
        // (span_loop: 5 -> 16 ns a child, 65 -> 75 ns a root).
        let parent = Context::current();
        let scope = *self
            .scope
            .get_or_init(|| registry::intern_scope(self.scope_name, self.scope_version));
        let start = record::Start {
            name,
            kind,
            scope,
            links: Vec::new(),
            generation,
        };
        // Pushed one by one straight into the span's record: an array of
        // them iterated and flattened cost more than the rest of this
        // function, and every move of the list is a copy.
        Span::from_context(record::start(&parent, trace_id, start, |list| {
            attributes(AttributeList(list));
        }))
    }
}

/// Where `#[trace]` and `span!` push a sampled span's attributes.
#[derive(Debug)]
pub struct AttributeList<'a>(&'a mut record::Attributes);

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

// ---------------------------------------------------------------------------
// Attributes

/// One attribute from a borrowed value.
pub fn attr<V: TraceValue + ?Sized>(key: &'static str, value: &V) -> Option<KeyValue> {
    value
        .trace_value()
        .map(|value| KeyValue::new(Key::from_static_str(key), value))
}

/// One attribute with a string literal value: no allocation.
#[must_use]
pub fn attr_static(key: &'static str, value: &'static str) -> Option<KeyValue> {
    Some(KeyValue::new(Key::from_static_str(key), value))
}

/// A value `record(…)` and `attrs = { … }` can put on a span: numbers,
/// `bool`, strings, `Option`s of them (`None` is left out), and references
/// or smart pointers to any of these. Other types are recorded through
/// their `Display` (`%value`) or `Debug` (`?value`) text.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute value",
    label = "not a number, bool, string, or an `Option` or reference of one",
    note = "record its `Display` text with `%`: `record(%arg)` or `attrs = {{ \"key\" = %value }}`, \
            or its `Debug` text with `?`: `record(?arg)`"
)]
pub trait TraceValue {
    /// The attribute value; `None` leaves the attribute out.
    fn trace_value(&self) -> Option<Value>;
}

macro_rules! lossless_ints {
    ($($t:ty)*) => {$(
        impl TraceValue for $t {
            fn trace_value(&self) -> Option<Value> {
                Some(Value::I64(i64::from(*self)))
            }
        }
    )*};
}
lossless_ints!(i8 i16 i32 i64 u8 u16 u32);

// OpenTelemetry integers are i64: wider values that do not fit are kept
// exact as their decimal text rather than wrapped or saturated.
macro_rules! wide_ints {
    ($($t:ty)*) => {$(
        impl TraceValue for $t {
            fn trace_value(&self) -> Option<Value> {
                Some(i64::try_from(*self).map_or_else(|_| Value::from(self.to_string()), Value::I64))
            }
        }
    )*};
}
wide_ints!(isize usize u64 i128 u128);

impl TraceValue for bool {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl TraceValue for f64 {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::F64(*self))
    }
}

impl TraceValue for f32 {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::F64(f64::from(*self)))
    }
}

impl TraceValue for char {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.to_string()))
    }
}

impl TraceValue for str {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.to_owned()))
    }
}

impl TraceValue for String {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.clone()))
    }
}

impl TraceValue for Cow<'_, str> {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.clone().into_owned()))
    }
}

impl TraceValue for Value {
    fn trace_value(&self) -> Option<Value> {
        Some(self.clone())
    }
}

impl<T: TraceValue> TraceValue for Option<T> {
    fn trace_value(&self) -> Option<Value> {
        self.as_ref().and_then(TraceValue::trace_value)
    }
}

macro_rules! through_pointer {
    ($($p:ty)*) => {$(
        impl<T: TraceValue + ?Sized> TraceValue for $p {
            fn trace_value(&self) -> Option<Value> {
                (**self).trace_value()
            }
        }
    )*};
}
through_pointer!(&T &mut T Box<T> std::rc::Rc<T>);

impl<T: TraceValue + ?Sized> TraceValue for std::sync::Arc<T> {
    fn trace_value(&self) -> Option<Value> {
        (**self).trace_value()
    }
}

/// `%value`: recorded as its `Display` text.
pub struct DisplayValue<'a, T: ?Sized>(pub &'a T);

impl<T: fmt::Display + ?Sized> TraceValue for DisplayValue<'_, T> {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.0.to_string()))
    }
}

impl<T: ?Sized> fmt::Debug for DisplayValue<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisplayValue")
    }
}

/// `?value`: recorded as its `Debug` text.
pub struct DebugValue<'a, T: ?Sized>(pub &'a T);

impl<T: fmt::Debug + ?Sized> TraceValue for DebugValue<'_, T> {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(format!("{:?}", self.0)))
    }
}

impl<T: ?Sized> fmt::Debug for DebugValue<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DebugValue")
    }
}

// ---------------------------------------------------------------------------
// Running bodies

/// Runs `f` with the span current. A panic is recorded on the span, which
/// is ended, and then resumed with its original payload.
pub fn run<R, F: FnOnce() -> R>(span: &Span, f: F) -> R {
    let attached = span.needs_attach().then(|| span.context().clone().attach());
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    drop(attached);
    match result {
        Ok(value) => value,
        Err(payload) => {
            panicked(span, &*payload);
            panic::resume_unwind(payload)
        }
    }
}

/// Runs a sync `#[trace]` body with `span` current, then lets `check`
/// record its result on the span and ends the span; a panic is recorded
/// instead, and resumed. The span's context is moved into the thread's
/// current context, not cloned: the span is reached there when the body
/// is done (no reference count to raise and drop per call).
#[inline]
pub fn run_sync<R, F, C>(span: Span, f: F, check: C) -> R
where
    F: FnOnce() -> R,
    C: FnOnce(&SpanRef<'_>, &R),
{
    // Not recorded, and its parent's context is the current one: there is
    // nothing to attach, record or end.
    let Some((attached, lent)) = span.attach_moved() else {
        return f();
    };
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    span::end_lent(&lent, |current| match &result {
        Ok(value) => check(current, value),
        Err(payload) => exception::record_panic(current, Some(&**payload)),
    });
    drop(attached);
    result.unwrap_or_else(|payload| panic::resume_unwind(payload))
}

/// The span `span!` annotates and ends.
pub fn span_ref(span: &Span) -> SpanRef<'_> {
    span.span_ref()
}

/// [`run`] for closures taking the span, as `span!` calls them.
pub fn run_with<R, F: FnOnce(&Span) -> R>(span: &Span, f: F) -> R {
    run(span, || f(span))
}

/// Calls a `span!` closure that returns a future, handing it the span.
pub fn call_with<R, F: FnOnce(Span) -> R>(span: Span, f: F) -> R {
    f(span)
}

/// Calls a `span!` closure that returns a future and takes no span.
pub fn call<R, F: FnOnce() -> R>(f: F) -> R {
    f()
}

/// Records a panic on `span` and ends it.
pub(crate) fn panicked(span: &Span, payload: &(dyn Any + Send)) {
    exception::record_panic(&span.span_ref(), Some(payload));
    span.end();
}

/// `future` with `span` current on every poll; the span ends when it
/// completes (after `check` saw the output) or is dropped.
pub fn traced<T, F: Future<Output = T>>(
    span: Span,
    future: F,
    check: fn(&SpanRef<'_>, &T),
) -> Instrumented<F> {
    Instrumented::traced(future, span, Some(check))
}

/// [`traced`] without inspecting the output.
pub fn traced_unchecked<T, F: Future<Output = T>>(span: Span, future: F) -> Instrumented<F> {
    Instrumented::traced(future, span, None)
}

/// `!`, nameable on stable Rust as the output of `fn() -> !`, so a body
/// that never returns can still be given its type.
pub type Never = <fn() -> ! as HasOutput>::Output;

/// Names a function pointer's output type; see [`Never`].
pub trait HasOutput {
    /// The output type.
    type Output;
}

impl<T> HasOutput for fn() -> T {
    type Output = T;
}

// ---------------------------------------------------------------------------
// Outcomes: `Err` marks the span as failed.
//
// `(&&&Outcome(&value)).aios_record_outcome(&span)` resolves, by method
// lookup on the concrete type, to the first impl that applies: an error
// with `Display`, then an error with only `Debug`, then anything else
// (nothing to record). Aliases such as `io::Result<T>` are plain `Result`s
// to the compiler, so they are found without looking at the syntax.

/// A value a traced body returned.
pub struct Outcome<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Outcome<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Outcome")
    }
}

/// `Err(e)` with `e: Display`: exception event and status ERROR.
pub trait OutcomeDisplay {
    /// Records the outcome on `span`.
    fn aios_record_outcome(self, span: &SpanRef<'_>);
}

impl<T, E: fmt::Display> OutcomeDisplay for &&&Outcome<'_, Result<T, E>> {
    fn aios_record_outcome(self, span: &SpanRef<'_>) {
        if let Err(error) = self.0 {
            record_error::<E>(span, || error.to_string());
        }
    }
}

/// `Err(e)` with `e: Debug` only: the same, with the `Debug` text.
pub trait OutcomeDebug {
    /// Records the outcome on `span`.
    fn aios_record_outcome(self, span: &SpanRef<'_>);
}

impl<T, E: fmt::Debug> OutcomeDebug for &&Outcome<'_, Result<T, E>> {
    fn aios_record_outcome(self, span: &SpanRef<'_>) {
        if let Err(error) = self.0 {
            record_error::<E>(span, || format!("{error:?}"));
        }
    }
}

/// Anything else: nothing to record.
pub trait OutcomeOther {
    /// Does nothing.
    fn aios_record_outcome(self, span: &SpanRef<'_>);
}

impl<T: ?Sized> OutcomeOther for &Outcome<'_, T> {
    #[inline]
    fn aios_record_outcome(self, _span: &SpanRef<'_>) {}
}

/// The message is only formatted when the span records.
fn record_error<E>(span: &SpanRef<'_>, message: impl FnOnce() -> String) {
    if span.is_recording() {
        // No stack trace: by the time an `Err` is returned, the stack no
        // longer shows where it arose.
        exception::record(
            span,
            std::any::type_name::<E>(),
            &message(),
            None,
            Vec::new(),
        );
    }
}
