//! The ids that tie a log line to its span: those of the span current on
//! this thread, for any logger's format.

use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry::Context;
use std::fmt;

/// The current span's ids, for log lines: prints `trace=… span=…`, or
/// nothing outside any span. For loggers of your own, such as in
/// `env_logger::Builder::format`:
///
/// ```
/// use aios_tracing::logging::Correlation;
/// use std::io::Write;
/// let mut line = Vec::new();
/// writeln!(line, "INFO [{}] payment accepted", Correlation::current())?;
/// assert_eq!(line, b"INFO [] payment accepted\n"); // outside any span
/// assert_eq!(Correlation::current().trace_id(), None);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    span: Option<SpanContext>,
}

impl Correlation {
    /// The ids of the span current on this thread.
    pub fn current() -> Correlation {
        Context::map_current(|cx| {
            let span = cx.span().span_context().clone();
            Correlation {
                span: span.is_valid().then_some(span),
            }
        })
    }

    /// 32 lowercase hex digits, or `None` outside any span.
    pub fn trace_id(&self) -> Option<String> {
        self.span.as_ref().map(|sc| sc.trace_id().to_string())
    }

    /// 16 lowercase hex digits, or `None` outside any span.
    pub fn span_id(&self) -> Option<String> {
        self.span.as_ref().map(|sc| sc.span_id().to_string())
    }

    /// The W3C trace flags as two hex digits (`01`: sampled).
    pub fn trace_flags(&self) -> Option<String> {
        self.span
            .as_ref()
            .map(|sc| format!("{:02x}", sc.trace_flags().to_u8()))
    }

    pub(super) fn span_context(&self) -> Option<&SpanContext> {
        self.span.as_ref()
    }
}

impl fmt::Display for Correlation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.span {
            Some(sc) => write!(f, "trace={} span={}", sc.trace_id(), sc.span_id()),
            None => Ok(()),
        }
    }
}
