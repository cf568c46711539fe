//! SERVER spans for inbound HTTP requests, as a tower [`Layer`]: works with
//! axum, hyper services and anything else speaking `http::Request`.
//!
//! For each request [`TraceLayer`] extracts the caller's context from the
//! headers (W3C or B3, per the installed propagator), starts a SERVER span
//! named `{method} {route}` (or `{method}` when the route is unknown), keeps
//! it current while the handler runs, and ends it when the response is
//! produced (or when the request future is dropped).
//!
//! Attributes (semantic conventions 1.37.0, HTTP server spans):
//! `http.request.method` (`_OTHER` for a method that is not known, with
//! `http.request.method_original`), `url.path`, `url.scheme`, `http.route`
//! (with the `axum` feature, from axum's `MatchedPath`),
//! `server.address`/`server.port` (from `Host`), `user_agent.original`,
//! `http.response.status_code`. A 5xx response sets status ERROR and
//! `error.type` to the code; 4xx responses are not errors on the server.
//! A service that fails to produce a response sets ERROR and `error.type`
//! to the error's type name.
//!
//! Sampling is decided before anything else: a request that is not
//! sampled builds no name or attribute.
//!
//! ```no_run
//! # #[cfg(feature = "axum")]
//! # async fn demo() -> std::io::Result<()> {
//! use aios_tracing::integrations::tower::TraceLayer;
//! use axum::{routing::get, Router};
//!
//! let app: Router = Router::new()
//!     .route("/hello", get(|| async { "hi" }))
//!     .layer(TraceLayer::new()); // after the routes: the route is known
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use super::http_conventions::{record_status, Method, Side};
use crate::Span;
use opentelemetry::{KeyValue, Value};
use std::future::Future;
use std::pin::Pin;
use std::task::{self, Poll};
pub use tower_layer::Layer;
pub use tower_service::Service;

static TRACER: super::ScopedTracer = super::ScopedTracer::new("aios_tracing::integrations::tower");

/// Wraps a service in [`TraceService`]; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer {
    _private: (),
}

impl TraceLayer {
    /// A layer starting one SERVER span per request.
    ///
    /// ```
    /// let layer = aios_tracing::integrations::tower::TraceLayer::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        TraceLayer { _private: () }
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> TraceService<S> {
        TraceService { inner }
    }
}

/// The service [`TraceLayer`] produces.
#[derive(Debug, Clone)]
pub struct TraceService<S> {
    inner: S,
}

impl<S> TraceService<S> {
    /// Wraps `inner` directly, without a layer.
    pub fn new(inner: S) -> Self {
        TraceService { inner }
    }
}

/// The route template the router matched, when known.
#[allow(unused_variables)]
fn route_of<B>(req: &http::Request<B>) -> Option<&str> {
    #[cfg(feature = "axum")]
    if let Some(path) = req.extensions().get::<axum::extract::MatchedPath>() {
        return Some(path.as_str());
    }
    None
}

/// Starts the SERVER span for `req`, continuing the caller's trace. What
/// sampling may look at (method, route, path) is read from the request
/// without copying; the name and attributes are built only for a span
/// that records.
fn start_span<B>(req: &http::Request<B>) -> Span {
    let method = Method::of(req.method());
    let route = route_of(req);
    let path = req.uri().path();
    TRACER.server(
        req.headers(),
        || method.span_name(route),
        |attributes| {
            method.push_attributes(attributes);
            attributes.push(KeyValue::new("url.path", path.to_owned()));
            let scheme = match req.uri().scheme_str() {
                None | Some("http") => Value::from("http"),
                Some("https") => Value::from("https"),
                Some(other) => Value::from(other.to_owned()),
            };
            attributes.push(KeyValue::new("url.scheme", scheme));
            if let Some(route) = route {
                attributes.push(KeyValue::new("http.route", route.to_owned()));
            }
            let headers = req.headers();
            let host = headers
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .or_else(|| req.uri().authority().map(|a| a.as_str()));
            if let Some(host) = host {
                let (address, port) = super::split_host_port(host);
                attributes.push(KeyValue::new("server.address", address.to_owned()));
                if let Some(port) = port {
                    attributes.push(KeyValue::new("server.port", i64::from(port)));
                }
            }
            if let Some(agent) = headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
            {
                attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
            }
        },
    )
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for TraceService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut task::Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        let span = start_span(&req);
        let inner = {
            let _attached = span.enter();
            self.inner.call(req)
        };
        ResponseFuture {
            inner,
            span: Some(span),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`TraceService`]: the span is current on
    /// every poll and ends with the response. Dropping the future drops
    /// (and so ends) the span too.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let result = std::task::ready!(super::poll_in(this.span.as_ref(), this.inner, task));
        if let Some(span) = this.span.take() {
            match &result {
                Ok(response) => record_status(&span, response.status(), Side::Server),
                Err(_) if span.is_recording() => {
                    // No status code: the error's type is all there is to say.
                    span.set_attribute("error.type", std::any::type_name::<E>());
                    span.set_error("");
                }
                Err(_) => {}
            }
            span.end();
        }
        Poll::Ready(result)
    }
}
