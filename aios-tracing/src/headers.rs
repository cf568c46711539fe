//! Propagation through the active SDK (the most recently started one still
//! running), or the `opentelemetry` global propagator when no SDK runs:
//! the free functions, which the integrations use too.

use crate::propagation::{extract_with, inject_with, Carrier};
use crate::sdk::active;
use opentelemetry::Context;

/// Writes `cx` into `carrier` with the active SDK's propagators.
fn inject_into<C: Carrier + ?Sized>(cx: &Context, carrier: &mut C) {
    active::with(|sdk| match sdk {
        Some(sdk) => inject_with(&sdk.propagator, cx, carrier),
        None => opentelemetry::global::get_text_map_propagator(|p| inject_with(p, cx, carrier)),
    });
}

/// Reads a context from `carrier` with the active SDK's propagators.
fn extract_from<C: Carrier + ?Sized>(carrier: &C) -> Context {
    active::with(|sdk| match sdk {
        Some(sdk) => extract_with(&sdk.propagator, carrier),
        None => opentelemetry::global::get_text_map_propagator(|p| extract_with(p, carrier)),
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
