//! The `tracing` subscriber `init` installs when the application has none:
//! the correlated log format and/or the `tracing` bridge, each only if its
//! feature is on and the configuration asks for it.

use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};

/// What to put in the subscriber.
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    pub(crate) log_correlation: bool,
    #[cfg(feature = "tracing-bridge")]
    pub(crate) bridge: Option<crate::bridge::Instrumentations>,
}

/// Installs a global subscriber with the wanted layers, unless the
/// application already set one (then it adds [`crate::logging::layer`] /
/// [`crate::bridge::layer`] itself).
pub(crate) fn install_if_absent(wanted: Wanted) {
    #[cfg(feature = "logging")]
    if wanted.log_correlation {
        crate::logging::bridge_log();
    }
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| {
            v.trim()
                .parse::<tracing_subscriber::filter::LevelFilter>()
                .ok()
        })
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    #[cfg(feature = "logging")]
    let logs = wanted
        .log_correlation
        .then(|| crate::logging::layer().with_filter(level));
    #[cfg(not(feature = "logging"))]
    let logs: Option<tracing_subscriber::layer::Identity> = {
        let _ = level;
        None
    };
    #[cfg(feature = "tracing-bridge")]
    let bridge = wanted.bridge.map(crate::bridge::layer);
    #[cfg(not(feature = "tracing-bridge"))]
    let bridge: Option<tracing_subscriber::layer::Identity> = None;
    if logs.is_none() && bridge.is_none() {
        return;
    }
    let subscriber = tracing_subscriber::registry().with(logs).with(bridge);
    // Losing a race with the application's own `set_global_default` is fine.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
