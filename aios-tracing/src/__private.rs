//! What `#[trace]` and `span!` expand to, re-exported from where it lives
//! (mostly `traced`). **Not a stable API:** it changes with the macros of
//! the same release, and nothing but their expansions may use it.

pub use crate::future::Instrumented;
pub use crate::span::Span;
pub use crate::traced::{
    attr, attr_static, call, call_with, run, run_sync, run_with, span_name, span_ref, traced,
    traced_unchecked, AttributeList, CallSite, DebugValue, DisplayValue, HasOutput, Never, Outcome,
    OutcomeDebug, OutcomeDisplay, OutcomeOther, TraceValue,
};
pub use core::env;
pub use core::option::Option;
pub use opentelemetry::trace::{SpanKind, SpanRef};
pub use opentelemetry::{Key, KeyValue, Value};
pub use std::borrow::Cow;
pub use std::boxed::Box;
