//! The parse phase: the macros' input as `syn` values, with every syntax
//! mistake reported on the offending token together with what to write
//! instead, because macro arguments are where users guess.
//!
//! Nothing here knows what code the macros generate. The item under
//! `#[trace]` is parsed by `syn` as it stands; whether it can be traced is
//! the validate phase's question.

mod attr;
mod format;
mod key;
mod kind;
mod span_input;
mod trace_args;

pub(crate) use attr::AttrEntry;
pub(crate) use format::Format;
pub(crate) use key::UniqueKeys;
pub(crate) use kind::{Kind, SpanKind};
pub(crate) use span_input::{Body, SpanInput};
pub(crate) use trace_args::TraceArgs;
