//! What `#[trace]` and `span!` expand to: the call site a span starts at,
//! the values they record, running the body inside the span, and
//! recording its outcome. The macros reach these through the
//! [`__private`](crate::__private) facade.
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

mod body;
mod call_site;
mod outcome;
mod value;

pub use body::{
    call, call_with, run, run_sync, run_with, span_ref, traced, traced_unchecked, HasOutput, Never,
};
pub use call_site::{span_name, AttributeList, CallSite};
pub use outcome::{Outcome, OutcomeDebug, OutcomeDisplay, OutcomeOther};
pub use value::{attr, attr_static, DebugValue, DisplayValue, TraceValue};

#[cfg(test)]
mod tests;
