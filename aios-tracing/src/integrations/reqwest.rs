//! CLIENT spans for outbound HTTP requests made with `reqwest`, as a
//! [`reqwest_middleware`] [`Middleware`].
//!
//! [`TracingMiddleware`] starts a CLIENT span named `{method}` (a child of
//! the current span), injects its context into the request headers (W3C or
//! B3, per the installed propagator), and ends it when the response headers
//! arrive. Attributes (semantic conventions 1.37.0, HTTP client spans):
//! `http.request.method` (`_OTHER` for a method that is not known, with
//! `http.request.method_original`, and the span named `HTTP`), `url.full`
//! (user name, password and the signature parameters `AWSAccessKeyId`,
//! `Signature`, `sig` and `X-Goog-Signature` replaced by `REDACTED`),
//! `server.address`, `server.port`, `http.response.status_code`.
//!
//! A 4xx or 5xx response sets status ERROR and `error.type` to the code. A
//! request that fails without a response sets ERROR, records the error as
//! an exception, and sets `error.type` to one of `timeout`, `connect`,
//! `reqwest::Error` (any other failure of the request) or `middleware` (a
//! later middleware failed).
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

use super::http_conventions::{record_status, Method, Side};
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

/// Query parameters whose values are credentials, redacted from `url.full`.
const SECRET_PARAMETERS: [&str; 4] = ["AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"];

/// `url` with its user name, password and signed-URL credentials replaced
/// by `REDACTED`, as the conventions ask of `url.full`.
fn redacted(url: &reqwest::Url) -> String {
    let secret_query = url
        .query_pairs()
        .any(|(key, _)| SECRET_PARAMETERS.contains(&key.as_ref()));
    if url.username().is_empty() && url.password().is_none() && !secret_query {
        return url.to_string();
    }
    let mut url = url.clone();
    if !url.username().is_empty() {
        let _ = url.set_username("REDACTED");
    }
    if url.password().is_some() {
        let _ = url.set_password(Some("REDACTED"));
    }
    if secret_query {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if SECRET_PARAMETERS.contains(&key.as_ref()) {
                    "REDACTED".into()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// Starts the CLIENT span for `req` (sampling first: an unsampled request
/// builds no attribute) and injects its context into the request.
fn start_span(req: &mut reqwest::Request) -> Span {
    let method = Method::of(req.method());
    let url = req.url();
    let span = TRACER.client(
        || method.span_name(None),
        |attributes| {
            method.push_attributes(attributes);
            attributes.push(KeyValue::new("url.full", redacted(url)));
            if let Some(host) = url.host_str() {
                attributes.push(KeyValue::new("server.address", host.to_owned()));
            }
            if let Some(port) = url.port_or_known_default() {
                attributes.push(KeyValue::new("server.port", i64::from(port)));
            }
        },
    );
    crate::inject_context(span.context(), req.headers_mut());
    span
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
            Ok(response) => record_status(&span, response.status(), Side::Client),
            Err(error) if span.is_recording() => {
                let kind = match error {
                    reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
                    reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
                    reqwest_middleware::Error::Reqwest(_) => "reqwest::Error",
                    reqwest_middleware::Error::Middleware(_) => "middleware",
                };
                span.set_attribute("error.type", kind);
                span.record_exception(error);
            }
            Err(_) => {}
        }
        span.end();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn credentials_and_signatures_are_redacted() {
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert_eq!(
            redacted(&url("https://alice:s3cret@example.com/a?sig=x&page=2")),
            "https://REDACTED:REDACTED@example.com/a?sig=REDACTED&page=2"
        );
        assert_eq!(
            redacted(&url("https://bob@example.com/")),
            "https://REDACTED@example.com/"
        );
        assert_eq!(
            redacted(&url("http://example.com/a?x=1")),
            "http://example.com/a?x=1"
        );
    }
}
