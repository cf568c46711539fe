//! What `init` builds from a resolved [`Config`]: the resource, the sinks,
//! the pipeline, the tracer provider and the propagator of one SDK.

use super::state::SdkState;
use crate::config::Config;
use crate::error::ConfigError;
use crate::lifecycle::sampling::Sampler as FastSampler;
use crate::lifecycle::SpanSettings;
use crate::limits::SpanLimits;
use crate::pipeline::{Pipeline, PipelineSettings, Processor, WorkerSettings};
use crate::sink::console::Console;
use crate::sink::otlp::{Encoding, PreparedOtlp};
use crate::sink::{Sink, Starter};
use crate::{propagation, scope, transport};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::resource::{ResourceDetector, TelemetryResourceDetector};
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use std::sync::Arc;

/// Export requests in flight at once, per SDK.
const MAX_CONCURRENT_EXPORTS: usize = 4;

/// The scope of the SDK's own spans (`sdk.span(..)`, `Span::builder`,
/// `sdk.tracer()`): the service name. Interned: spans borrow it, and the
/// SDK's tracer gets a copy whose name is borrowed too (an owned name
/// would be an allocation per span of `tracer()`'s).
pub(super) fn own_scope(config: &Config) -> &'static InstrumentationScope {
    scope::intern(&config.service_name, env!("CARGO_PKG_VERSION"))
}

/// A provider for a disabled SDK: no processor and nothing sampled.
pub(super) fn disabled(config: &Config) -> (SdkTracerProvider, SdkTracer) {
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOff)
        .build();
    let tracer = provider.tracer_with_scope(own_scope(config).clone());
    (provider, tracer)
}

/// Starts a running SDK's pipeline, provider and propagator; `extra`
/// sinks (a test's capture) come after the configured ones.
pub(super) fn running(
    config: &Config,
    generation: u64,
    extra: Vec<Starter>,
) -> Result<Arc<SdkState>, ConfigError> {
    let resource = Resource::builder_empty()
        .with_attributes(config.resource_attributes.clone())
        .with_detector(Box::new(TelemetryResourceDetector) as Box<dyn ResourceDetector>)
        .build();
    crate::lifecycle::clock::warm_up();
    let mut sinks = sinks(config, &resource)?;
    sinks.extend(extra);
    let pipeline = Pipeline::start(pipeline_settings(config), sinks)
        .map_err(|e| ConfigError::Startup(e.to_string()))?;
    pipeline.register(generation);
    let pipeline = Arc::new(pipeline);
    let sampler = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(config.sampling_ratio)));
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_resource(resource)
        .with_span_processor(Processor(Arc::clone(&pipeline)))
        .build();
    Ok(Arc::new(SdkState {
        spans: Box::leak(Box::new(SpanSettings {
            generation,
            sampler: FastSampler {
                ratio: config.sampling_ratio,
            },
            limits: SpanLimits::default(),
            scope: own_scope(config),
        })),
        propagation: config.propagation.clone(),
        propagator: propagation::composite(&config.propagation),
        pipeline,
        provider,
    }))
}

fn pipeline_settings(config: &Config) -> PipelineSettings {
    PipelineSettings {
        max_queue_size: config.max_queue_size,
        max_queue_bytes: config.max_queue_bytes,
        max_attribute_value_length: config.max_attribute_value_length,
        worker: WorkerSettings {
            use_batch: config.use_batch,
            max_export_batch_size: if config.use_batch {
                config.max_export_batch_size
            } else {
                1
            },
            scheduled_delay: config.scheduled_delay,
            max_concurrent_exports: MAX_CONCURRENT_EXPORTS,
        },
    }
}

/// The console first: the last sink may move the spans out.
fn sinks(config: &Config, resource: &Resource) -> Result<Vec<Starter>, ConfigError> {
    let mut sinks: Vec<Starter> = Vec::new();
    if config.console {
        sinks.push(Box::new(|| Box::new(Console::stdout()) as Box<dyn Sink>));
    }
    if config.otlp {
        let otlp = prepare_otlp(config, resource)?;
        sinks.push(Box::new(move || Box::new(otlp.start()) as Box<dyn Sink>));
    }
    Ok(sinks)
}

fn prepare_otlp(config: &Config, resource: &Resource) -> Result<PreparedOtlp, ConfigError> {
    let encoding = match config.protocol {
        crate::Protocol::HttpJson => Encoding::Json,
        _ => Encoding::Protobuf,
    };
    let kind = match config.protocol {
        crate::Protocol::Grpc => transport::Kind::Grpc,
        _ => transport::Kind::Http {
            content_type: encoding.http_content_type(),
        },
    };
    let settings = transport::Settings {
        endpoint: config.endpoint.clone(),
        kind,
        headers: config.headers.clone(),
        tls: config.tls_material.clone(),
    };
    let transport =
        transport::prepare(&settings).map_err(|reason| config.transport_error(reason))?;
    Ok(PreparedOtlp {
        transport,
        encoding,
        resource: resource.clone(),
        timeout: config.export_timeout,
    })
}
