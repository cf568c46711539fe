//! B3 (single and multi header), through `opentelemetry-propagator-b3`,
//! with its debug flag read as B3 defines it: debug implies an accept
//! (sampled) decision. The crate reads the single header's `d` as debug
//! but not sampled.
//!
//! The crate also keeps B3's "deferred" state (no sampling decision) in
//! trace flag 0x02, which W3C Level 2 defines as "random trace id", set on
//! every trace this SDK starts. So the bit is cleared on the way in (this
//! process makes the decision a deferred caller left to it) and on the way
//! out (B3 has no random flag; left set, the crate would send no sampling
//! decision at all).

use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapPropagator,
};
use opentelemetry::trace::{SpanContext, TraceContextExt as _, TraceFlags};
use opentelemetry::Context;
use opentelemetry_propagator_b3::{B3Encoding, Propagator};

/// The crate's flag for B3's debug state.
const DEBUG: TraceFlags = TraceFlags::new(0x04);
/// W3C Level 2's random flag; the crate's flag for B3's deferred state.
const RANDOM_OR_DEFERRED: u8 = 0x02;

fn without_random(sc: &SpanContext, flags: TraceFlags) -> SpanContext {
    SpanContext::new(
        sc.trace_id(),
        sc.span_id(),
        TraceFlags::new(flags.to_u8() & !RANDOM_OR_DEFERRED),
        sc.is_remote(),
        sc.trace_state().clone(),
    )
}

#[derive(Debug)]
pub(crate) struct B3(Propagator);

impl B3 {
    pub(crate) fn new(encoding: B3Encoding) -> Self {
        B3(Propagator::with_encoding(encoding))
    }
}

impl TextMapPropagator for B3 {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if sc.trace_flags().to_u8() & RANDOM_OR_DEFERRED == 0 {
            return self.0.inject_context(cx, injector);
        }
        let plain = without_random(sc, sc.trace_flags());
        self.0
            .inject_context(&Context::new().with_remote_span_context(plain), injector);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let extracted = self.0.extract_with_context(cx, extractor);
        let sc = extracted.span().span_context().clone();
        if !sc.is_valid() {
            return extracted;
        }
        let mut flags = sc.trace_flags();
        if flags & DEBUG == DEBUG {
            flags = flags | TraceFlags::SAMPLED;
        }
        if flags == sc.trace_flags() && flags.to_u8() & RANDOM_OR_DEFERRED == 0 {
            return extracted;
        }
        extracted.with_remote_span_context(without_random(&sc, flags))
    }

    fn fields(&self) -> FieldIter<'_> {
        self.0.fields()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanId, TraceId, TraceState};
    use std::collections::HashMap;

    fn inject(flags: u8) -> String {
        let sc = SpanContext::new(
            TraceId::from(1),
            SpanId::from(2),
            TraceFlags::new(flags),
            false,
            TraceState::NONE,
        );
        let mut headers = HashMap::new();
        B3::new(B3Encoding::SingleHeader)
            .inject_context(&Context::new().with_remote_span_context(sc), &mut headers);
        headers.remove("b3").expect("b3 header")
    }

    #[test]
    fn the_w3c_random_flag_is_not_sent_as_deferred() {
        assert!(inject(0x03).ends_with("-1"), "{}", inject(0x03));
        assert!(inject(0x02).ends_with("-0"), "{}", inject(0x02));
    }

    #[test]
    fn a_deferred_caller_leaves_the_decision_here_and_no_random_flag() {
        let mut headers = HashMap::new();
        headers.insert(
            "b3".to_owned(),
            "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7".to_owned(),
        );
        let cx = B3::new(B3Encoding::SingleHeader).extract_with_context(&Context::new(), &headers);
        let flags = cx.span().span_context().trace_flags();
        assert!(cx.span().span_context().is_valid());
        assert_eq!(flags.to_u8() & RANDOM_OR_DEFERRED, 0);
    }
}
