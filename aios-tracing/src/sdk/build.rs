//! What `init` builds from a resolved [`Config`]: the resource, the sinks,
//! the pipeline, the tracer provider and the propagator of one SDK.

use super::state::SdkState;
use crate::config::Config;
use crate::config::SamplingRule;
use crate::error::ConfigError;
use crate::lifecycle::sampling::{RateLimit, Sampler as FastSampler};
use crate::lifecycle::{self, SpanSettings};
use crate::limits::SpanLimits;
use crate::pipeline::{Pipeline, PipelineSettings, Processor, TailSettings, WorkerSettings};
use crate::sink::console::Console;
#[cfg(any(feature = "grpc", feature = "http"))]
use crate::sink::otlp::{Encoding, PreparedOtlp};
use crate::sink::{Sink, Starter};
#[cfg(any(feature = "grpc", feature = "http"))]
use crate::transport;
use crate::{propagation, scope};
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
    let provider = SdkTracerProvider::builder()
        .with_sampler(sdk_sampler(config.sampler))
        .with_span_limits(sdk_limits(config.span_limits))
        .with_resource(resource)
        .with_span_processor(Processor(Arc::clone(&pipeline)))
        .build();
    if config.tail_sampling.is_on() {
        lifecycle::note_records_unsampled();
    }
    Ok(Arc::new(SdkState {
        spans: Box::leak(Box::new(SpanSettings {
            generation,
            sampler: fast_sampler(config),
            limits: config.span_limits,
            keep_unsampled: config.tail_sampling.is_on(),
            scope: own_scope(config),
        })),
        propagation: config.propagation.clone(),
        propagator: propagation::composite(&config.propagation),
        pipeline,
        provider,
    }))
}

/// The sampler our spans decide with: the configured one, its rules, its cap.
fn fast_sampler(config: &Config) -> FastSampler {
    let mut sampler = FastSampler::new(
        config.sampler.root_ratio(),
        config.sampler.is_parent_based(),
    );
    sampler.rules = config
        .sampling_rules
        .iter()
        .map(SamplingRule::to_rule)
        .collect();
    sampler.limit = config.max_traces_per_second.map(RateLimit::new);
    sampler
}

/// The same sampler for spans built with the `opentelemetry` API
/// (`TracingSdk::tracer`).
fn sdk_sampler(sampler: crate::Sampler) -> Sampler {
    let root = match sampler.root_ratio() {
        ratio if ratio >= 1.0 => Sampler::AlwaysOn,
        ratio if ratio <= 0.0 => Sampler::AlwaysOff,
        ratio => Sampler::TraceIdRatioBased(ratio),
    };
    if sampler.is_parent_based() {
        Sampler::ParentBased(Box::new(root))
    } else {
        root
    }
}

fn sdk_limits(limits: SpanLimits) -> opentelemetry_sdk::trace::SpanLimits {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    opentelemetry_sdk::trace::SpanLimits {
        max_attributes_per_span: count(limits.attributes),
        max_events_per_span: count(limits.events),
        max_links_per_span: count(limits.links),
        max_attributes_per_event: count(limits.attributes_per_event),
        max_attributes_per_link: count(limits.attributes_per_link),
    }
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
            max_export_wait: config.max_export_wait,
            tail: config.tail_sampling.is_on().then_some(TailSettings {
                keep_errors: config.tail_sampling.keep_errors,
                keep_slower_than: config.tail_sampling.keep_slower_than,
                max_held_bytes: config.tail_sampling.max_held_bytes,
            }),
        },
    }
}

/// The console first: the last sink may move the spans out. Without a
/// transport built in, `config.otlp` is false (`config/features.rs`).
#[cfg_attr(not(any(feature = "grpc", feature = "http")), allow(unused_variables))]
fn sinks(config: &Config, resource: &Resource) -> Result<Vec<Starter>, ConfigError> {
    let mut sinks: Vec<Starter> = Vec::new();
    if config.console {
        sinks.push(Box::new(|| Box::new(Console::stdout()) as Box<dyn Sink>));
    }
    #[cfg(any(feature = "grpc", feature = "http"))]
    if config.otlp {
        sinks.push(otlp(config, resource)?);
    }
    Ok(sinks)
}

#[cfg(any(feature = "grpc", feature = "http"))]
fn otlp(config: &Config, resource: &Resource) -> Result<Starter, ConfigError> {
    let encoding = match config.protocol {
        #[cfg(feature = "http")]
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
        gzip: config.compression == crate::Compression::Gzip,
        proxy: config.proxy.as_ref().map(|url| transport::Proxy {
            url: url.to_string(),
            no_proxy: config.no_proxy.clone().unwrap_or_default(),
        }),
    };
    let transport =
        transport::prepare(&settings).map_err(|reason| config.transport_error(reason))?;
    let otlp = PreparedOtlp {
        transport,
        encoding,
        resource: resource.clone(),
        timeout: config.export_timeout,
    };
    Ok(Box::new(move || Box::new(otlp.start()) as Box<dyn Sink>))
}
