//! What an export request came to: delivered (perhaps in part), or why it
//! failed, decided in this one place from what the collector (or the
//! network) said, for gRPC and HTTP alike.

#[cfg(feature = "http")]
use http::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;
#[cfg(feature = "http")]
use std::time::SystemTime;
#[cfg(feature = "grpc")]
use tonic::Code;
#[cfg(feature = "grpc")]
use tonic_types::StatusExt as _;

/// What the collector said about a request it accepted.
#[cfg(any(feature = "grpc", feature = "http"))]
#[derive(Debug, Default)]
pub(crate) struct Delivered {
    /// Spans it accepted the request for but rejected (OTLP partial success).
    pub(crate) rejected_spans: i64,
    pub(crate) message: String,
}

/// A failed export, with the reason as the collector or network gave it.
#[cfg_attr(not(any(feature = "grpc", feature = "http")), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ExportError {
    /// Worth another try (UNAVAILABLE, 503, 429, connection refused, …),
    /// after the server's suggested delay if it gave one.
    #[error("{reason}")]
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Retrying won't help (400, INVALID_ARGUMENT, …).
    #[error("{0}")]
    Permanent(String),
    /// The export's deadline passed; `reason` is the last attempt's failure.
    #[error("{reason} (gave up after {attempts} attempt(s))")]
    Deadline { reason: String, attempts: u32 },
}

impl ExportError {
    #[cfg(any(feature = "grpc", feature = "http", test))]
    pub(crate) fn transient(reason: impl Into<String>) -> Self {
        ExportError::Transient {
            reason: reason.into(),
            retry_after: None,
        }
    }
}

/// The OTLP specification's retryable gRPC codes; RESOURCE_EXHAUSTED only
/// when the server says when to come back.
#[cfg(feature = "grpc")]
pub(crate) fn grpc(status: &tonic::Status) -> ExportError {
    let retry_after = status
        .get_details_retry_info()
        .and_then(|info| info.retry_delay);
    let reason = format!("gRPC status {:?}: {}", status.code(), status.message());
    // A status synthesized from a local transport failure (connection reset,
    // refused, broken mid-request) carries the underlying error; the server
    // never answered, so another attempt is safe whatever the code says.
    let transient = std::error::Error::source(status).is_some()
        || matches!(
            status.code(),
            Code::Cancelled
                | Code::DeadlineExceeded
                | Code::Aborted
                | Code::OutOfRange
                | Code::Unavailable
                | Code::DataLoss
        )
        || (status.code() == Code::ResourceExhausted && retry_after.is_some());
    if transient {
        ExportError::Transient {
            reason,
            retry_after,
        }
    } else {
        ExportError::Permanent(reason)
    }
}

/// The OTLP specification's retryable HTTP statuses (429, 502, 503, 504),
/// honouring `Retry-After`; `None` for a success.
#[cfg(feature = "http")]
pub(crate) fn http(status: http::StatusCode, headers: &HeaderMap) -> Option<ExportError> {
    if status.is_success() {
        return None;
    }
    let reason = format!("HTTP status {status}");
    Some(match status.as_u16() {
        429 | 502 | 503 | 504 => ExportError::Transient {
            reason,
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, SystemTime::now())),
        },
        _ => ExportError::Permanent(reason),
    })
}

/// A `Retry-After` value: delay-seconds, or an HTTP date (a date already
/// past means "now").
#[cfg(feature = "http")]
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

/// A transport error with its causes, for the log line.
#[cfg(feature = "http")]
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(all(test, any(feature = "grpc", feature = "http")))]
mod tests {
    use super::*;

    #[cfg(feature = "http")]
    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[cfg(feature = "http")]
    #[test]
    fn http_statuses_are_classified_as_the_otlp_spec_says() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, http::HeaderValue::from_static("3"));
        assert_eq!(http(http::StatusCode::OK, &headers), None);
        assert_eq!(
            http(http::StatusCode::SERVICE_UNAVAILABLE, &headers),
            Some(ExportError::Transient {
                reason: "HTTP status 503 Service Unavailable".into(),
                retry_after: Some(Duration::from_secs(3)),
            })
        );
        assert!(matches!(
            http(http::StatusCode::BAD_REQUEST, &headers),
            Some(ExportError::Permanent(_))
        ));
    }

    #[cfg(feature = "grpc")]
    #[test]
    fn grpc_codes_are_classified_as_the_otlp_spec_says() {
        assert!(matches!(
            grpc(&tonic::Status::unavailable("down")),
            ExportError::Transient { .. }
        ));
        assert!(matches!(
            grpc(&tonic::Status::invalid_argument("bad")),
            ExportError::Permanent(_)
        ));
        assert!(matches!(
            grpc(&tonic::Status::resource_exhausted("slow down")),
            ExportError::Permanent(_)
        ));
    }
}
