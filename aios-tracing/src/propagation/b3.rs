//! B3 (single and multi header), through `opentelemetry-propagator-b3`,
//! with its debug flag read as B3 defines it: debug implies an accept
//! (sampled) decision. The crate reads the single header's `d` as debug
//! but not sampled.

use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapPropagator,
};
use opentelemetry::trace::{SpanContext, TraceContextExt as _, TraceFlags};
use opentelemetry::Context;
use opentelemetry_propagator_b3::{B3Encoding, Propagator};

/// The crate's flag for B3's debug state.
const DEBUG: TraceFlags = TraceFlags::new(0x04);

#[derive(Debug)]
pub(crate) struct B3(Propagator);

impl B3 {
    pub(crate) fn new(encoding: B3Encoding) -> Self {
        B3(Propagator::with_encoding(encoding))
    }
}

impl TextMapPropagator for B3 {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        self.0.inject_context(cx, injector);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let extracted = self.0.extract_with_context(cx, extractor);
        let sc = extracted.span().span_context().clone();
        if !sc.is_valid() || sc.is_sampled() || sc.trace_flags() & DEBUG != DEBUG {
            return extracted;
        }
        let sampled = SpanContext::new(
            sc.trace_id(),
            sc.span_id(),
            sc.trace_flags() | TraceFlags::SAMPLED,
            true,
            sc.trace_state().clone(),
        );
        extracted.with_remote_span_context(sampled)
    }

    fn fields(&self) -> FieldIter<'_> {
        self.0.fields()
    }
}
