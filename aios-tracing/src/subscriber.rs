//! What `init` installs as the process's logging globals: the `tracing`
//! subscriber (the correlated log format and/or the `tracing` bridge, each
//! if its feature is on and the configuration asks for it) and the `log`
//! logger, each only if the application has not set it already, and only
//! if the builder allows it (`install_logging`). The outcome is reported
//! in the startup line.

use crate::config::{Config, LogFormat};
use std::fmt;
use tracing_subscriber::layer::SubscriberExt as _;

/// What happened to one global.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Installed,
    /// The application had set its own.
    Kept,
    /// Nothing asked for it.
    NotWanted,
}

/// What `init` did about the globals, for the startup line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Installed {
    /// `install_logging(false)`: nothing was looked at.
    turned_off: bool,
    subscriber: Choice,
    /// The subscriber's log lines: their format and filter.
    logs: Option<(LogFormat, String)>,
    /// The subscriber holds the `tracing` bridge.
    bridge: bool,
    logger: Choice,
}

/// Installs what the configuration asks for and the application has not
/// set: see the module docs.
pub(crate) fn install(
    config: &Config,
    #[cfg(feature = "tracing-bridge")] bridge: Option<crate::bridge::Instrumentations>,
) -> Installed {
    let mut done = Installed {
        turned_off: !config.install_logging,
        subscriber: Choice::NotWanted,
        logs: None,
        bridge: false,
        logger: Choice::NotWanted,
    };
    if done.turned_off {
        return done;
    }
    let logs = cfg!(feature = "logging") && config.logging_correlation;
    #[cfg(feature = "tracing-bridge")]
    let bridge = bridge.map(crate::bridge::layer);
    #[cfg(not(feature = "tracing-bridge"))]
    let bridge: Option<tracing_subscriber::layer::Identity> = None;

    done.logs = logs.then(|| (config.log_format, config.log_filter.clone()));
    done.bridge = bridge.is_some();
    if logs || done.bridge {
        done.subscriber = if tracing::dispatcher::has_been_set() {
            Choice::Kept
        } else {
            let subscriber = tracing_subscriber::registry()
                .with(logs.then(|| log_layer(config)).flatten())
                .with(bridge);
            // Losing a race with the application's own `set_global_default`
            // leaves the application's.
            match tracing::subscriber::set_global_default(subscriber) {
                Ok(()) => Choice::Installed,
                Err(_) => Choice::Kept,
            }
        };
    }
    #[cfg(feature = "logging")]
    if logs {
        use tracing_log::AsLog as _;
        // Records above the subscriber's most verbose level are dropped by
        // `log` itself, before any formatting.
        let level = tracing::level_filters::LevelFilter::current().as_log();
        done.logger = match tracing_log::LogTracer::init_with_filter(level) {
            Ok(()) => Choice::Installed,
            Err(_) => Choice::Kept,
        };
    }
    done
}

/// The log layer for the configured format, behind the configured filter.
#[cfg(feature = "logging")]
fn log_layer<S>(config: &Config) -> Option<Box<dyn tracing_subscriber::Layer<S> + Send + Sync>>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use tracing_subscriber::{EnvFilter, Layer as _};
    // Resolution kept only directives that parse.
    let filter = EnvFilter::builder()
        .parse(&config.log_filter)
        .unwrap_or_else(|_| EnvFilter::new("info"));
    Some(match config.log_format {
        crate::LogFormat::Json => crate::logging::json_layer().with_filter(filter).boxed(),
        _ => crate::logging::layer().with_filter(filter).boxed(),
    })
}

#[cfg(not(feature = "logging"))]
fn log_layer(_config: &Config) -> Option<tracing_subscriber::layer::Identity> {
    None
}

impl fmt::Display for Installed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.turned_off {
            return f.write_str(
                "installed no tracing subscriber or log logger (install_logging(false))",
            );
        }
        match self.subscriber {
            Choice::Installed => {
                f.write_str("installed the tracing subscriber (")?;
                if let Some((format, filter)) = &self.logs {
                    write!(f, "{format} logs filtered by \"{filter}\"")?;
                }
                if self.bridge {
                    let and = if self.logs.is_some() { ", " } else { "" };
                    write!(f, "{and}the tracing bridge")?;
                }
                f.write_str(")")?;
            }
            Choice::Kept => {
                f.write_str("kept the application's tracing subscriber (add ")?;
                match self.logs {
                    Some((LogFormat::Json, _)) => {
                        f.write_str("aios_tracing::logging::json_layer()")?
                    }
                    Some(_) => f.write_str("aios_tracing::logging::layer()")?,
                    None => {}
                }
                if self.bridge {
                    let and = if self.logs.is_some() { " and " } else { "" };
                    write!(f, "{and}aios_tracing::bridge::layer(..)")?;
                }
                f.write_str(" to it)")?;
            }
            Choice::NotWanted => {
                f.write_str("installed no tracing subscriber (log correlation off)")?
            }
        }
        match self.logger {
            Choice::Installed => f.write_str(" and the log logger"),
            Choice::Kept => f.write_str("; kept the application's log logger"),
            Choice::NotWanted => Ok(()),
        }
    }
}
