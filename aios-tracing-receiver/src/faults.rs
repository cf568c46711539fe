//! Fault injection for reliability tests.

use std::time::Duration;

/// A failure the receiver can inject instead of accepting an export.
///
/// *Request-level* faults ([`Fault::Unavailable`], [`Fault::TooManyRequests`],
/// [`Fault::BadRequest`], [`Fault::Hang`]) are counted per export request: with
/// `fail_first(n, ..)` the first `n` requests get the fault, whatever connection
/// they use.
///
/// *Connection-level* faults ([`Fault::Blackhole`], [`Fault::CloseMidRequest`])
/// act on raw TCP connections before any HTTP is spoken, and are counted per
/// accepted connection: with `fail_first(n, ..)` the first `n` connections get
/// the fault and later connections are served normally. Exporters reconnect after
/// a broken connection, so "first n connections" is usually "first n attempts".
///
/// Every faulted request or connection counts in
/// [`OtlpReceiver::rejected_count`](crate::OtlpReceiver::rejected_count), and
/// spans of faulted requests are never recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP `503 Service Unavailable` (with `Retry-After: <seconds>` when
    /// `retry_after` is set) / gRPC `UNAVAILABLE` (with a `google.rpc.RetryInfo`
    /// detail in `grpc-status-details-bin` when `retry_after` is set). Retryable
    /// per the OTLP spec.
    Unavailable {
        /// Throttling hint sent to the client.
        retry_after: Option<Duration>,
    },
    /// HTTP `429 Too Many Requests` (with optional `Retry-After`) / gRPC
    /// `RESOURCE_EXHAUSTED` (with optional `RetryInfo`). Retryable per the OTLP
    /// spec (for gRPC only when `RetryInfo` is present).
    TooManyRequests {
        /// Throttling hint sent to the client.
        retry_after: Option<Duration>,
    },
    /// HTTP `400 Bad Request` / gRPC `INVALID_ARGUMENT`. Not retryable.
    BadRequest,
    /// Reads the request, then never answers (the connection stays open until
    /// the client gives up or the receiver stops).
    Hang,
    /// Accepts the TCP connection and never reads from or writes to it.
    Blackhole,
    /// Accepts the TCP connection, reads a few bytes of the request, then
    /// closes the connection (with a reset when unread data remains).
    CloseMidRequest,
}

impl Fault {
    /// `Unavailable` without a retry hint.
    pub const UNAVAILABLE: Fault = Fault::Unavailable { retry_after: None };

    /// True for faults applied per TCP connection rather than per request.
    pub fn is_connection_level(&self) -> bool {
        matches!(self, Fault::Blackhole | Fault::CloseMidRequest)
    }
}

/// How the receiver misbehaves; fixed when it starts.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultPlan {
    /// The fault and how many times to inject it (`None` = always).
    pub fault: Option<(Fault, Option<u64>)>,
    /// Delay before every answer (accepted or faulted).
    pub delay: Option<Duration>,
    /// Count spans without keeping them.
    pub count_only: bool,
}

impl FaultPlan {
    fn pick(&self, index: u64, connection_level: bool) -> Option<&Fault> {
        let (fault, count) = self.fault.as_ref()?;
        if fault.is_connection_level() != connection_level {
            return None;
        }
        match count {
            Some(n) if index >= *n => None,
            _ => Some(fault),
        }
    }

    /// The request-level fault for the `index`-th request (0-based), if any.
    pub fn request_fault(&self, index: u64) -> Option<&Fault> {
        self.pick(index, false)
    }

    /// The connection-level fault for the `index`-th connection (0-based), if any.
    pub fn connection_fault(&self, index: u64) -> Option<&Fault> {
        self.pick(index, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_first_counts_per_kind() {
        let plan = FaultPlan {
            count_only: false,
            fault: Some((Fault::UNAVAILABLE, Some(2))),
            delay: None,
        };
        assert_eq!(plan.request_fault(0), Some(&Fault::UNAVAILABLE));
        assert_eq!(plan.request_fault(1), Some(&Fault::UNAVAILABLE));
        assert_eq!(plan.request_fault(2), None);
        assert_eq!(plan.connection_fault(0), None);

        let always = FaultPlan {
            count_only: false,
            fault: Some((Fault::Blackhole, None)),
            delay: None,
        };
        assert_eq!(always.connection_fault(1000), Some(&Fault::Blackhole));
        assert_eq!(always.request_fault(0), None);
    }
}
