//! The line `init` logs (target `aios_tracing`, level INFO) once the SDK
//! runs: the version, the service, where spans go, and what `init` did
//! about the process's `tracing` subscriber and `log` logger; then a
//! warning for each `RUST_LOG` directive it skipped.

use crate::config::Config;
use std::fmt;

/// Logs the startup line; `logs` says what became of the logging globals.
pub(super) fn announce(config: &Config, logs: &dyn fmt::Display) {
    tracing::info!(
        target: "aios_tracing",
        "aios-tracing {} started for service {}: {}; logs: {logs}",
        env!("CARGO_PKG_VERSION"),
        config.service_name,
        Exporters(config),
    );
    for ignored in &config.ignored_log_directives {
        tracing::warn!(target: "aios_tracing", "RUST_LOG: ignored the directive {ignored}");
    }
}

/// Logs that the SDK is a no-op.
pub(super) fn announce_disabled(config: &Config) {
    tracing::info!(
        target: "aios_tracing",
        "aios-tracing {} disabled for service {} (OTEL_SDK_DISABLED or .disabled(true)): spans are no-ops, nothing is installed",
        env!("CARGO_PKG_VERSION"),
        config.service_name,
    );
}

/// Where spans go.
struct Exporters<'a>(&'a Config);

impl fmt::Display for Exporters<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = self.0;
        match (config.otlp, config.console) {
            (true, true) => write!(
                f,
                "exporting OTLP ({}) to {} and printing to the console",
                config.protocol, config.endpoint
            ),
            (true, false) => write!(
                f,
                "exporting OTLP ({}) to {}",
                config.protocol, config.endpoint
            ),
            (false, true) => f.write_str("printing spans to the console"),
            (false, false) => f.write_str("exporting nowhere (no exporter on)"),
        }
    }
}
