//! What the span lifecycle needs from the SDK a span belongs to.

use super::sampling::Sampler;
use crate::limits::SpanLimits;
use opentelemetry::InstrumentationScope;

/// What starting and recording a span needs from the SDK it belongs to.
#[derive(Debug)]
pub(crate) struct SpanSettings {
    /// The SDK's generation: which pipeline its spans end into.
    pub(crate) generation: u64,
    pub(crate) sampler: Sampler,
    pub(crate) limits: SpanLimits,
    /// The scope of spans made without one of their own: the service name.
    pub(crate) scope: &'static InstrumentationScope,
    /// Record the spans of unsampled local trees too, for the pipeline to
    /// keep the trees that fail or are slow.
    pub(crate) keep_unsampled: bool,
}
