//! What the span lifecycle needs from the SDK a span belongs to.

use super::sampling::Sampler;
use crate::limits::SpanLimits;
use opentelemetry::trace::SpanRef;
use opentelemetry::InstrumentationScope;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether an SDK of this process has recorded spans that are not sampled
/// (keeping failed and slow traces). Until one has, a span that is not
/// sampled is known not to record without asking it, which takes its lock.
static RECORDS_UNSAMPLED: AtomicBool = AtomicBool::new(false);

/// An SDK that records unsampled spans starts.
pub(crate) fn note_records_unsampled() {
    RECORDS_UNSAMPLED.store(true, Ordering::Relaxed);
}

/// Whether `span` records: sampled spans do; others only when kept for
/// tail sampling.
#[inline]
pub(crate) fn records(span: &SpanRef<'_>) -> bool {
    span.span_context().is_sampled()
        || (RECORDS_UNSAMPLED.load(Ordering::Relaxed) && span.is_recording())
}

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
