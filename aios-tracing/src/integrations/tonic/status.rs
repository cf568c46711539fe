//! How a gRPC call ended: its status code (from `grpc-status`, or mapped
//! from the HTTP status), whether that is an error on this side of the
//! call, and recording it on the call's span.

use crate::Span;

/// Which end of the call a layer instruments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

const CODE_NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

pub(super) fn grpc_status(headers: &http::HeaderMap) -> Option<i64> {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// The gRPC code for an HTTP status without `grpc-status`, per the gRPC
/// "HTTP to gRPC status code mapping".
pub(super) fn code_for_http(status: http::StatusCode) -> i64 {
    match status.as_u16() {
        200..=299 => 0,
        400 => 13,
        401 => 16,
        403 => 7,
        404 => 12,
        429 | 502..=504 => 14,
        _ => 2,
    }
}

/// Whether a call that ended with `code` is an error, per the gRPC
/// conventions: any code but OK on the client; on the server only those
/// that say the server failed.
fn is_error(code: i64, side: Side) -> bool {
    match side {
        Side::Client => code != 0,
        Side::Server => matches!(code, 2 | 4 | 12 | 13 | 14 | 15),
    }
}

/// Records the status code, sets ERROR where the conventions say so
/// (`error.type` the code's name, the description `grpc-message`), and
/// ends the span.
pub(super) fn finish(span: Span, side: Side, code: i64, message: Option<&str>) {
    if span.is_recording() {
        span.set_attribute("rpc.grpc.status_code", code);
        if is_error(code, side) {
            let name = usize::try_from(code)
                .ok()
                .and_then(|c| CODE_NAMES.get(c))
                .copied()
                .unwrap_or("UNKNOWN");
            span.set_attribute("error.type", name);
            span.set_error(message.unwrap_or_default().to_owned());
        }
    }
    span.end();
}

/// Ends the span of a call that failed without a gRPC status: ERROR, and
/// `error.type` the failure's type name.
pub(super) fn fail<E>(span: Span) {
    if span.is_recording() {
        span.set_attribute("error.type", std::any::type_name::<E>());
        span.set_error("");
    }
    span.end();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_rules() {
        let client: Vec<i64> = (0..17).filter(|c| is_error(*c, Side::Client)).collect();
        let server: Vec<i64> = (0..17).filter(|c| is_error(*c, Side::Server)).collect();
        assert_eq!(client, (1..17).collect::<Vec<_>>());
        assert_eq!(server, [2, 4, 12, 13, 14, 15]);
    }
}
