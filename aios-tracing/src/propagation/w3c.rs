//! W3C Trace Context (Level 2): `traceparent` read strictly by the spec's
//! grammar (the SDK's propagator reads the trace id as a number, so a
//! 31-digit id passes), its `sampled` and `random` flags kept, and
//! `tracestate` passed on as received (see [`super::tracestate`]).

use super::tracestate::{self, Received};
use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapPropagator,
};
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use opentelemetry::Context;

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";

/// The flags this version of the spec defines: `sampled` and `random`.
const KNOWN_FLAGS: u8 = 0x03;

/// The W3C Trace Context propagator.
#[derive(Debug)]
pub(crate) struct TraceContext {
    fields: [String; 2],
}

impl TraceContext {
    pub(crate) fn new() -> Self {
        TraceContext {
            fields: [TRACEPARENT.to_owned(), TRACESTATE.to_owned()],
        }
    }
}

fn hex<const N: usize>(field: &str) -> Option<[u8; N]> {
    let bytes = field.as_bytes();
    if bytes.len() != 2 * N {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = [0; N];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// `version-traceid-parentid-flags`, OWS around it allowed: version `00`
/// has exactly these four fields; a later version may append more after
/// a `-`; `ff` is invalid, as are all-zero ids.
pub(crate) fn parse_traceparent(value: &str) -> Option<(TraceId, SpanId, TraceFlags)> {
    let mut fields = value.trim_matches([' ', '\t']).split('-');
    let version = hex::<1>(fields.next()?)?[0];
    let trace_id = u128::from_be_bytes(hex::<16>(fields.next()?)?);
    let span_id = u64::from_be_bytes(hex::<8>(fields.next()?)?);
    let flags = hex::<1>(fields.next()?)?[0];
    let valid = version != 0xff
        && (version != 0 || fields.next().is_none())
        && trace_id != 0
        && span_id != 0;
    valid.then(|| {
        (
            TraceId::from(trace_id),
            SpanId::from(span_id),
            TraceFlags::new(flags & KNOWN_FLAGS),
        )
    })
}

impl TextMapPropagator for TraceContext {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let flags = sc.trace_flags().to_u8() & KNOWN_FLAGS;
        injector.set(
            TRACEPARENT,
            format!("00-{}-{}-{flags:02x}", sc.trace_id(), sc.span_id()),
        );
        // The list as received, unless the span's state was changed since.
        let state = match cx.get::<Received>() {
            Some(received) if received.state == *sc.trace_state() => received.text.clone(),
            _ => sc.trace_state().header(),
        };
        if !state.is_empty() {
            injector.set(TRACESTATE, state);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some(value) = extractor.get(TRACEPARENT) else {
            return cx.clone();
        };
        // Two `traceparent`s: there is no telling which one is meant.
        if extractor
            .get_all(TRACEPARENT)
            .is_some_and(|all| all.len() > 1)
        {
            return cx.clone();
        }
        let Some((trace_id, span_id, flags)) = parse_traceparent(value) else {
            return cx.clone();
        };
        let received = extractor.get_all(TRACESTATE).and_then(tracestate::parse);
        let state = received
            .as_ref()
            .map_or(TraceState::NONE, |received| received.state.clone());
        let cx =
            cx.with_remote_span_context(SpanContext::new(trace_id, span_id, flags, true, state));
        match received {
            Some(received) => cx.with_value(received),
            None => cx,
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_traceparent as parse;

    const ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    #[test]
    fn traceparent_grammar() {
        assert!(parse(&format!("00-{ID}-00f067aa0ba902b7-01")).is_some());
        assert!(parse(&format!(" \t00-{ID}-00f067aa0ba902b7-01\t ")).is_some());
        assert!(parse(&format!("cc-{ID}-00f067aa0ba902b7-01-future")).is_some());
        for bad in [
            format!("00-{ID}-00f067aa0ba902b7-01-extra"),
            format!("00-{ID}-00f067aa0ba902b7-01."),
            format!("cc-{ID}-00f067aa0ba902b7-01.future"),
            format!("ff-{ID}-00f067aa0ba902b7-01"),
            format!("00-{}-00f067aa0ba902b7-01", ID.to_uppercase()),
            format!("00-{}-00f067aa0ba902b7-01", &ID[1..]),
            format!("00-{ID}-0000000000000000-01"),
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01".to_owned(),
            format!("00-{ID}-00f067aa0ba902b7-1"),
            format!("0-{ID}-00f067aa0ba902b7-01"),
            String::new(),
        ] {
            assert!(parse(&bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_sampled_and_random_flags_are_kept_and_others_dropped() {
        let flags = |f: &str| {
            parse(&format!("00-{ID}-00f067aa0ba902b7-{f}"))
                .unwrap()
                .2
                .to_u8()
        };
        assert_eq!(flags("01"), 0x01);
        assert_eq!(flags("02"), 0x02);
        assert_eq!(flags("ff"), 0x03);
    }
}
