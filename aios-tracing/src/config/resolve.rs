//! Resolution of what the builder was given into a complete, validated
//! [`Config`], one group of settings at a time.

use super::env::Environment;
use super::given::Given;
use super::Config;
use super::{
    batching, exporter, features, limits, logging, precedence, propagation, proxy, resource,
    sampling, tail, tls,
};
use crate::error::ConfigError;
use crate::transport::tls::TlsMaterial;

pub(crate) fn resolve(b: &Given) -> Result<Config, ConfigError> {
    let mut env = Environment::new(b.vars.clone());
    env.strict = precedence::flag(
        b.strict_env,
        "strict_env",
        &env,
        &["AIOS_TRACING_STRICT_ENV"],
        false,
    )?;
    let env = env;
    let service = resource::resolve(b, &env)?;
    let disabled = precedence::flag(b.disabled, "disabled", &env, &["OTEL_SDK_DISABLED"], false)?;
    let exporter = exporter::resolve(b, &env)?;
    let sampler = sampling::resolve(b, &env)?;
    let propagation = propagation::resolve(b, &env)?;
    let batching = batching::resolve(b, &env)?;
    let span_limits = limits::resolve(b, &env)?;
    let max_attribute_value_length = limits::value_length(b, &env)?;
    let proxy = proxy::resolve(b, &env, exporter.protocol, &exporter.endpoint)?;
    let tls = tls::resolve(b, &env)?;
    let logging = logging::resolve(b, &env)?;
    // The files matter only to the exporter that uses them.
    let tls_material = if exporter.otlp && !disabled {
        tls.load()?
    } else {
        TlsMaterial::default()
    };
    let config = Config {
        service_name: service.name,
        deployment_env: service.deployment_env,
        protocol: exporter.protocol,
        endpoint: exporter.endpoint,
        insecure: exporter.insecure,
        headers: exporter.headers,
        sampling_ratio: sampler.root_ratio(),
        sampler,
        sampling_rules: sampling::rules(b, &env)?,
        max_traces_per_second: sampling::traces_per_second(b, &env)?,
        tail_sampling: tail::resolve(b, &env)?,
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
        compression: exporter.compression,
        max_queue_size: batching.max_queue_size,
        max_queue_bytes: batching.max_queue_bytes,
        max_export_batch_size: batching.max_export_batch_size,
        scheduled_delay: batching.scheduled_delay,
        max_export_wait: batching.max_export_wait,
        max_attribute_value_length,
        span_limits,
        proxy: proxy.as_ref().map(|proxy| proxy.url.clone()),
        no_proxy: proxy.map(|proxy| proxy.no_proxy),
        strict_env: env.strict,
        tls: tls.files,
        tls_material,
        endpoint_origin: exporter.endpoint_origin,
        warnings: env.into_warnings(),
    };
    features::check(&config)?;
    Ok(config)
}
