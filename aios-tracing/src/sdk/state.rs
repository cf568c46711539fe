//! What one running SDK owns and its spans reach: the span settings
//! (generation, sampler, limits, its own scope), its propagator, its
//! pipeline and its tracer provider. Shared (`Arc`) between the
//! [`TracingSdk`](crate::TracingSdk) handle, the builders of its spans and
//! the registry of active SDKs.

use crate::config::Propagation;
use crate::lifecycle::SpanSettings;
use crate::pipeline::Pipeline;
use crate::propagation::Propagators;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::fmt;
use std::sync::Arc;

pub(crate) struct SdkState {
    /// Leaked: spans reach them by reference, without a count to keep.
    pub(crate) spans: &'static SpanSettings,
    pub(crate) propagation: Propagation,
    pub(crate) propagator: Propagators,
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) provider: SdkTracerProvider,
}

impl SdkState {
    pub(crate) fn generation(&self) -> u64 {
        self.spans.generation
    }
}

impl fmt::Debug for SdkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdkState")
            .field("spans", &self.spans)
            .field("propagation", &self.propagation)
            .finish_non_exhaustive()
    }
}
