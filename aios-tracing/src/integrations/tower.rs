//! SERVER spans for inbound HTTP requests, as a tower [`Layer`]: works with
//! axum, hyper services and anything else speaking `http::Request`.
//!
//! For each request [`TraceLayer`] extracts the caller's context from the
//! headers (W3C or B3, per the installed propagator), starts a SERVER span
//! named `{method} {route}` (or `{method}` when the route is unknown), keeps
//! it current while the handler runs, and ends it when the response is
//! produced (or when the request future is dropped).
//!
//! Attributes: `http.request.method`, `url.path`, `url.scheme`,
//! `http.route` (with the `axum` feature, from axum's `MatchedPath`),
//! `server.address`/`server.port` (from `Host`), `user_agent.original`,
//! `http.response.status_code`. A 5xx response sets status ERROR.
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

use crate::Span;
use opentelemetry::KeyValue;
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
fn route_of<B>(req: &http::Request<B>) -> Option<String> {
    #[cfg(feature = "axum")]
    if let Some(path) = req.extensions().get::<axum::extract::MatchedPath>() {
        return Some(path.as_str().to_owned());
    }
    None
}

/// Starts the SERVER span for `req`, continuing the caller's trace.
fn start_span<B>(req: &http::Request<B>) -> Span {
    let method = req.method().as_str().to_owned();
    let route = route_of(req);
    let name = match &route {
        Some(route) => format!("{method} {route}"),
        None => method.clone(),
    };
    let mut attributes = vec![
        KeyValue::new("http.request.method", method),
        KeyValue::new("url.path", req.uri().path().to_owned()),
        KeyValue::new(
            "url.scheme",
            req.uri().scheme_str().unwrap_or("http").to_owned(),
        ),
    ];
    if let Some(route) = route {
        attributes.push(KeyValue::new("http.route", route));
    }
    let host = req
        .headers()
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
    if let Some(agent) = req
        .headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
    }
    TRACER.server(name, attributes, req.headers())
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
                Ok(response) => {
                    let status = response.status();
                    span.set_attribute("http.response.status_code", i64::from(status.as_u16()));
                    if status.is_server_error() {
                        span.set_attribute("error.type", status.as_u16().to_string());
                        span.set_error(format!("HTTP {}", status.as_u16()));
                    }
                }
                Err(_) => span.set_error("the service failed to produce a response"),
            }
            span.end();
        }
        Poll::Ready(result)
    }
}
