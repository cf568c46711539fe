//! The text line: `2025-09-08 10:00:00 INFO [trace=… span=…] target: message fields`.

use super::Correlation;
use std::fmt;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, UtcTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

type Timestamp = UtcTime<&'static [BorrowedFormatItem<'static>]>;

/// The correlated text line format, for a `tracing_subscriber::fmt` layer.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(
///     tracing_subscriber::fmt::layer().event_format(aios_tracing::logging::CorrelatedFormat::new()),
/// );
/// tracing::subscriber::with_default(subscriber, || tracing::info!("hello"));
/// ```
#[derive(Debug, Clone)]
pub struct CorrelatedFormat {
    timer: Timestamp,
}

impl Default for CorrelatedFormat {
    fn default() -> Self {
        CorrelatedFormat::new()
    }
}

impl CorrelatedFormat {
    /// `YYYY-MM-DD HH:MM:SS LEVEL [trace=… span=…] target: message fields` (UTC).
    pub fn new() -> Self {
        CorrelatedFormat {
            timer: UtcTime::new(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            )),
        }
    }
}

impl<S, N> FormatEvent<S, N> for CorrelatedFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        self.timer.format_time(&mut writer)?;
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        write!(writer, " {} ", metadata.level())?;
        let ids = Correlation::current();
        if ids.span_context().is_some() {
            write!(writer, "[{ids}] ")?;
        }
        write!(writer, "{}: ", metadata.target())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
