//! Ready-made spans for common transports, each behind its own feature:
//!
//! | feature | module | what it does |
//! |---|---|---|
//! | `tower` (`axum` for route names) | [`tower`] | SERVER spans for inbound HTTP requests |
//! | `reqwest` | [`reqwest`] | CLIENT spans for outbound HTTP requests, context injected |
//! | `tonic` | [`tonic`] | CLIENT and SERVER spans for gRPC calls, context propagated |
//! | `sqlx` | [`sqlx`] | CLIENT spans for SQL queries (PostgreSQL, SQLite, MySQL) |
//! | `redis` | [`redis`] | CLIENT spans for Redis commands and pipelines |
//!
//! All of them record into the active SDK (the most recently started one
//! still running) and use its propagators, so they speak W3C Trace Context
//! or B3, whichever that [`TracingSdk`](crate::TracingSdk) was configured with.

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
#[cfg(feature = "sqlx")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlx")))]
pub mod sqlx;
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub mod tonic;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;

#[cfg(any(feature = "tower", feature = "reqwest"))]
pub(crate) mod http_conventions;

use crate::data::Attributes;
use crate::lifecycle::{self, Parent, Request};
use crate::sdk::active;
use crate::{extract_context, Span, SpanBuilder, SpanKind};
use opentelemetry::InstrumentationScope;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The OpenTelemetry semantic conventions the integrations follow, as the
/// schema URL of their instrumentation scopes. 1.37.0 is the last release
/// whose RPC conventions are the ones the gRPC integration writes
/// (`rpc.system`, `rpc.service`, `rpc.grpc.status_code`); later releases
/// replaced them, and ask instrumentations already on them not to switch
/// by default.
pub(crate) const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.37.0";

/// Polls `inner` with `span` (if it still has one) current, so that what
/// the wrapped service does while polled nests under it.
#[cfg(any(feature = "tower", feature = "tonic"))]
pub(crate) fn poll_in<F: std::future::Future>(
    span: Option<&Span>,
    inner: std::pin::Pin<&mut F>,
    task: &mut std::task::Context<'_>,
) -> std::task::Poll<F::Output> {
    let _attached = span.map(Span::enter);
    inner.poll(task)
}

/// The tracer of one integration's instrumentation scope (so its spans say
/// which integration made them, and which conventions they follow),
/// recording into the active SDK.
#[derive(Debug)]
pub(crate) struct ScopedTracer {
    name: &'static str,
    scope: OnceLock<&'static InstrumentationScope>,
}

impl ScopedTracer {
    #[allow(dead_code)]
    pub(crate) const fn new(name: &'static str) -> Self {
        ScopedTracer {
            name,
            scope: OnceLock::new(),
        }
    }

    fn scope(&self) -> &'static InstrumentationScope {
        self.scope.get_or_init(|| {
            crate::scope::intern_with_schema_url(self.name, env!("CARGO_PKG_VERSION"), SCHEMA_URL)
        })
    }

    /// A span builder on this scope's tracer (the no-op path when no SDK is active).
    #[allow(dead_code)]
    pub(crate) fn span(&self, name: impl Into<Cow<'static, str>>) -> SpanBuilder {
        SpanBuilder::new(name.into(), Some(self.scope()))
    }

    /// Starts a span of `kind`, deciding sampling first: `name` and
    /// `attributes` are called only for a span that records, so a request
    /// that is not sampled builds no string.
    #[allow(dead_code)]
    #[inline]
    pub(crate) fn start(
        &self,
        kind: SpanKind,
        parent: Parent,
        name: impl FnOnce() -> Cow<'static, str>,
        attributes: impl FnOnce(&mut Attributes),
    ) -> Span {
        let scope = self.scope();
        let request = || Request {
            name: name(),
            kind,
            scope: Some(scope),
            links: Vec::new(),
        };
        Span::from_started(lifecycle::start(
            active::spans(),
            parent,
            request,
            attributes,
        ))
    }

    /// A CLIENT span for an outgoing request, a child of the current span;
    /// the caller injects its context into the request.
    #[allow(dead_code)]
    pub(crate) fn client(
        &self,
        name: impl FnOnce() -> Cow<'static, str>,
        attributes: impl FnOnce(&mut Attributes),
    ) -> Span {
        let parent = Parent::Current { sync_body: false };
        self.start(SpanKind::Client, parent, name, attributes)
    }

    /// A SERVER span for an incoming request, continuing the caller's trace
    /// from its headers (a fresh root when they carry none, or garbage).
    #[allow(dead_code)]
    pub(crate) fn server(
        &self,
        headers: &http::HeaderMap,
        name: impl FnOnce() -> Cow<'static, str>,
        attributes: impl FnOnce(&mut Attributes),
    ) -> Span {
        let parent = Parent::Given(extract_context(headers));
        self.start(SpanKind::Server, parent, name, attributes)
    }
}

/// `host[:port]` split; IPv6 literals keep their brackets off.
#[allow(dead_code)]
pub(crate) fn split_host_port(authority: &str) -> (&str, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host, port);
        }
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (authority, None),
        },
        _ => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::split_host_port;

    #[test]
    fn host_and_port() {
        assert_eq!(
            split_host_port("example.com:8080"),
            ("example.com", Some(8080))
        );
        assert_eq!(split_host_port("example.com"), ("example.com", None));
        assert_eq!(split_host_port("[::1]:443"), ("::1", Some(443)));
        assert_eq!(split_host_port("[::1]"), ("::1", None));
    }
}
