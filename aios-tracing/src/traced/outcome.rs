//! What a traced body returned: an `Err` marks the span as failed.
//!
//! `(&&&Outcome(&value)).aios_record_outcome(&span)` resolves, by method
//! lookup on the concrete type, to the first impl that applies: an error
//! with `Display`, then an error with only `Debug`, then anything else
//! (nothing to record). Aliases such as `io::Result<T>` are plain `Result`s
//! to the compiler, so they are found without looking at the syntax.

use crate::lifecycle::exception::{self, Stacktrace};
use opentelemetry::trace::SpanRef;
use std::fmt;

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
            crate::lifecycle::clock::now(),
            std::any::type_name::<E>(),
            &message(),
            Stacktrace::None,
            Vec::new(),
        );
    }
}
