//! Carrying trace context across process boundaries: W3C `traceparent`,
//! `tracestate` and `baggage` by default, B3 (single and multi header) on
//! request. Carriers: `HashMap<String, String>` and `http::HeaderMap`.
//!
//! Extraction never fails: a missing or malformed header yields an empty
//! context, so the next span starts a fresh trace.

use crate::config::Propagation;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::Context;
use opentelemetry_propagator_b3::{B3Encoding, Propagator as B3};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use std::collections::HashMap;

/// Builds the composite propagator the configuration asks for.
pub(crate) fn build(config: &Propagation) -> TextMapCompositePropagator {
    let mut parts: Vec<Box<dyn TextMapPropagator + Send + Sync>> = Vec::new();
    if config.trace_context {
        parts.push(Box::new(StrictTraceContext(TraceContextPropagator::new())));
    }
    let b3 = match (config.b3_single, config.b3_multi) {
        (true, true) => Some(B3Encoding::SingleAndMultiHeader),
        (true, false) => Some(B3Encoding::SingleHeader),
        (false, true) => Some(B3Encoding::MultipleHeader),
        (false, false) => None,
    };
    if let Some(encoding) = b3 {
        parts.push(Box::new(B3::with_encoding(encoding)));
    }
    if config.baggage {
        parts.push(Box::new(BaggagePropagator::new()));
    }
    TextMapCompositePropagator::new(parts)
}

/// The SDK's W3C propagator, minus its leniency: it parses the trace id
/// as a number, so a 31-digit id passes. The spec's grammar is checked
/// first, and anything else is treated as absent.
#[derive(Debug)]
struct StrictTraceContext(TraceContextPropagator);

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `version-traceid-parentid-flags` per W3C Trace Context level 1: version
/// `00` has exactly four fields; later versions may append more.
pub(crate) fn is_well_formed_traceparent(value: &str) -> bool {
    let mut fields = value.trim().split('-');
    let (Some(version), Some(trace_id), Some(span_id), Some(flags)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return false;
    };
    let rest_ok = if version == "00" {
        fields.next().is_none()
    } else {
        true
    };
    is_lower_hex(version, 2)
        && version != "ff"
        && is_lower_hex(trace_id, 32)
        && is_lower_hex(span_id, 16)
        && is_lower_hex(flags, 2)
        && rest_ok
}

impl TextMapPropagator for StrictTraceContext {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        self.0.inject_context(cx, injector);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        match extractor.get("traceparent") {
            Some(value) if is_well_formed_traceparent(value) => {
                self.0.extract_with_context(cx, extractor)
            }
            _ => cx.clone(),
        }
    }

    fn fields(&self) -> opentelemetry::propagation::text_map_propagator::FieldIter<'_> {
        self.0.fields()
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
}

/// Writes `cx` into `carrier` with the installed propagators.
pub(crate) fn inject_into<C: Carrier + ?Sized>(cx: &Context, carrier: &mut C) {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut AsInjector(carrier))
    });
}

/// Reads a context from `carrier`; empty when nothing valid is there.
pub(crate) fn extract_from<C: Carrier + ?Sized>(carrier: &C) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.extract_with_context(&Context::new(), &AsExtractor(carrier))
    })
}

/// Injects the current context into `carrier` and returns it, like the
/// Python SDK's `inject_headers({})`.
///
/// ```
/// use std::collections::HashMap;
/// let headers = aios_tracing::inject_headers(HashMap::new());
/// // Outside any span there is nothing to propagate.
/// assert!(headers.get("traceparent").is_none());
/// ```
pub fn inject_headers<C: Carrier>(mut carrier: C) -> C {
    inject_into(&Context::current(), &mut carrier);
    carrier
}

/// Injects a given context (rather than the current one) into `carrier`.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// aios_tracing::inject_context(&opentelemetry::Context::new(), &mut headers);
/// assert!(headers.is_empty());
/// ```
pub fn inject_context<C: Carrier + ?Sized>(cx: &Context, carrier: &mut C) {
    inject_into(cx, carrier);
}

/// Extracts the remote context from inbound headers; use it as a parent
/// with [`SpanBuilder::parent`](crate::SpanBuilder::parent) or attach it.
///
/// ```
/// use aios_tracing::{extract_context, TraceContextExt};
/// use std::collections::HashMap;
/// let headers = HashMap::from([("traceparent".to_string(), "garbage".to_string())]);
/// let cx = extract_context(&headers);
/// assert!(!cx.span().span_context().is_valid()); // bad input: a fresh root
/// ```
pub fn extract_context<C: Carrier + ?Sized>(carrier: &C) -> Context {
    extract_from(carrier)
}

#[cfg(test)]
mod tests {
    use super::is_well_formed_traceparent as ok;

    #[test]
    fn traceparent_grammar() {
        assert!(ok(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(ok(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"
        ));
        assert!(!ok(
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"
        ));
        assert!(!ok(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"
        ));
        assert!(!ok(
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(!ok(
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"
        ));
        assert!(!ok(
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(!ok(""));
    }
}
