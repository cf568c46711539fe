//! CLIENT spans for outbound HTTP requests made with `reqwest`, as a
//! [`reqwest_middleware`] [`Middleware`].
//!
//! [`TracingMiddleware`] starts a CLIENT span named `{method}` (a child of
//! the current span), injects its context into the request headers (W3C or
//! B3, per the installed propagator), and ends it when the response headers
//! arrive. Attributes: `http.request.method`, `url.full` (credentials
//! removed), `server.address`, `server.port`, `http.response.status_code`.
//! A 5xx response or a transport error sets status ERROR.
//!
//! ```no_run
//! use aios_tracing::integrations::reqwest::TracingMiddleware;
//! use reqwest_middleware::ClientBuilder;
//!
//! # async fn demo() -> Result<(), reqwest_middleware::Error> {
//! let client = ClientBuilder::new(reqwest::Client::new())
//!     .with(TracingMiddleware::new())
//!     .build();
//! let body = client.get("http://127.0.0.1:8000/hello").send().await?.text().await?;
//! # let _ = body;
//! # Ok(())
//! # }
//! ```

use crate::FutureExt as _;
use crate::Span;
use opentelemetry::KeyValue;
pub use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, Middleware, Next};

static TRACER: super::ScopedTracer =
    super::ScopedTracer::new("aios_tracing::integrations::reqwest");

/// The tracing middleware; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingMiddleware {
    _private: (),
}

impl TracingMiddleware {
    /// A middleware starting one CLIENT span per request.
    ///
    /// ```no_run
    /// // With `rustls-no-provider`, install a crypto provider before building clients.
    /// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
    ///     .with(aios_tracing::integrations::reqwest::TracingMiddleware::new())
    ///     .build();
    /// # let _ = client;
    /// ```
    pub fn new() -> Self {
        TracingMiddleware { _private: () }
    }
}

/// `url` without user name and password.
fn redacted(url: &reqwest::Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Starts the CLIENT span for `req` and injects its context into it.
fn start_span(req: &mut reqwest::Request) -> Span {
    let method = req.method().as_str().to_owned();
    let url = req.url();
    let mut attributes = vec![
        KeyValue::new("http.request.method", method.clone()),
        KeyValue::new("url.full", redacted(url)),
    ];
    if let Some(host) = url.host_str() {
        attributes.push(KeyValue::new("server.address", host.to_owned()));
    }
    if let Some(port) = url.port_or_known_default() {
        attributes.push(KeyValue::new("server.port", i64::from(port)));
    }
    TRACER.client(method, attributes, req.headers_mut())
}

#[async_trait::async_trait]
impl Middleware for TracingMiddleware {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let span = start_span(&mut req);
        let result = next
            .run(req, extensions)
            .in_context(span.context().clone())
            .await;
        match &result {
            Ok(response) => {
                let status = response.status();
                span.set_attribute("http.response.status_code", i64::from(status.as_u16()));
                if status.is_server_error() {
                    span.set_attribute("error.type", status.as_u16().to_string());
                    span.set_error(format!("HTTP {}", status.as_u16()));
                }
            }
            Err(error) => {
                let kind = match error {
                    reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
                    reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
                    reqwest_middleware::Error::Reqwest(_) => "reqwest::Error",
                    reqwest_middleware::Error::Middleware(_) => "middleware",
                };
                span.set_attribute("error.type", kind);
                span.record_exception(error);
            }
        }
        span.end();
        result
    }
}
