//! Carrying trace context across process boundaries: W3C `traceparent`,
//! `tracestate` and `baggage` by default, B3 (single and multi header) on
//! request. Carriers: `HashMap<String, String>` and `http::HeaderMap`.
//!
//! Extraction never fails: a missing or malformed header yields an empty
//! context, so the next span starts a fresh trace.
//!
//! Each SDK has its own propagators (`sdk.inject_headers`,
//! `sdk.extract_context`); the free functions in `headers.rs` use the
//! active SDK's.

mod b3;
mod tracestate;
mod w3c;

use crate::config::Propagation;
use b3::B3;
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use opentelemetry::Context;
use opentelemetry_propagator_b3::B3Encoding;
use opentelemetry_sdk::propagation::BaggagePropagator;
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
use std::collections::HashMap;
use std::fmt;
use w3c::TraceContext;

/// One SDK's propagators, in the order the configuration lists them.
///
/// What leaves the process always names a span of its own as the parent:
/// when the current span is a remote parent (a request not sampled here
/// builds no span, and its spans run in the caller's context), the
/// outgoing headers carry a fresh span id in that trace, with the same
/// flags and trace state, as OpenTelemetry gives every span an id.
pub(crate) struct Propagators {
    parts: Vec<Box<dyn TextMapPropagator + Send + Sync>>,
    fields: Vec<String>,
}

impl fmt::Debug for Propagators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Propagators")
            .field("fields", &self.fields)
            .finish()
    }
}

/// Builds the propagators the configuration asks for.
pub(crate) fn composite(config: &Propagation) -> Propagators {
    let mut parts: Vec<Box<dyn TextMapPropagator + Send + Sync>> = Vec::new();
    if config.trace_context {
        parts.push(Box::new(TraceContext::new()));
    }
    let b3 = match (config.b3_single, config.b3_multi) {
        (true, true) => Some(B3Encoding::SingleAndMultiHeader),
        (true, false) => Some(B3Encoding::SingleHeader),
        (false, true) => Some(B3Encoding::MultipleHeader),
        (false, false) => None,
    };
    if let Some(encoding) = b3 {
        parts.push(Box::new(B3::new(encoding)));
    }
    if config.baggage {
        parts.push(Box::new(BaggagePropagator::new()));
    }
    let fields = parts
        .iter()
        .flat_map(|part| part.fields().map(str::to_owned))
        .collect();
    Propagators { parts, fields }
}

/// The context to write into outgoing headers: `cx` itself, or, when its
/// span is a remote parent, that parent's trace with a fresh span id.
fn outgoing(cx: &Context) -> Option<Context> {
    let span = cx.span();
    let sc = span.span_context();
    if !(sc.is_valid() && sc.is_remote()) {
        return None;
    }
    let own = SpanContext::new(
        sc.trace_id(),
        RandomIdGenerator::default().new_span_id(),
        sc.trace_flags(),
        false,
        sc.trace_state().clone(),
    );
    Some(cx.with_remote_span_context(own))
}

impl TextMapPropagator for Propagators {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let fresh = outgoing(cx);
        let cx = fresh.as_ref().unwrap_or(cx);
        for part in &self.parts {
            part.inject_context(cx, injector);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.parts.iter().fold(cx.clone(), |cx, part| {
            part.extract_with_context(&cx, extractor)
        })
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }
}

/// Something headers can be written to and read from.
///
/// Implemented for `HashMap<String, String>` and `http::HeaderMap`; the
/// tonic integration adds `tonic::metadata::MetadataMap`.
///
/// ```
/// use aios_tracing::Carrier;
/// use std::collections::HashMap;
/// let mut headers: HashMap<String, String> = HashMap::new();
/// headers.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into());
/// assert!(headers.lookup("traceparent").is_some());
/// ```
pub trait Carrier {
    /// Sets a header, replacing any previous value. Invalid values are skipped.
    fn put(&mut self, key: &str, value: String);
    /// Reads a header (case-insensitively where the carrier allows).
    fn lookup(&self, key: &str) -> Option<&str>;
    /// All header names.
    fn names(&self) -> Vec<&str>;

    /// Every value of a header given on several lines, in order (W3C
    /// `tracestate` may be). The default is [`lookup`](Carrier::lookup)'s
    /// one value.
    fn lookup_all(&self, key: &str) -> Vec<&str> {
        self.lookup(key).into_iter().collect()
    }
}

impl Carrier for HashMap<String, String> {
    fn put(&mut self, key: &str, value: String) {
        self.insert(key.to_owned(), value);
    }

    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str).or_else(|| {
            // Inbound maps keep whatever case the sender used.
            self.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str())
        })
    }

    fn names(&self) -> Vec<&str> {
        self.keys().map(String::as_str).collect()
    }
}

impl Carrier for http::HeaderMap {
    fn put(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(key.as_bytes()),
            http::header::HeaderValue::from_str(&value),
        ) {
            self.insert(name, value);
        }
    }

    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|v| v.to_str().ok())
    }

    fn names(&self) -> Vec<&str> {
        self.keys().map(http::header::HeaderName::as_str).collect()
    }

    fn lookup_all(&self, key: &str) -> Vec<&str> {
        self.get_all(key)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

struct AsInjector<'a, C: ?Sized>(&'a mut C);
struct AsExtractor<'a, C: ?Sized>(&'a C);

impl<C: Carrier + ?Sized> Injector for AsInjector<'_, C> {
    fn set(&mut self, key: &str, value: String) {
        self.0.put(key, value);
    }
}

impl<C: Carrier + ?Sized> Extractor for AsExtractor<'_, C> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.lookup(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.names()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let all = self.0.lookup_all(key);
        (!all.is_empty()).then_some(all)
    }
}

/// Writes `cx` into `carrier` with `propagator`.
pub(crate) fn inject_with<C: Carrier + ?Sized>(
    propagator: &dyn TextMapPropagator,
    cx: &Context,
    carrier: &mut C,
) {
    propagator.inject_context(cx, &mut AsInjector(carrier));
}

/// Reads a context from `carrier` with `propagator`; empty when nothing
/// valid is there.
pub(crate) fn extract_with<C: Carrier + ?Sized>(
    propagator: &dyn TextMapPropagator,
    carrier: &C,
) -> Context {
    propagator.extract_with_context(&Context::new(), &AsExtractor(carrier))
}
