//! The HTTP semantic conventions the server (`tower`) and client
//! (`reqwest`) integrations share: which request methods are known, the
//! span name, and when a response makes the span an error.
//!
//! Known methods are RFC 9110's and PATCH, or exactly those listed in
//! `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` (comma-separated,
//! case-sensitive), read once. Any other method is recorded as `_OTHER`,
//! with `http.request.method_original` holding it, and names the span
//! `HTTP`.

use crate::data::Attributes;
use crate::Span;
use opentelemetry::KeyValue;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The variable that replaces the list of known methods.
pub(crate) const KNOWN_METHODS_VAR: &str = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";

/// RFC 9110's methods and PATCH (RFC 5789).
const DEFAULT_KNOWN: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The known methods, when the environment replaces the default list.
static KNOWN_OVERRIDE: LazyLock<Option<Vec<&'static str>>> = LazyLock::new(|| {
    let value = std::env::var(KNOWN_METHODS_VAR).ok()?;
    Some(
        parse_known_methods(&value)
            .into_iter()
            .map(|method| &*Box::leak(method.into_boxed_str()))
            .collect(),
    )
});

/// The methods listed in a value of `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`.
pub(crate) fn parse_known_methods(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|method| !method.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A request method as the conventions record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Method<'r> {
    /// `http.request.method`: the method, or `_OTHER`.
    pub(crate) value: &'static str,
    /// `http.request.method_original`, for a method that is not known.
    pub(crate) original: Option<&'r str>,
}

impl<'r> Method<'r> {
    /// `method` against the known methods (the default ones, or `known`).
    pub(crate) fn classify(method: &'r str, known: Option<&[&'static str]>) -> Method<'r> {
        let list = known.unwrap_or(&DEFAULT_KNOWN);
        match list.iter().find(|k| **k == method) {
            Some(known) => Method {
                value: known,
                original: None,
            },
            None => Method {
                value: "_OTHER",
                original: Some(method),
            },
        }
    }

    /// `method` against the known methods of this process.
    pub(crate) fn of(method: &'r http::Method) -> Method<'r> {
        Method::classify(method.as_str(), KNOWN_OVERRIDE.as_deref())
    }

    /// The `{method}` part of a span name: the method, or `HTTP`.
    pub(crate) fn name(&self) -> &'static str {
        match self.original {
            Some(_) => "HTTP",
            None => self.value,
        }
    }

    /// `{method} {target}`, or `{method}` without a target.
    pub(crate) fn span_name(&self, target: Option<&str>) -> Cow<'static, str> {
        match target {
            Some(target) => Cow::Owned(format!("{} {target}", self.name())),
            None => Cow::Borrowed(self.name()),
        }
    }

    /// `http.request.method`, and `http.request.method_original` when it differs.
    pub(crate) fn push_attributes(&self, attributes: &mut Attributes) {
        attributes.push(KeyValue::new("http.request.method", self.value));
        if let Some(original) = self.original {
            attributes.push(KeyValue::new(
                "http.request.method_original",
                original.to_owned(),
            ));
        }
    }
}

/// Which end of the request a span describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

/// Whether a response with `status` makes the span an error: 5xx (and
/// codes past them, which nobody can interpret) on both sides, 4xx on the
/// client's only.
pub(crate) fn is_error(status: http::StatusCode, side: Side) -> bool {
    let code = status.as_u16();
    code >= 500 || (side == Side::Client && code >= 400)
}

/// Records the response status on `span`: `http.response.status_code`,
/// and for an error status `error.type` (the code) and status ERROR
/// without a description (the code says it all).
pub(crate) fn record_status(span: &Span, status: http::StatusCode, side: Side) {
    if !span.is_recording() {
        return;
    }
    let code = status.as_u16();
    span.set_attribute("http.response.status_code", i64::from(code));
    if is_error(status, side) {
        span.set_attribute("error.type", code.to_string());
        span.set_error("");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_other_methods() {
        let get = Method::classify("GET", None);
        assert_eq!((get.value, get.original, get.name()), ("GET", None, "GET"));
        let odd = Method::classify("get", None);
        assert_eq!(
            (odd.value, odd.original, odd.name()),
            ("_OTHER", Some("get"), "HTTP")
        );
        assert_eq!(Method::classify("PROPFIND", None).value, "_OTHER");
        assert_eq!(odd.span_name(Some("/users/{id}")), "HTTP /users/{id}");
        assert_eq!(get.span_name(None), "GET");
    }

    #[test]
    fn the_environment_replaces_the_list() {
        let listed = parse_known_methods(" GET, PROPFIND ,,");
        assert_eq!(listed, ["GET", "PROPFIND"]);
        let known: Vec<&'static str> = vec!["GET", "PROPFIND"];
        assert_eq!(Method::classify("PROPFIND", Some(&known)).value, "PROPFIND");
        // A full override: POST is no longer known.
        let post = Method::classify("POST", Some(&known));
        assert_eq!((post.value, post.original), ("_OTHER", Some("POST")));
    }

    #[test]
    fn status_rules() {
        use http::StatusCode;
        for (code, client, server) in [
            (200, false, false),
            (302, false, false),
            (404, true, false),
            (499, true, false),
            (500, true, true),
            (503, true, true),
            (600, true, true),
        ] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(is_error(status, Side::Client), client, "{code} client");
            assert_eq!(is_error(status, Side::Server), server, "{code} server");
        }
    }
}
