//! Log correlation: log lines written inside a span carry its ids,
//!
//! ```text
//! 2025-09-08 10:00:00 INFO [trace=5c1f… span=8d2e…] orders_api::checkout: payment accepted
//! ```
//!
//! for `tracing` events (`info!`) and for `log` records (`log::info!`,
//! bridged). Outside any span the brackets are left out, so a line never
//! shows stale ids.
//!
//! `init` installs a subscriber with this format only when the application
//! has none. An application with its own subscriber adds [`layer`] (or
//! uses [`CorrelatedFormat`] with its own `fmt` layer) instead.

use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;
use std::fmt;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, UtcTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

type Timestamp = UtcTime<&'static [BorrowedFormatItem<'static>]>;

/// The correlated line format, for a `tracing_subscriber::fmt` layer.
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
        Context::map_current(|cx| {
            let sc = cx.span().span_context().clone();
            if sc.is_valid() {
                write!(writer, "[trace={} span={}] ", sc.trace_id(), sc.span_id())
            } else {
                Ok(())
            }
        })?;
        write!(writer, "{}: ", metadata.target())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// A `fmt` layer with the correlated format, writing to stdout; add it to
/// your own subscriber.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(aios_tracing::logging::layer());
/// # drop(subscriber);
/// ```
pub fn layer<S>() -> tracing_subscriber::fmt::Layer<S, DefaultFields, CorrelatedFormat>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    layer_with_writer(std::io::stdout as fn() -> std::io::Stdout)
}

/// [`layer`] writing somewhere else (a file, a buffer in tests).
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(aios_tracing::logging::layer_with_writer(std::io::stderr));
/// # drop(subscriber);
/// ```
pub fn layer_with_writer<S, W>(
    writer: W,
) -> tracing_subscriber::fmt::Layer<S, DefaultFields, CorrelatedFormat, W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .event_format(CorrelatedFormat::new())
        .with_writer(writer)
}

/// Bridges `log` records into `tracing` so they get the same format.
/// Does nothing if the application already set a `log` logger.
pub fn bridge_log() {
    let _ = tracing_log::LogTracer::init();
}
