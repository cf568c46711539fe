//! CLIENT and SERVER spans for gRPC calls made and served with tonic, as
//! tower layers, plus a [`Carrier`] for tonic's
//! [`MetadataMap`].
//!
//! * [`GrpcTraceLayer::client`] wraps a `Channel`: it starts a CLIENT span (a
//!   child of the current span) and injects its context into the request
//!   metadata.
//! * [`GrpcTraceLayer::server`] goes on `Server::builder().layer(…)`: it
//!   extracts the caller's context and starts a SERVER span that is current
//!   while the handler runs.
//!
//! Spans are named `{rpc.service}/{rpc.method}` from the request path, carry
//! `rpc.system=grpc`, `rpc.service`, `rpc.method` and
//! `rpc.grpc.status_code` (from `grpc-status`, in the response headers or
//! trailers; a successful HTTP response without one counts as `0`), and end
//! when the status is known. Status ERROR follows the semantic conventions
//! (1.37.0, gRPC): any non-OK code on the client; on the server only
//! `UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`,
//! `UNAVAILABLE` and `DATA_LOSS`. An error sets `error.type` to the code's
//! name (`DEADLINE_EXCEEDED`) and the status description to `grpc-message`;
//! a call that fails without a status sets it to the failure's type name.
//!
//! Sampling is decided before anything else: a call that is not sampled
//! builds no name or attribute.
//!
//! ```no_run
//! use aios_tracing::integrations::tonic::{GrpcTraceLayer, Layer};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // Client: wrap the channel, then hand it to the generated client.
//! let channel = tonic::transport::Endpoint::from_static("http://127.0.0.1:50051").connect().await?;
//! let traced = GrpcTraceLayer::client().layer(channel);
//! # let _ = traced;
//! // Server: `tonic::transport::Server::builder().layer(GrpcTraceLayer::server())`.
//! # Ok(())
//! # }
//! ```

mod status;

use crate::data::Attributes;
use crate::{Carrier, Span};
use http_body::{Body, Frame, SizeHint};
use opentelemetry::KeyValue;
use status::{code_for_http, fail, finish, grpc_status, Side};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{self, Poll};
use tonic::metadata::{KeyRef, MetadataKey, MetadataMap, MetadataValue};
pub use tower_layer::Layer;
pub use tower_service::Service;

static TRACER: super::ScopedTracer = super::ScopedTracer::new("aios_tracing::integrations::tonic");

#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
impl Carrier for MetadataMap {
    fn put(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value),
        ) {
            self.insert(key, value);
        }
    }

    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|v| v.to_str().ok())
    }

    fn names(&self) -> Vec<&str> {
        self.keys()
            .filter_map(|key| match key {
                KeyRef::Ascii(key) => Some(key.as_str()),
                KeyRef::Binary(_) => None,
            })
            .collect()
    }
}

/// Wraps a gRPC client channel or server in [`GrpcTraceService`]; see the
/// [module docs](self).
#[derive(Debug, Clone, Copy)]
pub struct GrpcTraceLayer {
    side: Side,
}

impl GrpcTraceLayer {
    /// For a client channel: CLIENT spans, context injected into the metadata.
    ///
    /// ```
    /// let layer = aios_tracing::integrations::tonic::GrpcTraceLayer::client();
    /// # let _ = layer;
    /// ```
    pub fn client() -> Self {
        GrpcTraceLayer { side: Side::Client }
    }

    /// For `tonic::transport::Server::builder().layer(…)`: SERVER spans
    /// continuing the caller's trace.
    ///
    /// ```
    /// let layer = aios_tracing::integrations::tonic::GrpcTraceLayer::server();
    /// # let _ = layer;
    /// ```
    pub fn server() -> Self {
        GrpcTraceLayer { side: Side::Server }
    }
}

impl<S> Layer<S> for GrpcTraceLayer {
    type Service = GrpcTraceService<S>;

    fn layer(&self, inner: S) -> GrpcTraceService<S> {
        GrpcTraceService {
            inner,
            side: self.side,
        }
    }
}

/// The service [`GrpcTraceLayer`] produces.
#[derive(Debug, Clone)]
pub struct GrpcTraceService<S> {
    inner: S,
    side: Side,
}

/// `/package.Service/Method` → `package.Service/Method` (the span name),
/// `package.Service` and `Method`, borrowed from the path.
fn split_path(path: &str) -> (&str, &str, &str) {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    match trimmed.rsplit_once('/') {
        Some((service, method)) => (trimmed, service, method),
        None => (trimmed, trimmed, ""),
    }
}

/// Starts the call's span: sampling first (on the current span for a
/// client, the caller's context for a server), then, for a span that
/// records, its name and attributes; a client injects its context.
fn start_span<B>(req: &mut http::Request<B>, side: Side) -> Span {
    let uri = req.uri();
    let (name, service, method) = split_path(uri.path());
    let name = || Cow::Owned(name.to_owned());
    let attributes = |attributes: &mut Attributes| {
        attributes.push(KeyValue::new("rpc.system", "grpc"));
        attributes.push(KeyValue::new("rpc.service", service.to_owned()));
        attributes.push(KeyValue::new("rpc.method", method.to_owned()));
        if let Some(host) = uri.host() {
            attributes.push(KeyValue::new("server.address", host.to_owned()));
        }
        if let Some(port) = uri.port_u16() {
            attributes.push(KeyValue::new("server.port", i64::from(port)));
        }
    };
    match side {
        Side::Client => {
            let span = TRACER.client(name, attributes);
            crate::inject_context(span.context(), req.headers_mut());
            span
        }
        Side::Server => TRACER.server(req.headers(), name, attributes),
    }
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for GrpcTraceService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
{
    type Response = http::Response<GrpcBody<ResBody>>;
    type Error = S::Error;
    type Future = GrpcResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut task::Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<ReqBody>) -> Self::Future {
        let span = start_span(&mut req, self.side);
        let inner = {
            let _attached = span.enter();
            self.inner.call(req)
        };
        GrpcResponseFuture {
            inner,
            span: Some(span),
            side: self.side,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`GrpcTraceService`]: the span is current on
    /// every poll. Dropping it drops (and so ends) the span.
    #[derive(Debug)]
    pub struct GrpcResponseFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
        side: Side,
    }
}

impl<F, ResBody, E> Future for GrpcResponseFuture<F>
where
    F: Future<Output = Result<http::Response<ResBody>, E>>,
{
    type Output = Result<http::Response<GrpcBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, task: &mut task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(super::poll_in(this.span.as_ref(), this.inner, task));
        let side = *this.side;
        let span = this.span.take();
        Poll::Ready(match result {
            Ok(response) => {
                let headers = response.headers();
                let pending = match (span, grpc_status(headers)) {
                    // Trailers-only response: the status is already here.
                    (Some(span), Some(code)) => {
                        let message = headers.get("grpc-message").and_then(|v| v.to_str().ok());
                        finish(span, side, code, message);
                        None
                    }
                    (Some(span), None) if !response.status().is_success() => {
                        finish(span, side, code_for_http(response.status()), None);
                        None
                    }
                    (span, _) => span,
                };
                Ok(response.map(|inner| GrpcBody {
                    inner,
                    span: pending,
                    side,
                }))
            }
            Err(error) => {
                if let Some(span) = span {
                    fail::<E>(span);
                }
                Err(error)
            }
        })
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends the call's span when the trailers (and so
    /// the gRPC status) go by. Data frames pass through untouched.
    #[derive(Debug)]
    pub struct GrpcBody<B> {
        #[pin]
        inner: B,
        span: Option<Span>,
        side: Side,
    }
}

impl<B> Body for GrpcBody<B>
where
    B: Body,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        task: &mut task::Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        let polled = std::task::ready!(this.inner.poll_frame(task));
        match &polled {
            Some(Ok(frame)) => {
                if let Some(trailers) = frame.trailers_ref() {
                    if let Some(span) = this.span.take() {
                        let code = grpc_status(trailers).unwrap_or(0);
                        let message = trailers.get("grpc-message").and_then(|v| v.to_str().ok());
                        finish(span, *this.side, code, message);
                    }
                }
            }
            Some(Err(_)) => {
                if let Some(span) = this.span.take() {
                    fail::<B::Error>(span);
                }
            }
            None => {
                if let Some(span) = this.span.take() {
                    finish(span, *this.side, 0, None);
                }
            }
        }
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            split_path("/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
            (
                "opentelemetry.proto.collector.trace.v1.TraceService/Export",
                "opentelemetry.proto.collector.trace.v1.TraceService",
                "Export"
            )
        );
    }

    #[test]
    fn metadata_carrier() {
        let mut map = MetadataMap::new();
        map.put(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        );
        map.put("bad key", "x".into());
        assert!(map.lookup("traceparent").is_some());
        assert_eq!(map.names(), vec!["traceparent"]);
    }
}
