//! The parsers for outside configuration: `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_RESOURCE_ATTRIBUTES`, endpoints, protocols, ratios and booleans.
//! Any input resolves to a config or a `ConfigError`, never a panic.
#![no_main]

use aios_tracing::TracingSdk;
use libfuzzer_sys::fuzz_target;

const VARS: [&str; 8] = [
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_PROPAGATORS",
    "OTEL_SDK_DISABLED",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mask = data.first().copied().unwrap_or(0xff);
    let mut parts = text.split('\n');
    let vars: Vec<(String, String)> = VARS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, name)| (name.to_string(), parts.next().unwrap_or_default().to_string()))
        .collect();
    match TracingSdk::builder("fuzz").environment(vars).resolve() {
        Ok(config) => assert!((0.0..=1.0).contains(&config.sampling_ratio)),
        Err(error) => assert!(!error.to_string().is_empty()),
    }
    // The same text as a builder endpoint.
    let _ = TracingSdk::builder("fuzz")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_endpoint(text.as_ref())
        .resolve();
});
