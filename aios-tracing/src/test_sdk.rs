//! A collecting SDK for this crate's unit tests: the real pipeline, with
//! a sink that keeps what it exports, made the active SDK.

use crate::lifecycle::sampling::Sampler as FastSampler;
use crate::lifecycle::SpanSettings;
use crate::limits::SpanLimits;
use crate::pipeline::{Pipeline, PipelineSettings, Processor};
use crate::sdk::{active, state::SdkState};
use crate::sink::capture::Capture;
use crate::sink::Sink;
use crate::{propagation, scope, Propagation};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanData};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Tests share the process-wide active SDK, so they take turns.
static TURN: Mutex<()> = Mutex::new(());

/// An installed SDK collecting exported spans; shut down on drop.
pub(crate) struct Installed {
    capture: Capture,
    state: Arc<SdkState>,
    _turn: MutexGuard<'static, ()>,
}

/// Makes a collecting SDK with `sampler` the active one.
pub(crate) fn install(sampler: Sampler) -> Installed {
    let ratio = match &sampler {
        Sampler::AlwaysOff => 0.0,
        Sampler::TraceIdRatioBased(ratio) => *ratio,
        _ => 1.0,
    };
    let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let capture = Capture::everything();
    let sink = capture.clone();
    let settings = PipelineSettings::for_tests(Duration::from_secs(5));
    let starter = Box::new(move || Box::new(sink) as Box<dyn Sink>);
    let pipeline = Arc::new(Pipeline::start(settings, vec![starter]).expect("pipeline"));
    let generation = active::next_generation();
    pipeline.register(generation);
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Processor(Arc::clone(&pipeline)))
        .with_sampler(sampler)
        .build();
    let propagation = Propagation {
        trace_context: true,
        baggage: true,
        b3_single: false,
        b3_multi: false,
    };
    let state = Arc::new(SdkState {
        spans: Box::leak(Box::new(SpanSettings {
            generation,
            sampler: FastSampler::new(ratio, true),
            limits: SpanLimits::default(),
            keep_unsampled: false,
            scope: scope::intern("default", ""),
        })),
        propagator: propagation::composite(&propagation),
        propagation,
        pipeline,
        provider,
    });
    active::push(Arc::clone(&state));
    Installed {
        capture,
        state,
        _turn: turn,
    }
}

/// No SDK at all, for the tests of that case.
pub(crate) fn none() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for Installed {
    fn drop(&mut self) {
        active::remove(self.state.generation());
        let _ = self
            .state
            .pipeline
            .shutdown(Instant::now() + Duration::from_secs(5));
    }
}

impl Installed {
    /// Every span ended so far, once exported.
    pub(crate) fn spans(&self) -> Vec<SpanData> {
        self.state
            .pipeline
            .flush(Instant::now() + Duration::from_secs(5))
            .expect("flush");
        self.capture.spans()
    }

    /// The one ended span called `name`.
    pub(crate) fn span(&self, name: &str) -> SpanData {
        let mut found: Vec<_> = self
            .spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect();
        assert_eq!(found.len(), 1, "spans named {name}: {found:?}");
        found.remove(0)
    }
}

pub(crate) fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

pub(crate) fn event_attr(span: &SpanData, event: &str, key: &str) -> Option<Value> {
    let event = span.events.iter().find(|e| e.name == event)?;
    event
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}
