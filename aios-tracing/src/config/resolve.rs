//! Resolution of what the builder was given into a complete, validated
//! [`Config`], one group of settings at a time.

use super::env::Environment;
use super::given::Given;
use super::Config;
use super::{
    batching, exporter, limits, logging, precedence, propagation, resource, sampling, tls,
};
use crate::error::ConfigError;
use crate::transport::tls::TlsMaterial;

pub(crate) fn resolve(b: &Given) -> Result<Config, ConfigError> {
    let env: &Environment = &b.env;
    let service = resource::resolve(b, env)?;
    let disabled = precedence::flag(b.disabled, "disabled", env, &["OTEL_SDK_DISABLED"], false)?;
    let exporter = exporter::resolve(b, env)?;
    let sampling_ratio = sampling::resolve(b, env)?;
    let propagation = propagation::resolve(b, env)?;
    let batching = batching::resolve(b, env)?;
    let max_attribute_value_length = limits::resolve(b, env)?;
    let tls = tls::resolve(b, env)?;
    let logging = logging::resolve(b, env)?;
    // The files matter only to the exporter that uses them.
    let tls_material = if exporter.otlp && !disabled {
        tls.load()?
    } else {
        TlsMaterial::default()
    };
    Ok(Config {
        service_name: service.name,
        deployment_env: service.deployment_env,
        protocol: exporter.protocol,
        endpoint: exporter.endpoint,
        insecure: exporter.insecure,
        headers: exporter.headers,
        sampling_ratio,
        use_batch: batching.use_batch,
        console: exporter.console,
        otlp: exporter.otlp,
        propagation,
        resource_attributes: service.attributes,
        service_version: service.version,
        resource_detectors: service.detectors,
        logging_correlation: logging.correlation,
        log_format: logging.format,
        log_filter: logging.filter,
        install_logging: logging.install,
        ignored_log_directives: logging.ignored,
        disabled,
        shutdown_timeout: batching.shutdown_timeout,
        export_timeout: exporter.timeout,
        max_queue_size: batching.max_queue_size,
        max_queue_bytes: batching.max_queue_bytes,
        max_export_batch_size: batching.max_export_batch_size,
        scheduled_delay: batching.scheduled_delay,
        max_attribute_value_length,
        tls: tls.files,
        tls_material,
        endpoint_origin: exporter.endpoint_origin,
    })
}
