//! Log correlation: log lines written inside a span carry its ids, as text
//!
//! ```text
//! 2025-09-08 10:00:00 INFO [trace=5c1f… span=8d2e…] orders_api::checkout: payment accepted
//! ```
//!
//! or as one JSON object per line ([`JsonFormat`]; builder
//! [`log_format`](crate::TracingSdkBuilder::log_format) or
//! `AIOS_TRACING_LOG_FORMAT=json`), for `tracing` events (`info!`) and for
//! `log` records (`log::info!`, bridged). Outside any span the ids are left
//! out, so a line never shows stale ones.
//!
//! # What `init` installs
//!
//! The process has one `tracing` subscriber and one `log` logger, each set
//! once. `init` installs each of them (a subscriber with this format and
//! `RUST_LOG`'s filter; [`LogTracer`](tracing_log::LogTracer) as the
//! logger) only if the application has not set it yet, and says what it
//! did in its startup line (target `aios_tracing`). So:
//!
//! * **No logging of your own:** nothing to do.
//! * **Your own subscriber or logger, set up before `init`:** `init` keeps
//!   it. Add [`layer`] (or [`json_layer`]) to your subscriber for
//!   correlated lines; with a `log` logger, print [`Correlation::current`]
//!   in its format.
//! * **Set up after `init`:** call `.install_logging(false)` on the
//!   builder, then set yours up as above. Without it, `init` has taken the
//!   globals and your `tracing_subscriber::fmt().init()` or
//!   `env_logger::init()` would panic (their `try_init` returns the error).
//!
//! The layer reads the ids when a line is written, so it works whether the
//! SDK starts before or after the subscriber.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//! use tracing_subscriber::util::SubscriberInitExt;
//!
//! let sdk = aios_tracing::TracingSdk::builder("orders-api")
//!     .install_logging(false) // the application sets up logging itself
//!     .enable_otlp_exporter(false)
//!     .init()?;
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::EnvFilter::new("info"))
//!     .with(aios_tracing::logging::json_layer())
//!     .try_init()
//!     .ok();
//! # Ok::<(), aios_tracing::ConfigError>(())
//! ```

mod correlation;
mod json;
mod text;

pub use correlation::Correlation;
pub use json::JsonFormat;
pub use text::CorrelatedFormat;

use tracing::Subscriber;
use tracing_subscriber::fmt::format::DefaultFields;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::registry::LookupSpan;

/// A `fmt` layer with the correlated text format, writing to stdout; add
/// it to your own subscriber.
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

/// A `fmt` layer writing one JSON object per line ([`JsonFormat`]) to
/// stdout; add it to your own subscriber.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(aios_tracing::logging::json_layer());
/// # drop(subscriber);
/// ```
pub fn json_layer<S>() -> tracing_subscriber::fmt::Layer<S, DefaultFields, JsonFormat>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    json_layer_with_writer(std::io::stdout as fn() -> std::io::Stdout)
}

/// [`json_layer`] writing somewhere else.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(aios_tracing::logging::json_layer_with_writer(std::io::stderr));
/// # drop(subscriber);
/// ```
pub fn json_layer_with_writer<S, W>(
    writer: W,
) -> tracing_subscriber::fmt::Layer<S, DefaultFields, JsonFormat, W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .event_format(JsonFormat::new())
        .with_writer(writer)
}

/// Bridges `log` records into `tracing` so they get the same format.
/// Does nothing if the application already set a `log` logger.
pub fn bridge_log() {
    let _ = tracing_log::LogTracer::init();
}
