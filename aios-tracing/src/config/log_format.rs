//! [`LogFormat`]: text or JSON log lines.

use std::fmt;
use std::str::FromStr;

/// How `init`'s log lines look.
///
/// ```
/// use aios_tracing::{LogFormat, TracingSdk};
/// let config = TracingSdk::builder("svc")
///     .environment([("AIOS_TRACING_LOG_FORMAT", "json")])
///     .resolve()?;
/// assert_eq!(config.log_format, LogFormat::Json);
/// # Ok::<(), aios_tracing::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogFormat {
    /// `2025-09-08 10:00:00 INFO [trace=… span=…] target: message fields`.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `severity_number`,
    /// `target`, `message`, the event's fields, `trace_id`, `span_id`,
    /// `trace_flags`.
    Json,
}

impl FromStr for LogFormat {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(()),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}
